"""Whether a queued message is still true when its turn to be sent comes.

The outbox may send a message long after it was queued: the mail server was away, and the retries
last about two hours by default. Just before each send the dispatcher asks `check_before_sending`:

- a **reminder** whose session has begun, was cancelled, moved to another time (its dedupe key
  names the start time it was computed for; the new time has reminders of its own) or whose cycle
  is no longer published is *expired*: recorded, never sent. One whose session changed in another
  way (the room) is rendered again, so that its text and its .ics (SEQUENCE is the session's
  revision) say what holds now;
- a **session moved / added / cancelled** notice for which a later notice to the same person
  about the same session is queued is *superseded*: the later one says what holds now. While a
  later change to its session waits to be told (the change notices wait for a quiet moment), it is
  held back, uncounted, until the notice that replaces it is queued;
- a **seat offered from the wait-list** whose offer was answered, ended or lapsed meanwhile is
  *expired*: its links would only say "no longer open".

The change notices tick supersedes the older notices still waiting when it queues a new one
(`supersede_change_notices`), and tells what the person last heard as the time before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.auth.models import User
from lms.extensions import db
from lms.notifications.kinds import Kind
from lms.notifications.models import MessageStatus, OutboxMessage
from lms.planning.models import ClassSession, CycleStatus, SessionChange

CHANGE_KINDS = (Kind.SESSION_MOVED.value, Kind.SESSION_ADDED.value, Kind.SESSION_CANCELLED.value)
#: how long a change notice is held back while a later change of its session waits to be told
HOLD = timedelta(minutes=1)

_REMINDER = re.compile(r"^reminder:(\d+)h:session:(\d+):user:(\d+):at:(\d{8}T\d{4})Z$")
_CHANGE = re.compile(r"^(session_moved|session_added|session_cancelled):session:(\d+):change:(\d+):user:(\d+)$")
_OFFER = re.compile(r"^waitlist_offer:(\d+)$")
_SEQUENCE = re.compile(r"^SEQUENCE:(\d+)\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    """Not to be sent now: `status` (expired, superseded) and why; with `hold`, only not yet."""

    status: MessageStatus
    reason: str
    hold: timedelta | None = None


def check_before_sending(row: OutboxMessage, now: datetime) -> Verdict | None:
    """None when `row` may go out as it is (after rendering it again if its session changed)."""
    reminder = _REMINDER.match(row.dedupe_key)
    if reminder:
        hours, session_id, user_id, at = reminder.groups()
        return _reminder_verdict(row, int(hours), int(session_id), int(user_id), at, now)
    change = _CHANGE.match(row.dedupe_key)
    if change:
        return _change_verdict(row, int(change.group(2)), int(change.group(3)))
    offer = _OFFER.match(row.dedupe_key)
    if offer:
        return _offer_verdict(int(offer.group(1)), now)
    return None


def _offer_verdict(offer_id: int, now: datetime) -> Verdict | None:
    from lms.enrolment.policy_models import OfferStatus, WaitlistOffer

    offer = db.session.get(WaitlistOffer, offer_id)
    if offer is not None and offer.status is OfferStatus.OPEN and offer.expires_at > now:
        return None
    return Verdict(MessageStatus.EXPIRED, "the offer is no longer open")


def _reminder_verdict(row: OutboxMessage, hours: int, session_id: int, user_id: int, at: str,
                      now: datetime) -> Verdict | None:
    session = db.session.get(ClassSession, session_id)
    if session is None or session.cancelled or session.cycle.status is not CycleStatus.PUBLISHED:
        return Verdict(MessageStatus.EXPIRED, "not sent: the session was cancelled")
    if session.starts_at <= now:
        return Verdict(MessageStatus.EXPIRED, "not sent: the session had begun when its turn came")
    if f"{session.starts_at:%Y%m%dT%H%M}" != at:
        return Verdict(MessageStatus.EXPIRED, "not sent: the session moved; its new time has reminders of its own")
    if ics_sequence(row.ics) not in (None, session.revision):
        user = db.session.get(User, user_id)
        if user is None or not user.is_active:
            return Verdict(MessageStatus.EXPIRED, "not sent: the account is closed")
        _render_reminder_again(row, session, user, hours, now)
    return None


def ics_sequence(ics: str | None) -> int | None:
    """The SEQUENCE of the (first) event of an .ics, or None without one."""
    found = _SEQUENCE.search(ics or "")
    return int(found.group(1)) if found else None


def _render_reminder_again(row: OutboxMessage, session: ClassSession, user: User, hours: int,
                           now: datetime) -> None:
    from lms.notifications.compose import render_for
    from lms.notifications.reminders import Reminder, reminder_notice

    rendered = render_for(user, reminder_notice(Reminder(session, user, hours, now, True)), now=now)
    if rendered.email is not None:
        row.subject = rendered.email.subject[:300]
        row.body_text, row.body_html = rendered.email.text, rendered.email.html
        row.ics = rendered.email.ics.decode() if rendered.email.ics else None
        db.session.flush()


def _change_pattern(session_id: int) -> str:
    return f"%:session:{session_id}:change:%"


def _change_verdict(row: OutboxMessage, session_id: int, change_id: int) -> Verdict | None:
    if row.user_id is not None:
        newer = db.session.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.user_id == row.user_id, OutboxMessage.kind.in_(CHANGE_KINDS),
                OutboxMessage.id > row.id, OutboxMessage.dedupe_key.like(_change_pattern(session_id)))
            .limit(1)
        ).scalar_one_or_none()
        if newer is not None:
            return Verdict(MessageStatus.SUPERSEDED, f"not sent: message {newer} says what holds now")
    untold = db.session.execute(
        select(SessionChange.id).where(SessionChange.session_id == session_id, SessionChange.id > change_id,
                                       SessionChange.notified_at.is_(None)).limit(1)
    ).scalar_one_or_none()
    if untold is not None:
        return Verdict(MessageStatus.PENDING, "held back: the session changed again; a newer notice follows",
                       hold=HOLD)
    return None


def waiting_change_notices(session_id: int) -> dict[int, int]:
    """The change notices of a session still waiting to be sent: user id → the oldest change they tell."""
    rows = db.session.execute(
        select(OutboxMessage.user_id, OutboxMessage.dedupe_key).where(
            OutboxMessage.kind.in_(CHANGE_KINDS), OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.user_id.is_not(None), OutboxMessage.dedupe_key.like(_change_pattern(session_id)))
    ).all()
    oldest: dict[int, int] = {}
    for user_id, key in rows:
        change = _CHANGE.match(key)
        if change:
            oldest[user_id] = min(oldest.get(user_id, 10**18), int(change.group(3)))
    return oldest


def supersede_change_notices(session_id: int, user_id: int, keep_key: str, now: datetime) -> int:
    """Mark the person's older notices about the session that still wait as superseded by `keep_key`."""
    return db.session.execute(
        update(OutboxMessage).where(
            OutboxMessage.user_id == user_id, OutboxMessage.kind.in_(CHANGE_KINDS),
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.dedupe_key != keep_key,
            OutboxMessage.dedupe_key.like(_change_pattern(session_id)))
        .values(status=MessageStatus.SUPERSEDED, next_attempt_at=now,
                last_error=f"not sent: replaced by {keep_key}, which says what holds now")
        .execution_options(synchronize_session=False)
    ).rowcount


def before_of_notice(session_id: int, change_id: int) -> dict | None:
    """The session as it was before the burst of changes a notice (ending with `change_id`) told."""
    told_at = db.session.execute(
        select(SessionChange.notified_at).where(SessionChange.id == change_id)
    ).scalar_one_or_none()
    if told_at is None:
        return None
    burst = db.session.execute(
        select(SessionChange).where(SessionChange.session_id == session_id, SessionChange.notified_at == told_at,
                                    SessionChange.id <= change_id).order_by(SessionChange.id)
    ).scalars()
    return next((c.details.get("before") for c in burst if c.details.get("before")), None)
