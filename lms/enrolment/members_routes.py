"""The organisation contact's members page: their people, each one's enrolments and certificates,
inviting a new member and enrolling one in a cycle. On the enrolment blueprint.

A contact sees only their own organisation (another organisation's member is a 404); coordinators
and administrators choose any organisation.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth import mail as account_mail
from lms.auth import service as accounts
from lms.auth.models import Organisation, Role
from lms.auth.permissions import has_any_role, role_required
from lms.certificates.renewals import standing_of_users
from lms.core.unit_of_work import refusal_flashed
from lms.enrolment import members, reservations, service
from lms.enrolment.reservation_forms import GiveSeatForm
from lms.enrolment.forms import EnrolMemberForm, InviteMemberForm
from lms.enrolment.blueprint import bp
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import Cycle

member_readers = role_required(Role.ORGANISATION_CONTACT, Role.COORDINATOR)

OUTCOME_MESSAGES = {
    "enrolled": _l("%(name)s is enrolled in %(cycle)s."),
    "pending": _l("%(name)s has asked for a seat in %(cycle)s; the request waits for approval."),
    "waitlisted": _l("%(name)s is on the wait-list of %(cycle)s."),
}


def _is_staff() -> bool:
    return has_any_role(current_user, Role.COORDINATOR)


def _organisation() -> Organisation | None:
    """Whose members: the contact's own; staff choose one with ?organisation_id=."""
    if _is_staff():
        chosen = request.args.get("organisation_id", type=int) or request.form.get("organisation_id", type=int)
        return db.session.get(Organisation, chosen) if chosen else None
    if current_user.organisation_id is None:
        abort(403)
    return current_user.organisation


def _member_or_404(user_id: int):  # type: ignore[no-untyped-def]
    scope = None if _is_staff() else current_user.organisation_id
    if scope is None and not _is_staff():
        abort(403)
    return members.find_member(scope, user_id) or abort(404)


@bp.get("/organisation/members")
@member_readers
def members_page():
    """The organisation's people with search, and who is enrolled where."""
    organisation = _organisation()
    search = request.args.get("q", "").strip()[:100]
    page = members.search_members(organisation.id, search) if organisation else None
    lines = members.member_lines(list(page.items)) if page else []
    organisations = db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars().all() \
        if _is_staff() else []
    return render_template("enrolment/members.html", organisation=organisation, page=page, lines=lines,
                           renewals=standing_of_users([line.user.id for line in lines], utcnow()),
                           search=search, organisations=organisations, invite_form=InviteMemberForm(),
                           total=members.member_count(organisation.id) if organisation else 0,
                           reserved=_reserved(organisation))


def _reserved(organisation: Organisation | None) -> list[tuple]:
    """The organisation's reserved blocks, each with its form to give a seat to a member."""
    if organisation is None:
        return []
    blocks = reservations.organisation_reservations(organisation.id)
    choices = reservations.give_seat_choices(blocks, organisation.id)
    return [(block, GiveSeatForm(members=choices[block.id], prefix=f"block{block.id}")) for block in blocks]


@bp.get("/organisation/members/<int:user_id>")
@member_readers
def member_page(user_id: int):
    """One member: their enrolments and certificates, and a form to enrol them in a cycle."""
    member = _member_or_404(user_id)
    [line] = members.member_lines([member])
    form = EnrolMemberForm()
    form.cycle_id.choices = _cycle_choices(line)
    return render_template("enrolment/member.html", line=line, member=member, form=form)


def _cycle_choices(line) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    taken = {e.cycle_id for e in line.enrolments}
    return [(c.id, f"{c.course.title}: {c.title} ({c.first_date:%Y-%m-%d})")
            for c in members.enrolable_cycles(utcnow()) if c.id not in taken]


@bp.post("/organisation/members/<int:user_id>/enrol")
@member_readers
def enrol_member(user_id: int):
    """Enrol the member in the chosen cycle, by the bulk-enrolment rules (one line of outcome)."""
    member = _member_or_404(user_id)
    [line] = members.member_lines([member])
    form = EnrolMemberForm()
    form.cycle_id.choices = _cycle_choices(line)
    if not form.validate_on_submit():
        flash(_("Choose a cycle that is open for enrolment."), "error")
        return redirect(url_for("enrolment.member_page", user_id=member.id))
    cycle = db.session.get(Cycle, form.cycle_id.data) or abort(404)
    [outcome] = service.bulk_enrol(cycle, actor=current_user, user_ids=[member.id], now=utcnow())
    if outcome.outcome in OUTCOME_MESSAGES:
        flash(str(OUTCOME_MESSAGES[outcome.outcome]) % {"name": member.name,
                                                         "cycle": f"{cycle.course.title}: {cycle.title}"}, "success")
    else:
        flash(outcome.reason or _("%(name)s could not be enrolled.", name=member.name), "error")
    return redirect(url_for("enrolment.member_page", user_id=member.id))


@bp.post("/organisation/members/invite")
@member_readers
def invite_member():
    """Invite a new member of the organisation by e-mail (the account's invitation link)."""
    organisation = _organisation() or abort(400)
    form = InviteMemberForm()
    back = url_for("enrolment.members_page", organisation_id=organisation.id if _is_staff() else None)
    if not form.validate_on_submit():
        flash(_("Give the new member's name and a valid e-mail address."), "error")
        return redirect(back)
    with refusal_flashed(back):
        user = accounts.create_user(form.email.data, form.name.data, roles=[Role.LEARNER],
                                    organisation_id=organisation.id, locale=current_user.locale,
                                    actor_id=current_user.id)
    account_mail.send_invitation(user, accounts.make_token(user, accounts.INVITATION))
    flash(_("An invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("enrolment.member_page", user_id=user.id))
