"""Issued certificates: what they state, frozen at issue, and whether they still stand."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.planning.models import Cycle


class IssueOrigin(str, enum.Enum):
    AUTOMATIC = "automatic"  # completion found by an event or the sweep
    MANUAL = "manual"  # a coordinator's exception, with a reason


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="RESTRICT"))  # indexed below
    code: Mapped[str] = mapped_column(sa.String(13), unique=True)
    origin: Mapped[IssueOrigin] = mapped_column(enum_column(IssueOrigin, "issue_origin"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    issue_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)
    design: Mapped[str] = mapped_column(sa.String(80))
    #: what the certificate states, as plain values, so that it re-renders identically later
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    cycle: Mapped[Cycle] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "cycle_id", name="uq_certificates_user_cycle"),
        sa.CheckConstraint("revoked_at IS NULL OR revoke_reason IS NOT NULL", name="revoke_has_reason"),
        # valid certificates per cycle and per month, counted without reading the rows
        sa.Index("ix_certificates_cycle_revoked", "cycle_id", "revoked_at"),
        sa.Index("ix_certificates_issued_revoked", "issued_at", "revoked_at"),
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class ExpiryBasis(str, enum.Enum):
    """How a period's end was worked out (course.yaml `validity.expiry_from`)."""

    NO_END = "no_end"
    COMPLETION = "completion"
    PREVIOUS_EXPIRY = "previous_expiry"
    FIXED_DATE = "fixed_date"


class CertificateValidityPeriod(db.Model):
    """What a certificate makes valid, and until when: a row per period, never rewritten.

    A renewal adds a new period that names the period it renews; the old one stays as it was (the
    history). A renewal by a course is a new certificate with its period; a renewal by a quiz
    alone (`quiz_attempt_id`, lms/certificates/quiz_renewals.py) adds the new period to the same
    certificate, whose latest period is its validity. "Renewed" and "expired" are read from the
    rows and the time; UNIQUE(renews_period_id) lets a period be renewed once.
    """

    __tablename__ = "certificate_validity_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the certified course (a refresher's certificate renews the course it refreshes)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    basis: Mapped[ExpiryBasis] = mapped_column(enum_column(ExpiryBasis, "expiry_basis"))
    renews_period_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificate_validity_periods.id", ondelete="SET NULL"), unique=True)
    #: the passed renewal quiz that added this period (None: issued with its certificate)
    quiz_attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quiz_attempts.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship()

    __table_args__ = (
        sa.CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="ends_after_start"),
        # the renewal sweep reads the periods still running by their end, and tells from the index
        # alone whether their window is open, before reading a row (bench/renewals.py)
        sa.Index("ix_validity_periods_valid_until", "valid_until", "window_opens_at"),
    )


class RenewalReminder(db.Model):
    """A step of the renewal reminders (window opened, N days left) done for a period: once each."""

    __tablename__ = "renewal_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_validity_periods.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(sa.String(20))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("period_id", "step", name="uq_renewal_reminders_period_step"),)


class CertificateSweepMark(db.Model):
    """What the certificate sweep last saw of a cycle: the inputs of its learners' completion.

    The sweep's tick looks again at a cycle only when one of them moved (lms/certificates/sweep.py):
    its attendance version (its sessions, seats, records, excused-absence rule), its minimum,
    status or course, or the course's content version (the modules and which are required).
    """

    __tablename__ = "certificate_sweep_marks"

    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True)
    attendance_version: Mapped[int]
    min_attendance_percent: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(20))
    course_id: Mapped[int]
    content_version: Mapped[str] = mapped_column(sa.String(64))
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CertificateSweepState(db.Model):
    """The certificate sweep's one row (id 1): when it last ticked, and how far it has looked at
    module progress (ids of `module_progress`, two marks apart: lms/certificates/sweep.py)."""

    __tablename__ = "certificate_sweep_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: progress rows with a larger id are looked at by the next tick
    progress_after: Mapped[int]
    #: the largest id seen at `progress_seen_at`; becomes `progress_after` once that is long enough ago
    progress_seen: Mapped[int]
    progress_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    full_swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
