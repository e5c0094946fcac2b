"""Personal calendar feeds: a secret, revocable address per person."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, utcnow
from lms.extensions import db


class CalendarFeed(db.Model):
    """The subscription address `/calendar/<token>.ics` of one person.

    Only a hash of the token is looked up; the token itself is derived from `nonce` and the
    secret key, so that the person's page can show the address again without storing it.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
