"""Signed attendance: a learner's drawn signature at one session, kept as sanitised SVG.

A cycle asks for signatures when its attendance rule says so (`AttendanceRule.signatures_required`,
off by default). Each signature belongs to a present or late attendance record; one per learner per
session. `captured_by` is the account of the device it was drawn on: the trainer's, passed round,
or the learner's own phone (docs/attendance.md).
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.attendance.models import Attendance
from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class SignatureDevice(str, enum.Enum):
    TRAINER = "trainer"  # the trainer's device, passed round
    LEARNER = "learner"  # the learner's own phone, after checking in


class AttendanceSignature(db.Model):
    """One learner's signature at one session, joined to their attendance record."""

    __tablename__ = "attendance_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attendances.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the drawing as re-emitted by lms/attendance/signature_svg.py, never as the browser sent it
    svg: Mapped[str] = mapped_column(sa.Text())
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    captured_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    device: Mapped[SignatureDevice] = mapped_column(enum_column(SignatureDevice, "signature_device"))

    attendance: Mapped[Attendance] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    captured_by: Mapped[User | None] = relationship(foreign_keys=[captured_by_id])

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_attendance_signatures_session_user"),
    )


DEVICE_LABELS = {
    SignatureDevice.TRAINER: _l("on the trainer's device"),
    SignatureDevice.LEARNER: _l("on their own phone"),
}
