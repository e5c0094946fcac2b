"""Marks sent from a trainer's device: one row per idempotency key, so a mark is applied once.

The roll call's script queues each tap on the device (IndexedDB) with a random UUID and sends the
queue whenever it can (lms/attendance/sync.py). A mark sent again, because the answer was lost on
the way back or the page was reloaded before it came, finds its key here and gets the same answer
without being applied again. UNIQUE(key) makes this hold under two requests at the same moment on
SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.attendance.models import AttendanceStatus
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class MarkOutcome(str, enum.Enum):
    APPLIED = "applied"  # the record now holds this mark
    UNCHANGED = "unchanged"  # the record already held it
    REFUSED = "refused"  # not applied (session cancelled, learner not enrolled, …): `message` says why


class AttendanceMark(db.Model):
    """One mark sent by a device, kept by its idempotency key (purged by the retention job)."""

    __tablename__ = "attendance_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(36), unique=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, "attendance_mark_status"))
    outcome: Mapped[MarkOutcome] = mapped_column(enum_column(MarkOutcome, "attendance_mark_outcome"))
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the device's clock, for people
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
