"""People, their organisations, their roles and their log-in sessions."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class Role(str, enum.Enum):
    LEARNER = "learner"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    ORGANISATION_CONTACT = "organisation_contact"
    ADMIN = "admin"


class Sector(str, enum.Enum):
    NON_PROFIT = "non_profit"
    PUBLIC_SECTOR = "public_sector"
    COMPANY = "company"
    ACADEMIA = "academia"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector, "sector"), default=Sector.NON_PROFIT)
    organisation_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(sa.String(5), default="sv")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: the log-in session this request is authenticated by (set by the user loader)
    current_login_session = None

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:
        return self.active and self.anonymised_at is None

    def get_id(self) -> str | None:
        """Flask-Login keeps the log-in session's token in the cookie, not the user id."""
        if self.current_login_session is None:
            return None
        return self.current_login_session.token

    def __eq__(self, other: object) -> bool:
        """One person is one row: users compare by primary key, not by log-in session.

        Flask-Login's ``UserMixin.__eq__`` compares ``get_id()``, which is ``None`` for everyone
        without a live log-in session, so any two such users would be "equal". A user not yet
        flushed (no id) is equal only to itself.
        """
        if not isinstance(other, User):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.id) if self.id is not None else object.__hash__(self)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_grants")


class LoginSession(db.Model):
    """One log-in on one device; logging out revokes it on the server, not just in the cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="login_sessions")

    #: the plain token, known only in the request that created or loaded this session
    token = None
