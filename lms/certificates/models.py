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
