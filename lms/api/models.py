"""Personal access tokens for the API: stored as a SHA-256 hash, with scopes and an optional expiry."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class TokenScope(str, enum.Enum):
    """What a token may be used for; each is limited by the owner's roles (lms/api/tokens.py)."""

    READ = "read"
    ENROL = "enrol"
    ATTENDANCE = "attendance"
    ADMIN = "admin"


class ApiToken(db.Model):
    """One personal access token; the secret itself is shown once and never stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: the first characters of the secret, so that the owner recognises the token in the list
    hint: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    scope_grants: Mapped[list[ApiTokenScope]] = relationship(
        back_populates="token", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("expires_at IS NULL OR expires_at > created_at", name="expires_after_creation"),
    )

    @property
    def scopes(self) -> frozenset[TokenScope]:
        return frozenset(grant.scope for grant in self.scope_grants)

    def usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its owner may still log in."""
        if self.revoked_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return False
        return self.user.is_active

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.hint}… user={self.user_id}>"


class ApiTokenScope(db.Model):
    __tablename__ = "api_token_scopes"

    token_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope, "token_scope"), primary_key=True)

    token: Mapped[ApiToken] = relationship(back_populates="scope_grants")


SCOPE_LABELS = {
    TokenScope.READ: _l("Read: my enrolments, schedule and certificates"),
    TokenScope.ENROL: _l("Enrol: sign up for cycles and withdraw; contacts and coordinators also enrol others"),
    TokenScope.ATTENDANCE: _l("Attendance: take the roll call of my sessions"),
    TokenScope.ADMIN: _l("Administration: plan and publish cycles, see enrolments"),
}
