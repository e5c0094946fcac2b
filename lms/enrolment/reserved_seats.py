"""Counting the seats of reserved blocks, race-safely: each change is one conditional UPDATE.

The same discipline as the open seats (lms/enrolment/service.py, `take_seat`): the database
decides, by the row count of an UPDATE whose WHERE states the rule, so of many requests for the
last seat of a block exactly one wins, on SQLite and PostgreSQL alike.

- `reserve_cycle_seats`: N seats leave the open pool (`seats_taken + N <= capacity`).
- `take_block_seat` / `give_back_block_seat`: a seat of the block is given to a member, or comes
  back to the block (only while the block is not released).
- `back_to_block`: called when an enrolment leaves its seat (withdrawal): a seat given from a
  block that is not released yet goes back to that block, not to the open pool or the wait-list.
- `unreleased_seats_by_cycle`: the block seats nobody holds, which `seats_taken` counts too
  (lms/enrolment/consistency.py).

Nothing here imports the enrolment service, so the service can call `back_to_block`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from lms.audit.service import record_event
from lms.enrolment.models import Enrolment
from lms.enrolment.reservation_models import ReservedSeat, SeatReservation
from lms.extensions import db
from lms.planning.models import Cycle


def reserve_cycle_seats(cycle: Cycle, seats: int) -> bool:
    """Take `seats` seats out of the open pool at once, if that many are free."""
    result = db.session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.seats_taken + seats <= Cycle.capacity)
        .values(seats_taken=Cycle.seats_taken + seats)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cycle, ["seats_taken"])
    return result.rowcount == 1


def return_cycle_seats(cycle_id: int, seats: int) -> None:
    """Give `seats` seats back to the open pool (a block released or withdrawn)."""
    db.session.execute(
        update(Cycle)
        .where(Cycle.id == cycle_id, Cycle.seats_taken >= seats)
        .values(seats_taken=Cycle.seats_taken - seats)
        .execution_options(synchronize_session=False)
    )


def take_block_seat(reservation_id: int, now: datetime) -> bool:
    """One seat of the block for a member, if one is left and the deadline has not come."""
    result = db.session.execute(
        update(SeatReservation)
        .where(SeatReservation.id == reservation_id, SeatReservation.released_at.is_(None),
               SeatReservation.release_at > now, SeatReservation.seats_assigned < SeatReservation.seats)
        .values(seats_assigned=SeatReservation.seats_assigned + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back_block_seat(reservation_id: int) -> bool:
    """The seat comes back to the block; False once the block is released (the seat is then an open one)."""
    result = db.session.execute(
        update(SeatReservation)
        .where(SeatReservation.id == reservation_id, SeatReservation.released_at.is_(None),
               SeatReservation.seats_assigned > 0)
        .values(seats_assigned=SeatReservation.seats_assigned - 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def back_to_block(enrolment: Enrolment, *, actor_id: int | None, now: datetime) -> bool:
    """When `enrolment` leaves its seat: True if the seat went back to its block (nothing else to do)."""
    given = db.session.execute(
        select(ReservedSeat).where(ReservedSeat.enrolment_id == enrolment.id)
    ).scalar_one_or_none()
    if given is None or not give_back_block_seat(given.reservation_id):
        return False
    db.session.execute(delete(ReservedSeat).where(ReservedSeat.id == given.id))
    record_event(actor_id, "reserved_seat_returned", "seat_reservation", given.reservation_id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id, enrolment_id=enrolment.id,
                 at=now.isoformat())
    return True


def unreleased_seats_by_cycle():  # type: ignore[no-untyped-def]
    """A subquery: per cycle, the seats of blocks not released yet that nobody holds (`seats_taken` counts them)."""
    return (
        select(SeatReservation.cycle_id,
               func.sum(SeatReservation.seats - SeatReservation.seats_assigned).label("unassigned"))
        .where(SeatReservation.released_at.is_(None))
        .group_by(SeatReservation.cycle_id)
        .subquery()
    )
