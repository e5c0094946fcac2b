"""Marks queued on a trainer's device, applied once each, and the rule for conflicting marks.

The rule (docs/attendance.md, "Conflicts"):

- a trainer's mark (roll call, paper sheet, a scanned personal code) beats a learner's own
  check-in: it replaces a check-in that reached the server first, and a check-in that comes after
  it leaves it as it is (`service.check_in`, which writes `attendance.checkin_overruled`);
- between two trainers (or coordinators) the mark that reaches the server last wins, whatever
  the clocks of their devices said; both marks are in the audit trail;
- a trainer sees on the roll call each mark of theirs that another person's later mark replaced
  (`overridden_marks`).

Each mark carries an idempotency key (a UUID made on the device). The key's row in
`attendance_marks` is written in the same transaction as the mark itself, so a mark sent again
gets the stored answer and is never applied twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.attendance.codes import CheckinSettings
from lms.attendance.marks import AttendanceMark, MarkOutcome
from lms.attendance.models import TRAINER_METHODS, AttendanceMethod, AttendanceStatus
from lms.attendance.service import AttendanceError, record_attendance
from lms.extensions import db
from lms.planning.models import ClassSession

#: marks one request may carry (the page sends its queue in parts of this size)
MAX_MARKS = 50
#: how long a mark's key is kept: far longer than any device waits to send again
KEEP_KEYS = timedelta(days=30)
_TRAINER_METHODS = frozenset(method.value for method in TRAINER_METHODS)


class MarksUnreadable(AttendanceError):
    """The body is not a list of marks this page could have made."""

    status = 400


@dataclass(frozen=True)
class Mark:
    """One tap on the roll call, as the device queued it."""

    key: str
    user_id: int
    status: AttendanceStatus
    note: str | None
    paper: bool
    marked_at: datetime | None


@dataclass(frozen=True)
class MarkResult:
    key: str
    user_id: int
    outcome: MarkOutcome
    message: str
    replayed: bool  # the key had been seen before: the stored answer, nothing applied now


def parse_marks(payload: Any) -> list[Mark]:
    """The marks of a JSON body {"marks": [{key, learner, status, note?, paper?, marked_at?}]}."""
    items = payload.get("marks") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not 0 < len(items) <= MAX_MARKS:
        raise MarksUnreadable(_l("Send between 1 and %(max)d marks.", max=MAX_MARKS))
    return [_parse_mark(item) for item in items]


def _parse_mark(item: Any) -> Mark:
    try:
        key = str(uuid.UUID(str(item["key"])))
        user_id = int(item["learner"])
        status = AttendanceStatus(item["status"])
        note = item.get("note")
        marked_at = datetime.fromisoformat(item["marked_at"]) if item.get("marked_at") else None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise MarksUnreadable(_l("A mark could not be read.")) from None
    if not 0 < user_id < 2**31 or (note is not None and not isinstance(note, str)):
        raise MarksUnreadable(_l("A mark could not be read."))
    if marked_at is not None and marked_at.tzinfo is None:
        marked_at = None  # a device clock without a zone says nothing reliable
    return Mark(key, user_id, status, note[:300] if note is not None else None, bool(item.get("paper")), marked_at)


def apply_marks(session: ClassSession, marks: list[Mark], *, actor_id: int, now: datetime,
                settings: CheckinSettings = CheckinSettings()) -> list[MarkResult]:
    """Apply each mark of one session once, in the order the device made them."""
    return [apply_mark(session, mark, actor_id=actor_id, now=now, settings=settings) for mark in marks]


def apply_mark(session: ClassSession, mark: Mark, *, actor_id: int, now: datetime,
               settings: CheckinSettings = CheckinSettings()) -> MarkResult:
    stored = _stored(mark.key)
    if stored is not None:
        return _replayed(stored, mark, session, actor_id)
    row = AttendanceMark(key=mark.key, session_id=session.id, user_id=mark.user_id, actor_id=actor_id,
                         status=mark.status, outcome=MarkOutcome.APPLIED, message="",
                         marked_at=mark.marked_at, received_at=now)
    try:
        with db.session.begin_nested():  # UNIQUE(key): a request carrying it at the same moment loses here
            db.session.add(row)
    except IntegrityError:
        return _replayed(_stored(mark.key), mark, session, actor_id)
    outcome, message = _record(session, mark, actor_id, now, settings)
    row.outcome, row.message = outcome, message
    db.session.flush()
    return MarkResult(mark.key, mark.user_id, outcome, message, replayed=False)


def _record(session: ClassSession, mark: Mark, actor_id: int, now: datetime,
            settings: CheckinSettings) -> tuple[MarkOutcome, str]:
    method = AttendanceMethod.PAPER if mark.paper else AttendanceMethod.ROLL_CALL
    savepoint = db.session.begin_nested()
    try:
        saved = record_attendance(session, mark.user_id, mark.status, method=method, actor_id=actor_id,
                                  now=now, note=mark.note, settings=settings)
    except AttendanceError as error:
        savepoint.rollback()
        return MarkOutcome.REFUSED, str(error)[:300]
    savepoint.commit()
    return (MarkOutcome.APPLIED if saved.changed else MarkOutcome.UNCHANGED), ""


def _stored(key: str) -> AttendanceMark | None:
    return db.session.execute(select(AttendanceMark).where(AttendanceMark.key == key)).scalar_one_or_none()


def _replayed(stored: AttendanceMark | None, mark: Mark, session: ClassSession, actor_id: int) -> MarkResult:
    if stored is None or stored.actor_id != actor_id or stored.session_id != session.id \
            or stored.user_id != mark.user_id:
        # a key is made on one device for one mark: the same key for something else is refused
        return MarkResult(mark.key, mark.user_id, MarkOutcome.REFUSED,
                          str(_l("This mark was already sent for something else.")), replayed=True)
    return MarkResult(mark.key, mark.user_id, stored.outcome, stored.message, replayed=True)


def delete_old_marks(now: datetime) -> int:
    """The keys of marks received more than KEEP_KEYS ago (the retention job); the marks stay
    in the attendance records and the audit trail."""
    return db.session.execute(delete(AttendanceMark).where(AttendanceMark.received_at < now - KEEP_KEYS)).rowcount


# --- what the trainer is shown ---------------------------------------------------------------

@dataclass(frozen=True)
class Overridden:
    """A trainer's mark that a later mark by someone else replaced."""

    mine: str  # the status the trainer gave
    theirs: str  # the status the record holds now
    by: str  # who changed it
    at: datetime


def overridden_marks(history: list, actor_id: int) -> dict[int, Overridden]:  # type: ignore[type-arg]
    """learner id → the trainer's replaced mark, from a session's audit trail (newest first)."""
    mine: dict[int, str] = {}
    found: dict[int, Overridden] = {}
    for event in sorted(history, key=lambda e: e.id):
        if event.action != "attendance.recorded":
            continue
        learner, new = event.details.get("user_id"), event.details.get("new")
        if event.actor_id == actor_id and event.details.get("method") in _TRAINER_METHODS:
            mine[learner] = new
            found.pop(learner, None)
        elif learner in mine and new != mine[learner]:
            by = event.actor.name if event.actor else "—"
            found[learner] = Overridden(mine[learner], new, by, event.created_at)
        elif learner in found and new == mine.get(learner):
            found.pop(learner)
    return found
