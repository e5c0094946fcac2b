"""Reserved seats: the coordinator reserves and releases blocks (from the cycle's planning page),
an organisation's contact gives their seats to members (from the members page). On the
enrolment blueprint.

A contact gives only the seats of blocks shared with their organisation (another block is 403)
and only to members of their own organisation; coordinators act for any organisation.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.auth.models import Organisation, Role, User
from lms.auth.permissions import has_any_role, role_required
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.enrolment import reservations
from lms.enrolment.blueprint import bp
from lms.enrolment.reservation_forms import GiveSeatForm, ReserveSeatsForm
from lms.enrolment.reservation_models import SeatReservation
from lms.extensions import db
from lms.planning.models import Cycle
from lms.planning.service import local_day_start

coordinators = role_required(Role.COORDINATOR)
seat_givers = role_required(Role.ORGANISATION_CONTACT, Role.COORDINATOR)
_ONE_DAY = timedelta(days=1)


def _all_organisations() -> list[Organisation]:
    return list(db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars())


@bp.post("/planning/cycles/<int:cycle_id>/reservations")
@coordinators
def reserve_seats(cycle_id: int):
    """Reserve a block of the cycle's seats for one or more organisations."""
    cycle = db.session.get(Cycle, cycle_id) or abort(404)
    back = url_for("planning.cycle", cycle_id=cycle.id, _anchor="reserved-heading")
    form = ReserveSeatsForm(organisations=_all_organisations())
    if not form.validate_on_submit():
        flash(_("Choose the organisations, the number of seats and the day to give them by."), "error")
        return redirect(back)
    with refusal_flashed(back):
        block = reservations.reserve(cycle, form.organisation_ids.data, form.seats.data,
                                     local_day_start(form.give_by.data + _ONE_DAY), actor_id=current_user.id,
                                     now=utcnow())
    flash(ngettext("%(num)d seat is reserved for %(who)s.", "%(num)d seats are reserved for %(who)s.",
                   block.seats, who=", ".join(o.name for o in block.organisations)), "success")
    return redirect(back)


@bp.post("/reservations/<int:reservation_id>/release")
@coordinators
def release_seats(reservation_id: int):
    """Return the block's seats nobody was given to the open pool now, before the deadline."""
    block = db.session.get(SeatReservation, reservation_id) or abort(404)
    freed = reservations.release(block.id, now=utcnow(), actor_id=current_user.id)
    flash(ngettext("%(num)d seat returned to the open pool.", "%(num)d seats returned to the open pool.", freed),
          "success")
    return redirect(url_for("planning.cycle", cycle_id=block.cycle_id, _anchor="reserved-heading"))


@bp.post("/reservations/<int:reservation_id>/give")
@seat_givers
def give_reserved_seat(reservation_id: int):
    """Give one of the block's seats to a member of the contact's organisation."""
    block = db.session.get(SeatReservation, reservation_id) or abort(404)
    if not reservations.may_give_seats(current_user, block):
        abort(403)
    organisation_id = _giver_organisation(block)
    back = url_for("enrolment.members_page", organisation_id=organisation_id if _is_staff() else None,
                   _anchor=f"reserved-{block.id}")
    form = GiveSeatForm(members=reservations.give_seat_choices([block], organisation_id)[block.id],
                        prefix=f"block{block.id}")
    if not form.validate_on_submit():
        flash(_("Choose a member who has no seat in this cycle yet."), "error")
        return redirect(back)
    member = db.session.get(User, form.member_id.data) or abort(404)
    with refusal_flashed(back):
        reservations.give_seat(block, member, actor=current_user, now=utcnow())
    flash(_("%(name)s has a reserved seat in %(cycle)s.", name=member.name,
            cycle=f"{block.cycle.course.title}: {block.cycle.title}"), "success")
    return redirect(back)


def _is_staff() -> bool:
    return has_any_role(current_user, Role.COORDINATOR)


def _giver_organisation(block: SeatReservation) -> int:
    """Whose members: the contact's own; a coordinator names one of the block's organisations."""
    if not _is_staff():
        return current_user.organisation_id
    chosen = request.form.get("organisation_id", type=int)
    if chosen not in {o.id for o in block.organisations}:
        abort(400)
    return chosen

