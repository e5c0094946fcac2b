"""Rooms of the center, cycles of a course, their sessions and the changes made to them."""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.catalog.models import Course
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.core.unit_of_work import DomainError


class PlanningError(DomainError):
    """A planning request that breaks a rule; the message is for the coordinator."""


class Room(db.Model):
    """A room of the physical center."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    capacity: Mapped[int]
    address: Mapped[str] = mapped_column(sa.String(300))
    accessibility_notes: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity_positive"),)

    @property
    def location(self) -> str:
        """Room and street address, as a calendar's LOCATION shows it."""
        return f"{self.name}, {self.address}" if self.address else self.name

    def __repr__(self) -> str:
        return f"<Room {self.name!r}>"


class CycleStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    FINISHED = "finished"


CYCLE_TRANSITIONS = {
    CycleStatus.DRAFT: {CycleStatus.PUBLISHED, CycleStatus.CANCELLED},
    CycleStatus.PUBLISHED: {CycleStatus.CANCELLED, CycleStatus.FINISHED},
    CycleStatus.CANCELLED: set(),
    CycleStatus.FINISHED: set(),
}


class RecurrenceKind(str, enum.Enum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    RRULE = "rrule"


class Cycle(db.Model):
    """One offering of a course: recurring sessions planned in local time, seats and enrolment."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[CycleStatus] = mapped_column(
        enum_column(CycleStatus, "cycle_status"), default=CycleStatus.DRAFT  # indexed below
    )
    recurrence_kind: Mapped[RecurrenceKind] = mapped_column(
        enum_column(RecurrenceKind, "recurrence_kind"), default=RecurrenceKind.WEEKLY
    )
    rrule: Mapped[str] = mapped_column(sa.String(500))
    first_date: Mapped[date]
    start_time: Mapped[time]
    duration_minutes: Mapped[int]
    session_count: Mapped[int | None]
    until_date: Mapped[date | None]
    skip_holidays: Mapped[bool] = mapped_column(default=True)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    enrolment_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enrolment_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approval_required: Mapped[bool] = mapped_column(default=False)
    min_attendance_percent: Mapped[int] = mapped_column(default=80)
    #: how long a seat offered from the wait-list waits for an answer (lms/enrolment/offers.py)
    offer_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    #: a seat given up later than this before the first session is a late cancellation
    cancellation_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: moved by the database whenever the cycle's sessions, seats, records or excused-absence rule
    #: change (lms/attendance/versions.py); the dashboard keeps a cycle's roll-up until it moves
    attendance_version: Mapped[int] = mapped_column(default=0, server_default="0")

    course: Mapped[Course] = relationship()
    room: Mapped[Room | None] = relationship()
    trainer_links: Mapped[list[CycleTrainer]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="ClassSession.starts_at"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        # cycles of a status in date order, as the dashboard pages them
        sa.Index("ix_cycles_status_first_date", "status", "first_date", "id"),
        sa.CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_range"),
        sa.CheckConstraint("min_attendance_percent BETWEEN 0 AND 100", name="attendance_range"),
        sa.CheckConstraint("session_count IS NULL OR session_count > 0", name="count_positive"),
        sa.CheckConstraint(
            "enrolment_closes_at IS NULL OR enrolment_opens_at IS NULL"
            " OR enrolment_closes_at > enrolment_opens_at",
            name="window_order",
        ),
    )

    @property
    def trainer_ids(self) -> list[int]:
        return [link.user_id for link in self.trainer_links]

    @property
    def free_seats(self) -> int:
        return self.capacity - self.seats_taken

    def change_status(self, new: CycleStatus) -> None:
        """Move to `new` if the life cycle allows it (draft → published → finished, or cancelled)."""
        if new not in CYCLE_TRANSITIONS[self.status]:
            raise PlanningError(_l("A cycle that is %(old)s cannot become %(new)s.",
                                   old=CYCLE_STATUS_LABELS[self.status], new=CYCLE_STATUS_LABELS[new]))
        self.status = new

    def __repr__(self) -> str:
        return f"<Cycle {self.id} {self.title!r}>"


class CycleTrainer(db.Model):
    __tablename__ = "cycle_trainers"

    cycle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    cycle: Mapped[Cycle] = relationship(back_populates="trainer_links")
    user: Mapped[User] = relationship()


class SessionStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class ClassSession(db.Model):
    """One meeting of a cycle at the center, stored in UTC and planned in local time."""

    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"))  # indexed below
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())  # indexed below
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    #: the recurrence date this session came from; None for an extra session
    planned_date: Mapped[date | None]
    #: moved, cancelled or added by hand: a new recurrence leaves it as it is
    changed_individually: Mapped[bool] = mapped_column(default=False)
    #: raised by every change; calendars show it as SEQUENCE
    revision: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship()
    changes: Mapped[list[SessionChange]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionChange.id"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("revision >= 0", name="revision_not_negative"),
        # a cycle's sessions in order, covering the "does it meet in this period" questions
        sa.Index("ix_class_sessions_cycle_starts", "cycle_id", "starts_at", "status", "ends_at"),
        # every session in time order, ties broken as the pages break them
        sa.Index("ix_class_sessions_starts_id", "starts_at", "id"),
        # the sessions that ended between two ticks of the certificate sweep (lms/certificates/sweep.py)
        sa.Index("ix_class_sessions_ends_cycle", "ends_at", "cycle_id", "status"),
    )

    @property
    def cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<ClassSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class SessionChangeKind(str, enum.Enum):
    MOVED = "moved"
    CANCELLED = "cancelled"
    ADDED = "added"
    CYCLE_CANCELLED = "cycle_cancelled"


class SessionChange(db.Model):
    """A change to a session that the enrolled learners are to be told about.

    The notifications work sends them and sets `notified_at`; until then the rows wait here.
    """

    __tablename__ = "session_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SessionChangeKind] = mapped_column(enum_column(SessionChangeKind, "session_change_kind"))
    revision: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    session: Mapped[ClassSession] = relationship(back_populates="changes")

    __table_args__ = (
        sa.UniqueConstraint("session_id", "revision", name="uq_session_changes_session_revision"),
    )


CYCLE_STATUS_LABELS = {
    CycleStatus.DRAFT: _l("draft"),
    CycleStatus.PUBLISHED: _l("published"),
    CycleStatus.CANCELLED: _l("cancelled"),
    CycleStatus.FINISHED: _l("finished"),
}

SESSION_STATUS_LABELS = {
    SessionStatus.SCHEDULED: _l("scheduled"),
    SessionStatus.MOVED: _l("moved"),
    SessionStatus.CANCELLED: _l("cancelled"),
}
#: what a session that is over (and was not cancelled) is called: the stored status stays "scheduled"
HELD_LABEL = _l("held")


def session_status_label(session: ClassSession, now: datetime | None = None):  # type: ignore[no-untyped-def]
    """The status to show for a session, derived from time: one that is over has been held."""
    if session.status is not SessionStatus.CANCELLED and session.ends_at <= (now or utcnow()):
        return HELD_LABEL
    return SESSION_STATUS_LABELS[session.status]
