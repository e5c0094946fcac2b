"""Personal calendar feeds, the outbox of e-mails, in-app notifications and preferences."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
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


# --- the outbox, in-app notifications and people's choices ------------------------------------

class MessageStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: not sent because it was no longer true when its turn came (a reminder after the session began)
    EXPIRED = "expired"
    #: replaced by a later message about the same thing (a session moved again before the first notice left)
    SUPERSEDED = "superseded"


class OutboxMessage(db.Model):
    """One e-mail to send, written in the same transaction as the event that causes it.

    `dedupe_key` is UNIQUE: whatever computes a message again (a second scheduler, a restart, a
    retry) finds the row and adds nothing. The dispatcher moves a row pending → sending (a
    claim, by one conditional UPDATE) → sent, or back to pending with a later `next_attempt_at`,
    or to failed after the last attempt; expired or superseded when, at its turn, it is no longer true.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="sv")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    ics: Mapped[str | None] = mapped_column(sa.Text)
    #: REQUEST or CANCEL: the iTIP method of the attached calendar
    ics_method: Mapped[str | None] = mapped_column(sa.String(10))
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, "message_status"), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: who claimed it: "<role>@<host>:<pid>" (role "leader" for the scheduler holding the lock)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    #: refreshed by the claimer while it works through its batch; a stale one means it died
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (
        sa.Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("status <> 'sending' OR claimed_at IS NOT NULL", name="sending_is_claimed"),
        sa.CheckConstraint("ics IS NULL OR ics_method IN ('REQUEST', 'CANCEL')", name="ics_method"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.dedupe_key!r} {self.status.value}>"


class Notification(db.Model):
    """A message in the person's list in the app, read or unread; same dedupe key as its e-mail."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(db.Model):
    """What one person wants beyond the messages that always go out (changes, cancellations, decisions)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    email_reminders: Mapped[bool] = mapped_column(default=True)
    #: reminders before a certificate expires (lms/notifications/renewals.py)
    email_renewals: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: hours before a session; None follows the cycle, [] means no reminders at all
    reminder_hours: Mapped[list[int] | None] = mapped_column(sa.JSON)
    #: a Monday e-mail of the week ahead (lms/notifications/digest.py); off unless chosen
    weekly_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CycleReminderSetting(db.Model):
    """A cycle's own reminder lead times, where they differ from LMS_REMINDER_OFFSETS."""

    __tablename__ = "cycle_reminder_settings"

    cycle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    hours: Mapped[list[int]] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
