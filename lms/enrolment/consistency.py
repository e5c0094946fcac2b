"""Seats against enrolments: a cycle's `seats_taken` must equal its rows that hold a seat.

`seat_drift()` lists the cycles where they differ (`lms doctor` reports them, and the
concurrency tests assert there are none); `repair_seats()` sets `seats_taken` to the count,
clamped to the capacity. Both read the counts in one grouped query.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from lms.enrolment.models import HOLDS_SEAT, Enrolment
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
    """Every cycle whose `seats_taken` is not the number of its enrolments holding a seat."""
    holding = (
        select(Enrolment.cycle_id, func.count(Enrolment.id).label("holding"))
        .where(Enrolment.status.in_(list(HOLDS_SEAT)))
        .group_by(Enrolment.cycle_id)
        .subquery()
    )
    count = func.coalesce(holding.c.holding, 0)
    rows = db.session.execute(
        select(Cycle.id, Cycle.title, Cycle.seats_taken, count, Cycle.capacity)
        .outerjoin(holding, holding.c.cycle_id == Cycle.id)
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
