"""Demo notifications: confirmations of the demo enrolments, attendance warnings and certificates,
reminders sent before past sessions and waiting before the coming ones, two messages that failed
(one still worth retrying) and one that expired, the admins' digest of them, and a learner's
notification list.

Everything goes through the real dedupe keys, so running it twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.compose import deliver
from lms.notifications.failed_mail import queue_failed_mail_digest
from lms.notifications.models import MessageStatus, Notification, OutboxMessage
from lms.notifications.progress import queue_attendance_warnings
from lms.notifications.reminders import (
    Reminder, people_of_cycles, planned_reminders, queue_due_reminders, reminder_notice,
)
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

DEMO_ERROR = ("SMTPRecipientsRefused: {'%s': (550, b'5.1.1 Mailbox unavailable: "
              "the address is no longer in use')}")


def seed_notifications_demo() -> None:
    from lms.demo import learner_email

    now = utcnow()
    queue_attendance_warnings(now)
    _past_reminders(now)
    _coming_reminders(now)
    queue_due_reminders(now)
    _failed_message(learner_email(3))
    _failed_message(learner_email(2), kind="enrolment_confirmed", now=now)
    _expired_reminder(learner_email(1))
    _read_older(learner_email(0), now)
    _weekly_digest(learner_email(0), now)
    db.session.flush()
    queue_failed_mail_digest(now)


def _past_reminders(now: datetime) -> None:
    """The 24-hour reminders of the last two weeks' sessions, sent and read."""
    sessions = db.session.execute(
        select(ClassSession).join(ClassSession.cycle)
        .where(ClassSession.starts_at <= now, ClassSession.starts_at > now - timedelta(days=14),
               ClassSession.status != SessionStatus.CANCELLED, Cycle.status == CycleStatus.PUBLISHED)
        .order_by(ClassSession.starts_at)
    ).scalars().all()
    people = people_of_cycles(sorted({s.cycle_id for s in sessions}))
    for session in sessions:
        send_at = session.starts_at - timedelta(hours=24)
        for user in people.get(session.cycle_id, []):
            reminder = Reminder(session, user, 24, send_at, True)
            deliver(user, reminder_notice(reminder), now=send_at)
            _mark_sent(reminder.dedupe_key, send_at)


def _mark_sent(key: str, at: datetime) -> None:
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key == key,
                                    OutboxMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SENT, attempts=1, claimed_at=at, sent_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Notification).where(Notification.dedupe_key == key, Notification.read_at.is_(None))
        .values(read_at=at + timedelta(hours=2)).execution_options(synchronize_session=False)
    )


def _coming_reminders(now: datetime) -> None:
    """The e-mails of the next week's reminders, waiting in the outbox for their time."""
    for reminder in planned_reminders(now, now + timedelta(days=7)):
        if reminder.send_at > now and reminder.email:
            deliver(reminder.user, reminder_notice(reminder), now=now, in_app=False,
                    not_before=reminder.send_at)


def _sent_row(email: str, kind: str) -> OutboxMessage | None:
    user = find_user_by_email(email)
    if user is None:
        return None
    statuses = [MessageStatus.SENT] if kind == "reminder" else [MessageStatus.SENT, MessageStatus.PENDING]
    return db.session.execute(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id, OutboxMessage.kind == kind,
                                    OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.id.desc()).limit(1)
    ).scalar_one_or_none()


def _already(status: MessageStatus, kind: str) -> bool:
    return db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status == status, OutboxMessage.kind == kind).limit(1)
    ).first() is not None


def _failed_message(email: str, kind: str = "reminder", now: datetime | None = None) -> None:
    """A message the mail server refused every time: the admins' outbox page and start page show
    it. A reminder of a past session is no longer worth sending; a confirmation still is."""
    row = _sent_row(email, kind)
    if row is None or _already(MessageStatus.FAILED, kind):
        return
    row.status, row.sent_at, row.attempts = MessageStatus.FAILED, None, 8
    row.next_attempt_at = now or row.next_attempt_at
    row.last_error = DEMO_ERROR % row.recipient


def _expired_reminder(email: str) -> None:
    """A reminder the outbox caught up with only after its session began: recorded, never sent."""
    row = _sent_row(email, "reminder")
    if row is None or _already(MessageStatus.EXPIRED, "reminder"):
        return
    row.status, row.sent_at = MessageStatus.EXPIRED, None
    row.last_error = "not sent: the session had begun when its turn came"


def _weekly_digest(email: str, now: datetime) -> None:
    """The demo learner chose the weekly digest: this week's is queued (the Monday job finds it and adds none)."""
    from lms.core.digest_parts import Week
    from lms.notifications.digest import queue_for
    from lms.notifications.service import preferences_for, save_preferences
    from lms.planning.service import local_zone

    user = find_user_by_email(email)
    if user is None:
        return
    stored = preferences_for(user.id)
    save_preferences(user.id, email_reminders=stored.email_reminders, reminder_hours=stored.reminder_hours,
                     now=now, weekly_digest=True)
    queue_for([user], Week.of(now.astimezone(local_zone()).date(), local_zone()), now=now)


def _read_older(email: str, now: datetime) -> None:
    """The demo learner has read what came before today; today's news is unread."""
    user = find_user_by_email(email)
    if user is None:
        return
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None),
                                   Notification.created_at < now - timedelta(hours=12))
        .values(read_at=now).execution_options(synchronize_session=False)
    )
