"""Feedback from visitors (the accessibility statement's contact route) and requests to erase an account."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class FeedbackMessage(db.Model):
    """A message sent through the public feedback form; read by the admins."""

    __tablename__ = "feedback_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    page: Mapped[str] = mapped_column(sa.String(500), default="")
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    __table_args__ = (sa.CheckConstraint("length(message) > 0", name="message_not_empty"),)


class ErasureStatus(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    DECLINED = "declined"


ERASURE_TRANSITIONS = {
    ErasureStatus.PENDING: {ErasureStatus.DONE, ErasureStatus.DECLINED},
    ErasureStatus.DONE: set(),
    ErasureStatus.DECLINED: set(),
}


class ErasureRequest(db.Model):
    """A person's request to erase their account, for the accounts an admin must erase (staff).

    The row outlives the erasure as the record that it was asked for and carried out; it names the
    account only by its id, and the account is anonymised.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ErasureStatus] = mapped_column(
        enum_column(ErasureStatus, "erasure_status"), default=ErasureStatus.PENDING, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: why an admin declined (e.g. records the center must keep); shown to the person
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_has_time"),
    )

    def change_status(self, new: ErasureStatus) -> None:
        if new not in ERASURE_TRANSITIONS[self.status]:
            raise ValueError(f"an erasure request that is {self.status.value} cannot become {new.value}")
        self.status = new
