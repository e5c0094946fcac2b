"""Signed attendance: the per-cycle setting, the signing window, and keeping a signature.

Plain functions on plain values that flush but never commit; refusals are AttendanceErrors with a
message for the person. A signature needs the cycle's setting on, the session's signing window
open, and a present or late record of the learner; there is one per learner per session.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.attendance import signature_svg
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import ATTENDED, Attendance, AttendanceRule
from lms.attendance.service import AttendanceError, records_of, session_roster
from lms.attendance.signature_models import AttendanceSignature, SignatureDevice
from lms.audit.service import record_event
from lms.auth.models import User
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, SessionStatus

REFUSED_DRAWINGS = {
    "empty": _l("Draw your signature in the box first."),
    "too_large": _l("This signature is too large to keep. Clear the box and sign again."),
}


# --- the setting -------------------------------------------------------------------------------

def signatures_required(cycle_id: int) -> bool:
    return bool(db.session.execute(
        select(AttendanceRule.signatures_required).where(AttendanceRule.cycle_id == cycle_id)
    ).scalar_one_or_none())


def set_signatures_required(cycle: Cycle, required: bool, *, actor_id: int, now: datetime) -> None:
    rule = db.session.get(AttendanceRule, cycle.id)
    old = bool(rule and rule.signatures_required)
    if rule is None:
        rule = AttendanceRule(cycle_id=cycle.id)
        db.session.add(rule)
    rule.signatures_required, rule.updated_by_id, rule.updated_at = required, actor_id, now
    db.session.flush()
    if old != required:
        record_event(actor_id, "attendance.signatures", "cycle", cycle.id, old=old, new=required)


# --- the window --------------------------------------------------------------------------------

def signing_window(session: ClassSession, settings: CheckinSettings) -> tuple[datetime, datetime]:
    """From when check-in opens to the session's end (or when check-in closes, if that is later)."""
    opens = session.starts_at - settings.opens_before
    return opens, max(session.ends_at, session.starts_at + settings.closes_after)


def signing_state(session: ClassSession, now: datetime, settings: CheckinSettings) -> str:
    """"open", "not_open" (yet), "closed", "cancelled", or "off" (the cycle asks for none)."""
    if session.status is SessionStatus.CANCELLED:
        return "cancelled"
    if not signatures_required(session.cycle_id):
        return "off"
    opens, closes = signing_window(session, settings)
    if now < opens:
        return "not_open"
    return "open" if now <= closes else "closed"


def _local_time(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def check_window(session: ClassSession, now: datetime, settings: CheckinSettings) -> None:
    state = signing_state(session, now, settings)
    opens, closes = signing_window(session, settings)
    if state == "cancelled":
        raise AttendanceError(_l("This session is cancelled."))
    if state == "off":
        raise AttendanceError(_l("This cycle does not ask for signatures."))
    if state == "not_open":
        raise AttendanceError(_l("Signing for this session opens at %(time)s.", time=_local_time(opens)))
    if state == "closed":
        raise AttendanceError(_l("Signing for this session closed at %(time)s.", time=_local_time(closes)))


# --- signing -----------------------------------------------------------------------------------

def signatures_of(session_id: int) -> dict[int, AttendanceSignature]:
    """user id → signature, for one session."""
    rows = db.session.execute(
        select(AttendanceSignature).where(AttendanceSignature.session_id == session_id)
        .options(joinedload(AttendanceSignature.captured_by))
    ).scalars()
    return {row.user_id: row for row in rows}


def present_learners(session: ClassSession) -> list[tuple[User, Attendance]]:
    """The learners of the roster marked present or late, with their records, by name."""
    records = records_of(session.id)
    return [(u, records[u.id]) for u in session_roster(session)
            if u.id in records and records[u.id].status in ATTENDED]


def _signable_record(session: ClassSession, user_id: int, now: datetime,
                     settings: CheckinSettings) -> Attendance:
    """The present or late record a signature would join; raises if the learner cannot sign now."""
    check_window(session, now, settings)
    attendance = records_of(session.id).get(user_id)
    if attendance is None or attendance.status not in ATTENDED:
        raise AttendanceError(_l("Only a learner marked present or late can sign. Check in or ask "
                                 "your trainer to mark you first."))
    if _signed(session.id, user_id):
        raise AttendanceError(_l("This learner has already signed for this session."))
    return attendance


def why_not(session: ClassSession, user_id: int, now: datetime, settings: CheckinSettings) -> str | None:
    """Why the learner cannot sign now (the message), or None if they can."""
    try:
        _signable_record(session, user_id, now, settings)
    except AttendanceError as refusal:
        return str(refusal)
    return None


def sign(session: ClassSession, user_id: int, drawing: str, *, captured_by_id: int,
         device: SignatureDevice, now: datetime, settings: CheckinSettings) -> AttendanceSignature:
    """Keep a learner's signature at a session, re-written from its paths (signature_svg)."""
    attendance = _signable_record(session, user_id, now, settings)
    try:
        svg = signature_svg.clean(drawing)
    except signature_svg.InvalidSignature as refused:
        raise AttendanceError(REFUSED_DRAWINGS[refused.reason]) from None
    signature = AttendanceSignature(attendance_id=attendance.id, session_id=session.id, user_id=user_id,
                                    svg=svg, signed_at=now, captured_by_id=captured_by_id, device=device)
    try:
        with db.session.begin_nested():
            db.session.add(signature)
    except IntegrityError:  # signed at the same moment on another device
        raise AttendanceError(_l("This learner has already signed for this session.")) from None
    record_event(captured_by_id, "attendance.signed", "attendance", attendance.id, session_id=session.id,
                 user_id=user_id, cycle_id=session.cycle_id, device=device.value)
    return signature


def _signed(session_id: int, user_id: int) -> bool:
    return db.session.execute(
        select(AttendanceSignature.id).where(AttendanceSignature.session_id == session_id,
                                             AttendanceSignature.user_id == user_id)
    ).first() is not None


def has_unsigned(session: ClassSession, user_id: int) -> bool:
    """Whether the learner is expected to sign this session and has not yet."""
    return signatures_required(session.cycle_id) and not _signed(session.id, user_id)


# --- privacy -----------------------------------------------------------------------------------

def erase_signatures(user_id: int) -> int:
    """A drawn signature identifies the person: it goes at erasure (the record stays)."""
    return db.session.execute(delete(AttendanceSignature).where(AttendanceSignature.user_id == user_id)).rowcount


def delete_old_signatures(now: datetime, days: int) -> int:
    """Signatures of sessions that started more than `days` ago (the records stay)."""
    old = select(ClassSession.id).where(ClassSession.starts_at < now - timedelta(days=days))
    return db.session.execute(
        delete(AttendanceSignature).where(AttendanceSignature.session_id.in_(old))
        .execution_options(synchronize_session=False)
    ).rowcount
