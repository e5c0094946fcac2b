"""Seats reserved per organisation: a coordinator reserves a block of a cycle's seats for one
organisation or shares it among several; their contacts give the seats to named members; at the
deadline the coordinator set, the seats nobody was given return to the open pool, once.

The counting is in lms/enrolment/reserved_seats.py (conditional UPDATEs); this module holds the
decisions around it and what the pages show. Every reservation, seat given, seat given back and
release is kept in the audit log. Functions flush but never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms import events
from lms.audit.service import record_event
from lms.auth.models import Organisation, Role, User
from lms.auth.permissions import has_any_role
from lms.enrolment import reserved_seats
from lms.enrolment.models import ENDED, HOLDS_SEAT, Enrolment, EnrolmentError, EnrolmentStatus
from lms.enrolment.reservation_models import ReservedSeat, SeatReservation
from lms.enrolment.service import (
    _has_session_ahead as has_session_ahead, contact_may_enrol, fill_free_seats, find_enrolment, lock_cycle,
    transition,
)
from lms.events import EventKind
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus

#: statuses a member may be given a reserved seat from (a wait-listed member leaves the wait-list)
ASSIGNABLE_FROM = ENDED | {EnrolmentStatus.WAITLISTED}


# --- the coordinator: reserving and releasing ---------------------------------------------------

def reserve(cycle: Cycle, organisation_ids: Iterable[int], seats: int, release_at: datetime, *,
            actor_id: int | None, now: datetime) -> SeatReservation:
    """Reserve `seats` of the cycle's free seats for the members of these organisations until `release_at`."""
    organisations = list(db.session.execute(
        select(Organisation).where(Organisation.id.in_(list(set(organisation_ids))))).scalars())
    if not organisations:
        raise EnrolmentError(_l("Choose at least one organisation."))
    if seats < 1:
        raise EnrolmentError(_l("Reserve at least one seat."))
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.PUBLISHED):
        raise EnrolmentError(_l("Seats can be reserved only in a cycle that is planned or published."))
    if release_at <= now:
        raise EnrolmentError(_l("The deadline for giving the seats must be in the future."))
    lock_cycle(cycle.id)
    if not reserved_seats.reserve_cycle_seats(cycle, seats):
        raise EnrolmentError(ngettext("Only %(num)d seat is free in this cycle.",
                                          "Only %(num)d seats are free in this cycle.", cycle.free_seats))
    reservation = SeatReservation(cycle_id=cycle.id, seats=seats, seats_assigned=0, release_at=release_at,
                                  created_by_id=actor_id, created_at=now, organisations=organisations)
    db.session.add(reservation)
    db.session.flush()
    record_event(actor_id, "seats_reserved", "seat_reservation", reservation.id, cycle_id=cycle.id,
                 seats=seats, organisation_ids=sorted(o.id for o in organisations),
                 release_at=release_at.isoformat())
    return reservation


def release(reservation_id: int, *, now: datetime, actor_id: int | None = None) -> int:
    """Return the block's seats nobody was given to the open pool (and the wait-list), once.

    One conditional UPDATE (`released_at IS NULL`) marks the block released and counts what is
    left in the same statement, so a seat given at the same moment is either counted as given
    or refused; a second release (the job twice, a coordinator at the same moment) does nothing.
    Returns how many seats went to the open pool.
    """
    cycle_id = db.session.execute(
        select(SeatReservation.cycle_id).where(SeatReservation.id == reservation_id)).scalar_one_or_none()
    if cycle_id is None:
        return 0
    lock_cycle(cycle_id)
    marked = db.session.execute(
        update(SeatReservation)
        .where(SeatReservation.id == reservation_id, SeatReservation.released_at.is_(None))
        .values(released_at=now, released_seats=SeatReservation.seats - SeatReservation.seats_assigned)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        return 0
    freed = db.session.execute(
        select(SeatReservation.released_seats).where(SeatReservation.id == reservation_id)).scalar_one()
    if freed:
        reserved_seats.return_cycle_seats(cycle_id, freed)
    record_event(actor_id, "reserved_seats_released", "seat_reservation", reservation_id, cycle_id=cycle_id,
                 seats=freed, by_deadline=actor_id is None)
    cycle = db.session.get(Cycle, cycle_id)
    db.session.refresh(cycle)
    if freed and cycle.status is CycleStatus.PUBLISHED:
        fill_free_seats(cycle, now=now, actor_id=actor_id)
    return freed


def release_due(now: datetime) -> int:
    """The scheduler's tick: release every block whose deadline has come; the seats returned."""
    due = db.session.execute(
        select(SeatReservation.id)
        .where(SeatReservation.released_at.is_(None), SeatReservation.release_at <= now)
        .order_by(SeatReservation.release_at, SeatReservation.id)
    ).scalars().all()
    return sum(release(reservation_id, now=now) for reservation_id in due)


# --- the organisation's contact: giving seats to members --------------------------------------

def may_give_seats(actor: User, reservation: SeatReservation) -> bool:
    """Coordinators give any block's seats; a contact those of a block shared with their organisation."""
    if has_any_role(actor, Role.COORDINATOR):
        return True
    return (actor.has_role(Role.ORGANISATION_CONTACT) and actor.organisation_id is not None
            and actor.organisation_id in {o.id for o in reservation.organisations})


def _check_member(reservation: SeatReservation, member: User, actor: User) -> None:
    if not may_give_seats(actor, reservation):
        raise EnrolmentError(_l("These seats are not reserved for your organisation."))
    ours = {o.id for o in reservation.organisations}
    if not has_any_role(actor, Role.COORDINATOR):
        ours &= {actor.organisation_id}
    if member.organisation_id not in ours:
        raise EnrolmentError(_l("No member of your organisation has this e-mail address."))
    if not member.is_active or member.anonymised_at is not None:
        raise EnrolmentError(_l("The account is not active."))
    if not contact_may_enrol(member):
        raise EnrolmentError(_l("Reserved seats are for the organisation's participants, not for staff accounts."))


def takes_reserved_seats(cycle: Cycle, now: datetime) -> bool:
    """Published, a session still ahead and enrolment not closed (it may not have opened yet:
    an organisation's seats can be given before open enrolment starts)."""
    if cycle.status is not CycleStatus.PUBLISHED:
        return False
    if cycle.enrolment_closes_at and now >= cycle.enrolment_closes_at:
        return False
    return has_session_ahead(cycle.id, now)


def give_seat(reservation: SeatReservation, member: User, *, actor: User, now: datetime) -> Enrolment:
    """Give the member one of the block's seats: they are enrolled at once (the contact decides)."""
    _check_member(reservation, member, actor)
    cycle = reservation.cycle
    if not takes_reserved_seats(cycle, now):
        raise EnrolmentError(_l("This cycle does not take enrolments."))
    existing = find_enrolment(member.id, cycle.id)
    if existing is not None and existing.status not in ASSIGNABLE_FROM:
        raise EnrolmentError(_l("%(name)s already has a seat in this cycle.", name=member.name))
    lock_cycle(cycle.id)
    if not reserved_seats.take_block_seat(reservation.id, now):
        raise EnrolmentError(_l("No reserved seats are left to give."))
    enrolment = _seated(existing, member.id, cycle, actor_id=actor.id, now=now)
    if enrolment is None:
        reserved_seats.give_back_block_seat(reservation.id)
        raise EnrolmentError(_l("%(name)s already has a seat in this cycle.", name=member.name))
    db.session.add(ReservedSeat(reservation_id=reservation.id, enrolment_id=enrolment.id,
                                assigned_by_id=actor.id, assigned_at=now))
    db.session.flush()
    record_event(actor.id, "reserved_seat_assigned", "seat_reservation", reservation.id,
                 user_id=member.id, cycle_id=cycle.id, enrolment_id=enrolment.id)
    record_event(actor.id, EventKind.ENROLLED.value, "enrolment", enrolment.id, user_id=member.id, cycle_id=cycle.id)
    events.record(EventKind.ENROLLED, enrolment_id=enrolment.id)
    db.session.expire(reservation, ["seats_assigned"])
    return enrolment


def _seated(existing: Enrolment | None, user_id: int, cycle: Cycle, *, actor_id: int,
            now: datetime) -> Enrolment | None:
    """The member's enrolment, now enrolled on the reserved seat; None if another request placed them first."""
    values = dict(requested_at=now, enrolled_at=now, withdrawn_at=None, waitlisted_at=None,
                  decided_by_id=actor_id, decided_at=now)
    if existing is not None:
        return existing if transition(existing, existing.status, EnrolmentStatus.ENROLLED, **values) else None
    enrolment = Enrolment(user_id=user_id, cycle_id=cycle.id, status=EnrolmentStatus.ENROLLED,
                          created_by_id=actor_id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        return None
    return enrolment


# --- what the pages show ------------------------------------------------------------------------

def cycle_reservations(cycle_id: int) -> list[SeatReservation]:
    """The cycle's blocks with their organisations and the members given a seat, oldest first."""
    return list(db.session.execute(
        select(SeatReservation).where(SeatReservation.cycle_id == cycle_id)
        .options(selectinload(SeatReservation.organisations),
                 selectinload(SeatReservation.assigned).joinedload(ReservedSeat.enrolment)
                 .joinedload(Enrolment.user))
        .order_by(SeatReservation.created_at, SeatReservation.id)
    ).scalars())


def organisation_reservations(organisation_id: int) -> list[SeatReservation]:
    """The blocks of published cycles shared with the organisation, soonest cycle first."""
    return list(db.session.execute(
        select(SeatReservation)
        .join(Cycle, Cycle.id == SeatReservation.cycle_id)
        .where(Cycle.status == CycleStatus.PUBLISHED,
               SeatReservation.organisations.any(Organisation.id == organisation_id))
        .options(joinedload(SeatReservation.cycle).joinedload(Cycle.course),
                 selectinload(SeatReservation.organisations),
                 selectinload(SeatReservation.assigned).joinedload(ReservedSeat.enrolment)
                 .joinedload(Enrolment.user))
        .order_by(Cycle.first_date, SeatReservation.id)
    ).scalars())


def give_seat_choices(blocks: list[SeatReservation], organisation_id: int) -> dict[int, list[User]]:
    """Per block, the members of the organisation who could be given one of its seats (by name):
    active participants without a seat in the block's cycle. Two queries, whatever the number of blocks."""
    members = [m for m in db.session.execute(
        select(User).where(User.organisation_id == organisation_id, User.active.is_(True),
                           User.anonymised_at.is_(None))
        .options(selectinload(User.role_grants)).order_by(User.name, User.id)
    ).scalars() if contact_may_enrol(m)]
    cycle_ids = {block.cycle_id for block in blocks}
    seated = set(tuple(row) for row in db.session.execute(
        select(Enrolment.cycle_id, Enrolment.user_id)
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.user_id.in_([m.id for m in members]),
               Enrolment.status.in_(list(HOLDS_SEAT)))
    ).all()) if members and cycle_ids else set()
    return {block.id: [m for m in members if (block.cycle_id, m.id) not in seated] for block in blocks}
