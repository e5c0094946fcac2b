"""Who came to which session, how each cycle counts excused absences, and warnings to send."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.planning.models import ClassSession


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


#: statuses that count as having come to the session
ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})


class AttendanceMethod(str, enum.Enum):
    ROLL_CALL = "roll_call"
    QR = "qr"
    CODE = "code"
    PERSONAL_QR = "personal_qr"
    PAPER = "paper"


#: how a trainer or coordinator marks a learner; a learner's own check-in never changes these
#: (docs/attendance.md, "Conflicts")
TRAINER_METHODS = frozenset({AttendanceMethod.ROLL_CALL, AttendanceMethod.PAPER, AttendanceMethod.PERSONAL_QR})
#: the learner's own check-in
LEARNER_METHODS = frozenset({AttendanceMethod.QR, AttendanceMethod.CODE})


class Attendance(db.Model):
    """One learner at one session: the latest status; every change is also an audit event."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("class_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, "attendance_status"))
    method: Mapped[AttendanceMethod] = mapped_column(enum_column(AttendanceMethod, "attendance_method"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[ClassSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_attendances_session_user"),
        # a session's records with who and what, read without the table: the roll call, the
        # matrix and the dashboard read thousands of them (docs/PERFORMANCE.md)
        sa.Index("ix_attendances_session_user_status", "session_id", "user_id", "status"),
    )

    def __repr__(self) -> str:
        return f"<Attendance session={self.session_id} user={self.user_id} {self.status.value}>"


class ExcusedPolicy(str, enum.Enum):
    """How an excused absence counts towards a cycle's attendance rate."""

    NOT_COUNTED = "not_counted"  # the session leaves the count altogether (the default)
    ABSENT = "absent"  # it counts as missed
    ATTENDED = "attended"  # it counts as attended


class AttendanceRule(db.Model):
    """A cycle's choice of excused-absence policy; a cycle without a row uses the default."""

    __tablename__ = "attendance_rules"

    cycle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    excused_policy: Mapped[ExcusedPolicy] = mapped_column(
        enum_column(ExcusedPolicy, "excused_policy"), default=ExcusedPolicy.NOT_COUNTED
    )
    #: signed attendance: learners sign at each session (lms/attendance/signature_models.py)
    signatures_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WarningKind(str, enum.Enum):
    ONE_AWAY = "one_away"  # one more absence and the minimum cannot be reached
    UNREACHABLE = "unreachable"  # the minimum cannot be reached any more


class AttendanceWarning(db.Model):
    """A warning for the learner and the cycle's trainers, raised once per kind.

    The notifications work sends them and sets `notified_at`; UNIQUE(user, cycle, kind) is the
    dedupe key, so recomputing never raises the same warning twice.
    """

    __tablename__ = "attendance_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[WarningKind] = mapped_column(enum_column(WarningKind, "attendance_warning_kind"))
    attended: Mapped[int]
    counted: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "cycle_id", "kind", name="uq_attendance_warnings_user_cycle_kind"),
    )


STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("present"),
    AttendanceStatus.LATE: _l("late"),
    AttendanceStatus.EXCUSED: _l("excused"),
    AttendanceStatus.ABSENT: _l("absent"),
}

METHOD_LABELS = {
    AttendanceMethod.ROLL_CALL: _l("roll call"),
    AttendanceMethod.QR: _l("QR code"),
    AttendanceMethod.CODE: _l("typed code"),
    AttendanceMethod.PERSONAL_QR: _l("personal QR code"),
    AttendanceMethod.PAPER: _l("paper sign-in sheet"),
}

POLICY_LABELS = {
    ExcusedPolicy.NOT_COUNTED: _l("Excused sessions are left out of the count"),
    ExcusedPolicy.ABSENT: _l("Excused sessions count as missed"),
    ExcusedPolicy.ATTENDED: _l("Excused sessions count as attended"),
}
