"""Failed e-mail where the people who can act look first: an in-app digest to the admins.

The digest goes by the in-app path on purpose: when mail fails, the mail server is the likeliest
cause, and a message about it by e-mail would fail the same way. One notification per admin per
day on which messages failed (the dedupe key names the day of the newest failure), however often
the job runs. The panel of the start page and the Outbox page come from
`outbox.failed_summary`; their one action retries those still worth sending.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, ngettext
from sqlalchemy import func, select

from lms.auth.models import Role, User, UserRole
from lms.extensions import db
from lms.notifications.compose import absolute_url, locale_of
from lms.notifications.kinds import Kind
from lms.notifications.models import MessageStatus, Notification, OutboxMessage
from lms.notifications.outbox import insert_once

#: failures older than this are not news (they were told the day they happened)
NEWS_WINDOW = timedelta(days=1)


def digest_key(day: datetime, user_id: int) -> str:
    return f"{Kind.OUTBOX_FAILED.value}:day:{day:%Y%m%d}:user:{user_id}"


def _admins() -> list[User]:
    admins = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
    return list(db.session.execute(
        select(User).where(User.id.in_(admins), User.active.is_(True), User.anonymised_at.is_(None))
        .order_by(User.id)
    ).scalars())


def queue_failed_mail_digest(now: datetime) -> int:
    """The tick: tell each admin in the app that e-mails failed, once per day with failures."""
    count, newest = db.session.execute(
        select(func.count(OutboxMessage.id), func.max(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.status == MessageStatus.FAILED)
    ).one()
    if not count or newest is None or newest < now - NEWS_WINDOW:
        return 0
    link = absolute_url("notifications.outbox_page")
    told = 0
    for admin in _admins():
        with force_locale(locale_of(admin)):
            title = ngettext("%(num)d e-mail could not be delivered: see the outbox.",
                             "%(num)d e-mails could not be delivered: see the outbox.", count)
        told += insert_once(Notification, dict(
            user_id=admin.id, kind=Kind.OUTBOX_FAILED.value, dedupe_key=digest_key(newest, admin.id),
            title=title[:300], link=link, created_at=now,
        )) is not None
    return told


def panel_for(user: User, now: datetime):  # type: ignore[no-untyped-def]
    """The failed mail panel's values for a start page: a FailedSummary for admins and
    coordinators when something failed, else None. Include it with
    `{% include "notifications/_failed_mail_panel.html" %}` and `failed_mail=panel_for(...)`."""
    from lms.notifications.outbox import failed_summary

    if not user.has_role(Role.ADMIN, Role.COORDINATOR):
        return None
    summary = failed_summary(now)
    return summary if summary.any else None
