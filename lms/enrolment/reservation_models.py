"""Seats of a cycle reserved for one organisation or shared by several, and who was given one.

A block's seats are counted in the cycle's `seats_taken` from the moment it is reserved, so open
enrolment (which takes a seat only while `seats_taken < capacity`) never takes one of them. The
block itself counts how many of its seats are given (`seats_assigned`); at its deadline the seats
nobody was given leave the block and the cycle's counter once (`released_at`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Organisation, User
from lms.db_types import UTCDateTime, utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.planning.models import Cycle

reservation_organisations = sa.Table(
    "seat_reservation_organisations",
    db.metadata,
    sa.Column("reservation_id", sa.ForeignKey("seat_reservations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class SeatReservation(db.Model):
    """A block of `seats` seats of one cycle for the members of its organisations, until `release_at`."""

    __tablename__ = "seat_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    seats: Mapped[int] = mapped_column()
    #: seats given to members now (a seat given back returns to the block before its deadline)
    seats_assigned: Mapped[int] = mapped_column(default=0)
    #: when the seats nobody was given return to the open pool
    release_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: how many seats went to the open pool when the block was released
    released_seats: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cycle: Mapped[Cycle] = relationship()
    organisations: Mapped[list[Organisation]] = relationship(secondary=reservation_organisations,
                                                             order_by=Organisation.name)
    assigned: Mapped[list[ReservedSeat]] = relationship(back_populates="reservation",
                                                        order_by="ReservedSeat.assigned_at")

    __table_args__ = (
        sa.CheckConstraint("seats > 0", name="reservation_has_seats"),
        sa.CheckConstraint("seats_assigned >= 0 AND seats_assigned <= seats", name="assigned_within_block"),
        sa.CheckConstraint("released_at IS NULL OR released_seats IS NOT NULL", name="released_counted"),
        sa.Index("ix_seat_reservations_due", "released_at", "release_at"),
    )

    @property
    def last_day(self) -> datetime:
        """A moment of the last day to give seats on (the deadline is the midnight after it)."""
        return self.release_at - timedelta(minutes=1)

    @property
    def seats_left(self) -> int:
        """Seats still to give (none once released)."""
        return 0 if self.released_at is not None else self.seats - self.seats_assigned


class ReservedSeat(db.Model):
    """One member given a seat of a block (the row goes when the seat comes back before the deadline)."""

    __tablename__ = "reserved_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("seat_reservations.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reservation: Mapped[SeatReservation] = relationship(back_populates="assigned")
    enrolment: Mapped[Enrolment] = relationship()
    assigned_by: Mapped[User | None] = relationship()
