"""Seats against enrolments: a cycle's `seats_taken` must equal its rows that hold a seat
(enrolments holding one, and open wait-list offers, which hold theirs until answered), plus the
seats of its reserved blocks (not released yet) that nobody was given (lms/enrolment/reserved_seats.py).

`seat_drift()` lists the cycles where they differ (`lms doctor` reports them, and the
concurrency tests assert there are none); `repair_seats()` sets `seats_taken` to the count,
clamped to the capacity. Both read the counts in one grouped query.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from lms.enrolment.models import HOLDS_SEAT, Enrolment
from lms.enrolment.reserved_seats import unreleased_seats_by_cycle
from lms.enrolment.policy_models import OfferStatus, WaitlistOffer
from lms.extensions import db
from lms.planning.models import Cycle


@dataclass(frozen=True)
class SeatDrift:
    """One cycle whose seat counter disagrees with its enrolments."""

    cycle_id: int
    title: str
    seats_taken: int
    holding: int
    capacity: int


def seat_drift() -> list[SeatDrift]:
    """Every cycle whose `seats_taken` is not the number of its holders: enrolments holding a seat,
    open offers and reserved seats nobody was given."""
    seated = select(Enrolment.cycle_id).where(Enrolment.status.in_(list(HOLDS_SEAT)))
    offered = select(WaitlistOffer.cycle_id).where(WaitlistOffer.status == OfferStatus.OPEN)
    holders = seated.union_all(offered).subquery()
    holding = (
        select(holders.c.cycle_id, func.count().label("holding"))
        .group_by(holders.c.cycle_id)
        .subquery()
    )
    reserved = unreleased_seats_by_cycle()
    count = func.coalesce(holding.c.holding, 0) + func.coalesce(reserved.c.unassigned, 0)
    rows = db.session.execute(
        select(Cycle.id, Cycle.title, Cycle.seats_taken, count, Cycle.capacity)
        .outerjoin(holding, holding.c.cycle_id == Cycle.id)
        .outerjoin(reserved, reserved.c.cycle_id == Cycle.id)
        .where(Cycle.seats_taken != count)
        .order_by(Cycle.id)
    ).all()
    return [SeatDrift(*row) for row in rows]


def repair_seats() -> list[SeatDrift]:
    """Set every drifted cycle's `seats_taken` to its holders (at most the capacity); returns what was wrong."""
    drift = seat_drift()
    for item in drift:
        db.session.execute(
            update(Cycle).where(Cycle.id == item.cycle_id)
            .values(seats_taken=min(item.holding, item.capacity))
            .execution_options(synchronize_session=False)
        )
    db.session.expire_all()
    return drift
