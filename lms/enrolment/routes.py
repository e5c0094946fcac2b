"""Enrolment pages: a cycle as the public sees it, enrolling, the schedule, approvals, bulk."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.models import Organisation, Role
from lms.auth.permissions import has_any_role, role_required
from lms.auth.urls import safe_next_url
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.enrolment import no_show, offers, queries, service
from lms.enrolment.blueprint import bp
from lms.enrolment.forms import BulkEnrolForm
from lms.enrolment.models import ENDED, Enrolment, EnrolmentStatus
from lms.signup.service import signup_mode
from lms.extensions import db
from lms.notifications.routes import personal_feed_url
from lms.planning.models import Cycle, CycleStatus
from lms.planning.queries import cycles_ahead, load_cycle
from lms.core.input import query_int

deciders = role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)

FLASH_AFTER_ENROL = {
    EnrolmentStatus.ENROLLED: _l("You are enrolled. The sessions are in your schedule."),
    EnrolmentStatus.PENDING: _l("Your request is sent; you hold a seat until it is approved."),
    EnrolmentStatus.WAITLISTED: _l("The cycle is full: you are on the wait-list."),
}


def _now() -> datetime:
    return utcnow()


def _visible_cycle(cycle_id: int) -> Cycle:
    """A cycle anyone may see: published, finished or cancelled; drafts only for coordinators."""
    cycle = load_cycle(cycle_id)
    if cycle is None:
        abort(404)
    if cycle.status is CycleStatus.DRAFT and not has_any_role(current_user, Role.COORDINATOR):
        abort(404)
    return cycle


@bp.get("/cycles/<int:cycle_id>")
def cycle(cycle_id: int):
    cycle = _visible_cycle(cycle_id)
    enrolment = position = None
    if current_user.is_authenticated:
        enrolment = service.find_enrolment(current_user.id, cycle.id)
        position = queries.waitlist_positions([cycle.id]).get(enrolment.id) if enrolment else None
    now = _now()
    return render_template(
        "enrolment/cycle.html", cycle=cycle, enrolment=enrolment, position=position, now=now,
        open=service.enrolment_open(cycle, now), **offers.seat_facts(cycle, enrolment, now),
        can_bulk=has_any_role(current_user, Role.COORDINATOR, Role.ORGANISATION_CONTACT),
        signup_mode=signup_mode(),
    )


@bp.post("/cycles/<int:cycle_id>/enrol")
@role_required(Role.LEARNER)
def enrol(cycle_id: int):
    cycle = _visible_cycle(cycle_id)
    back = url_for("enrolment.cycle", cycle_id=cycle_id)
    with refusal_flashed(back):
        enrolment = service.enrol(current_user.id, cycle, now=_now())
    flash(str(FLASH_AFTER_ENROL[enrolment.status]), "success")
    return redirect(back)


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@role_required(Role.LEARNER)
def withdraw(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    back = safe_next_url(request.form.get("next"), url_for("enrolment.my_schedule"))
    with refusal_flashed(back):
        service.withdraw(enrolment, actor_id=current_user.id, now=_now())
    flash(_("You have withdrawn from %(title)s.", title=enrolment.cycle.title), "success")
    return redirect(back)


@bp.get("/my/schedule")
@role_required(Role.LEARNER)
def my_schedule():
    enrolments, now = queries.my_enrolments(current_user.id), _now()
    return render_template(
        "enrolment/my_schedule.html", enrolments=enrolments, standing=no_show.standing(current_user.id, now),
        offers_waiting=offers.offers_waiting(current_user.id, now), offer_token=offers.offer_token,
        sessions=queries.sessions_for_user(current_user.id, since=_now()),
        positions=queries.waitlist_positions([e.cycle_id for e in enrolments]),
        feed_url=personal_feed_url(current_user.id),
    )


# --- approval ------------------------------------------------------------------------------

@bp.get("/enrolment/requests")
@deciders
def requests():
    pending = queries.pending_requests(current_user)
    return render_template("enrolment/requests.html", pending=pending, offers=cycles_ahead(_now()),
                           flagged=no_show.restricted_among([e.user_id for e in pending], _now()))


def _decidable(enrolment_id: int) -> Enrolment:
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if not service.can_decide(current_user, enrolment):
        abort(404)
    return enrolment


@bp.post("/enrolments/<int:enrolment_id>/approve")
@deciders
def approve(enrolment_id: int):
    enrolment = _decidable(enrolment_id)
    return _decide(enrolment, service.approve, _("%(name)s is enrolled."))


@bp.post("/enrolments/<int:enrolment_id>/decline")
@deciders
def decline(enrolment_id: int):
    enrolment = _decidable(enrolment_id)
    return _decide(enrolment, service.decline, _("The request of %(name)s is declined."))


def _decide(enrolment: Enrolment, decision, message: str):
    back = safe_next_url(request.form.get("next"), url_for("enrolment.requests"))
    with refusal_flashed(back):
        decision(enrolment, actor_id=current_user.id, now=_now())
    flash(message % {"name": enrolment.user.name}, "success")
    return redirect(back)


# --- bulk --------------------------------------------------------------------------------------

def _organisation_for_bulk() -> Organisation | None:
    """Whose members to offer as checkboxes: the contact's own; a coordinator picks one."""
    if has_any_role(current_user, Role.COORDINATOR):
        chosen = query_int("organisation_id")
        return db.session.get(Organisation, chosen) if chosen else None
    return current_user.organisation


@bp.route("/cycles/<int:cycle_id>/bulk", methods=["GET", "POST"])
@deciders
def bulk(cycle_id: int):
    cycle = _visible_cycle(cycle_id)
    organisation = _organisation_for_bulk()
    members = queries.organisation_members(organisation.id if organisation else None)
    if not has_any_role(current_user, Role.COORDINATOR):
        members = [member for member in members if service.contact_may_enrol(member)]
    form = BulkEnrolForm()
    form.user_ids.choices = [(m.id, f"{m.name} ({m.email})") for m in members]
    report = None
    if form.validate_on_submit():
        report = service.bulk_enrol(cycle, actor=current_user, user_ids=form.user_ids.data or [],
                                    emails=form.emails.data or "", now=_now())
        form.user_ids.data, form.emails.data = [], ""
    organisations = db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars().all() \
        if has_any_role(current_user, Role.COORDINATOR) else []
    roster = queries.cycle_roster(cycle.id)
    signed_up = [e for status, rows in roster.items() if status not in ENDED for e in rows]
    return render_template("enrolment/bulk.html", cycle=cycle, form=form, report=report,
                           organisation=organisation, organisations=organisations, signed_up=signed_up)
