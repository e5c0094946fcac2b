"""Turning an event into messages: rendered in the recipient's language, with an .ics where it helps,
queued in the outbox (e-mail) and in the person's list in the app, both under one dedupe key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale

from lms.auth.models import User
from lms.notifications.calendar import CalendarEvent, build_calendar
from lms.notifications.kinds import OPTIONAL, Kind
from lms.notifications.mail import render_email
from lms.notifications.models import Notification
from lms.notifications.outbox import Email, insert_once, queue_email
from lms.planning.service import local_zone


def absolute_url(endpoint: str, **values: Any) -> str:
    """An address for e-mails, on LMS_BASE_URL, also outside a request (in the scheduler)."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)


def locale_of(user: User) -> str:
    locales = current_app.config["LMS_LOCALES"]
    return user.locale if user.locale in locales else current_app.config["LMS_DEFAULT_LOCALE"]


@dataclass(frozen=True)
class Invite:
    """Calendar events to attach: METHOD:REQUEST adds or updates them, CANCEL removes them."""

    events: list[CalendarEvent]
    method: str = "REQUEST"
    name: str = ""


@dataclass(frozen=True)
class Notice:
    """One message to one person, before it is rendered."""

    kind: Kind
    dedupe_key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    invite: Invite | None = None


def render_notice(user: User, notice: Notice) -> tuple[str, str, str]:
    """Subject, text and HTML in the person's language."""
    context = dict(notice.context, user=user, link=notice.link,
                   optional=notice.kind in OPTIONAL,
                   preferences_url=absolute_url("notifications.preferences"))
    return render_email(notice.template, locale_of(user), **context)


@dataclass(frozen=True)
class Rendered:
    """A notice rendered for one person and not queued yet: rendering is the slow part."""

    user_id: int
    notice: Notice
    subject: str
    email: Email | None  # None: no e-mail (not wanted, or the account is closed)
    in_app: bool
    not_before: datetime | None = None


def render_for(user: User, notice: Notice, *, now: datetime, email: bool = True, in_app: bool = True,
               not_before: datetime | None = None) -> Rendered:
    subject, text, html = render_notice(user, notice)
    message = None
    if email and user.is_active:
        message = Email(
            recipient=user.email, subject=subject, text=text, html=html, locale=locale_of(user),
            ics=_ics(user, notice.invite, now), ics_method=notice.invite.method if notice.invite else None,
            unsubscribe_url=_unsubscribe_url(user, notice.kind),
        )
    return Rendered(user.id, notice, subject, message, in_app, not_before)


def app_path(link: str) -> str:
    """The target of a link within the app (path, query, fragment), without scheme and host.

    In-app notifications keep only this, so that they still work after the base URL changes; the
    browser resolves it against the address the person is using. E-mails keep absolute links.
    """
    parts = urlsplit(link or "")
    if parts.scheme not in ("http", "https"):
        return link or ""
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def queue_rendered(rendered: Rendered, *, now: datetime) -> bool:
    """Queue the e-mail and the in-app notification; False if both were known already."""
    notice = rendered.notice
    created = rendered.in_app and insert_once(Notification, dict(
        user_id=rendered.user_id, kind=notice.kind.value, dedupe_key=notice.dedupe_key,
        title=rendered.subject[:300], link=app_path(notice.link)[:500], created_at=now,
    )) is not None
    if rendered.email is not None:
        queued = queue_email(rendered.email, kind=notice.kind.value, dedupe_key=notice.dedupe_key,
                             user_id=rendered.user_id, now=now, not_before=rendered.not_before)
        created = queued is not None or created
    return created


def deliver(user: User, notice: Notice, *, now: datetime, email: bool = True, in_app: bool = True,
            not_before: datetime | None = None) -> bool:
    """Queue the e-mail (unless `email` is False) and the in-app notification; False if known already.

    `not_before` holds the e-mail back until then (the demo queues reminders ahead of time).
    """
    rendered = render_for(user, notice, now=now, email=email, in_app=in_app, not_before=not_before)
    return queue_rendered(rendered, now=now)


def _ics(user: User, invite: Invite | None, now: datetime) -> bytes | None:
    if invite is None or not invite.events:
        return None
    organizer = parseaddr(current_app.config["LMS_MAIL_FROM"])[1] or None
    with force_locale(locale_of(user)):
        return build_calendar(invite.events, name=invite.name or current_app.config["LMS_SITE_NAME"],
                              zone=local_zone(), generated_at=now, method=invite.method,
                              organizer=organizer, attendee=user.email)


def _unsubscribe_url(user: User, kind: Kind) -> str | None:
    from lms.notifications.service import unsubscribe_token

    if kind not in OPTIONAL:
        return None
    return absolute_url("notifications.unsubscribe", token=unsubscribe_token(user.id, kind))
