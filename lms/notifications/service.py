"""People's side of notifications: their list in the app, their preferences, unsubscribing,
and a cycle's own reminder lead times. Functions flush but never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, func, select, update

from lms.extensions import db
from lms.notifications.kinds import OPTIONAL, Kind
from lms.notifications.models import CycleReminderSetting, Notification, NotificationPreference
from lms.core.unit_of_work import DomainError

#: the lead times, in hours before a session, that a cycle or a person can choose from
REMINDER_CHOICES = (168, 72, 48, 24, 12, 4, 2, 1)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


class NotificationError(DomainError):
    """A request about notifications that breaks a rule; the message is for the person."""


# --- the list in the app ---------------------------------------------------------------------

_NOTIFICATIONS = Notification.__table__
#: built once, on the table: every page a logged-in person sees counts their unread notifications
_UNREAD = (select(func.count()).select_from(_NOTIFICATIONS)
           .where(_NOTIFICATIONS.c.user_id == bindparam("user_id"), _NOTIFICATIONS.c.read_at.is_(None)))


def unread_count(user_id: int) -> int:
    db.session.flush()  # a statement on the table is not preceded by the ORM's autoflush
    return db.session.execute(_UNREAD, {"user_id": user_id}).scalar_one()


def recent_notifications(user_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.execute(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).scalars())


def mark_read(user_id: int, notification_ids: Iterable[int] | None, *, now: datetime) -> int:
    """Mark the person's own notifications read (all of them when `notification_ids` is None)."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    return db.session.execute(
        query.values(read_at=now).execution_options(synchronize_session=False)
    ).rowcount


# --- preferences ----------------------------------------------------------------------------

def preferences_of(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    """Stored preferences by user id; people without a row have the defaults."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {p.user_id: p for p in db.session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))
    ).scalars()}


def preferences_for(user_id: int) -> NotificationPreference:
    stored = db.session.get(NotificationPreference, user_id)
    return stored or NotificationPreference(user_id=user_id, email_reminders=True, reminder_hours=None,
                                            weekly_digest=False, email_renewals=True)


def _check_hours(hours: Iterable[int]) -> list[int]:
    chosen = sorted({int(h) for h in hours}, reverse=True)
    if any(h not in REMINDER_CHOICES for h in chosen):
        raise NotificationError(_l("Choose lead times from the list."))
    return chosen


def save_preferences(user_id: int, *, email_reminders: bool, reminder_hours: Iterable[int] | None,
                     now: datetime, weekly_digest: bool | None = None,
                     email_renewals: bool | None = None) -> NotificationPreference:
    """`reminder_hours` None follows each cycle's plan; an empty list turns reminders off.
    `weekly_digest` None keeps the person's choice of the Monday digest as it is; `email_renewals`
    None keeps what was chosen."""
    hours = None if reminder_hours is None else _check_hours(reminder_hours)
    preference = db.session.get(NotificationPreference, user_id)
    if preference is None:
        preference = NotificationPreference(user_id=user_id)
        db.session.add(preference)
    preference.email_reminders, preference.reminder_hours = email_reminders, hours
    if weekly_digest is not None:
        preference.weekly_digest = weekly_digest
    if email_renewals is not None:
        preference.email_renewals = email_renewals
    elif preference.email_renewals is None:
        preference.email_renewals = True
    preference.updated_at = now
    db.session.flush()
    return preference


def wants_email(preference: NotificationPreference | None, kind: Kind) -> bool:
    """Messages that are not optional always go by e-mail; a self-assessment invitation follows the
    choice for reminders."""
    if kind not in OPTIONAL:
        return True
    if kind is Kind.RENEWAL_REMINDER:
        return preference is None or preference.email_renewals is not False
    return preference is None or preference.email_reminders


def reminder_hours_for(preference: NotificationPreference | None, cycle_hours: list[int]) -> list[int]:
    if preference is not None and preference.reminder_hours is not None:
        return list(preference.reminder_hours)
    return cycle_hours


# --- unsubscribing by the link in an e-mail -------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: Kind) -> str:
    return _serializer().dumps({"u": user_id, "k": kind.value})


def read_unsubscribe_token(token: str) -> tuple[int, Kind]:
    try:
        data = _serializer().loads(token)
        kind = Kind(data["k"])
        user_id = int(data["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotificationError(_l("This unsubscribe link does not work.")) from None
    if kind not in OPTIONAL:
        raise NotificationError(_l("This unsubscribe link does not work."))
    return user_id, kind


def unsubscribe(user_id: int, kind: Kind, *, now: datetime) -> None:
    """Stop e-mails of an optional kind (reminders stay in the app's list; the weekly digest stops)."""
    preference = preferences_for(user_id)
    save_preferences(user_id, email_reminders=False if kind in (Kind.REMINDER, Kind.SELF_ASSESSMENT)
                     else preference.email_reminders,
                     reminder_hours=preference.reminder_hours, now=now,
                     weekly_digest=False if kind is Kind.WEEKLY_DIGEST else None,
                     email_renewals=False if kind is Kind.RENEWAL_REMINDER else None)


# --- a cycle's reminder lead times ----------------------------------------------------------

def default_reminder_hours() -> list[int]:
    return sorted({int(h) for h in current_app.config["LMS_REMINDER_OFFSETS"]}, reverse=True)


def cycle_reminder_hours(cycle_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each cycle's lead times: its own setting, or LMS_REMINDER_OFFSETS."""
    ids = list(set(cycle_ids))
    own = {row.cycle_id: list(row.hours) for row in db.session.execute(
        select(CycleReminderSetting).where(CycleReminderSetting.cycle_id.in_(ids))
    ).scalars()} if ids else {}
    default = default_reminder_hours()
    return {cycle_id: own.get(cycle_id, default) for cycle_id in ids}


def set_cycle_reminder_hours(cycle_id: int, hours: Iterable[int], *, now: datetime) -> list[int]:
    chosen = _check_hours(hours)
    setting = db.session.get(CycleReminderSetting, cycle_id)
    if setting is None:
        setting = CycleReminderSetting(cycle_id=cycle_id, hours=chosen, updated_at=now)
        db.session.add(setting)
    setting.hours, setting.updated_at = chosen, now
    db.session.flush()
    return chosen
