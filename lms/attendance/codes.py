"""Rotating check-in codes, check-in tickets and personal codes, all derived with HMAC.

Nothing is stored per code: a session's secret is derived from the secret key and the session id,
and the code of a time step is HMAC(secret, step) cut to six digits (as in TOTP, RFC 6238). A code
is accepted during its own step and a short grace after it, never later, so a photographed code
stops working within seconds.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

DIGITS = 6


@dataclass(frozen=True)
class CheckinSettings:
    """The check-in timings, from the LMS_CHECKIN_* settings (docs/configuration.md)."""

    opens_before: timedelta = timedelta(minutes=30)
    closes_after: timedelta = timedelta(minutes=60)  # after the session's start
    late_after: timedelta = timedelta(minutes=10)  # after the session's start
    step_seconds: int = 30
    grace: timedelta = timedelta(seconds=10)
    ticket_lifetime: timedelta = timedelta(minutes=5)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CheckinSettings:
        return cls(
            opens_before=timedelta(minutes=config["LMS_CHECKIN_OPENS_MINUTES_BEFORE"]),
            closes_after=timedelta(minutes=config["LMS_CHECKIN_CLOSES_MINUTES_AFTER"]),
            late_after=timedelta(minutes=config["LMS_CHECKIN_LATE_AFTER_MINUTES"]),
            step_seconds=int(config["LMS_CHECKIN_CODE_SECONDS"]),
            grace=timedelta(seconds=config["LMS_CHECKIN_GRACE_SECONDS"]),
            ticket_lifetime=timedelta(minutes=config["LMS_CHECKIN_TICKET_MINUTES"]),
        )


def _mac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def session_secret(secret_key: str, session_id: int) -> bytes:
    """The per-session secret: knowing one session's codes tells nothing about another's."""
    return _mac(secret_key.encode(), f"checkin-session:{session_id}")


def time_step(now: datetime, step_seconds: int) -> int:
    return int(now.timestamp()) // step_seconds


def step_ends_at(step: int, step_seconds: int) -> datetime:
    return datetime.fromtimestamp((step + 1) * step_seconds, tz=timezone.utc)


def code_for(secret: bytes, step: int) -> str:
    """Six digits for one time step (dynamic truncation as in RFC 4226)."""
    digest = _mac(secret, f"step:{step}")
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def normalise(code: str) -> str:
    """What a person typed, without spaces or dashes ("123 456" and "123-456" are fine)."""
    return "".join(ch for ch in (code or "") if ch.isdigit())


class CodeCheck:
    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


#: how far back a code is still recognised, only to say "expired" rather than "unknown"
RECOGNISED_STEPS = 20


def check_code(secret: bytes, code: str, now: datetime, settings: CheckinSettings) -> str:
    """VALID in its step or the grace after; EXPIRED if it was a recent code; else UNKNOWN."""
    code = normalise(code)
    if len(code) != DIGITS:
        return CodeCheck.UNKNOWN
    current = time_step(now, settings.step_seconds)
    for step in range(current, current - RECOGNISED_STEPS, -1):
        if hmac.compare_digest(code_for(secret, step), code):
            if step == current or now < step_ends_at(step, settings.step_seconds) + settings.grace:
                return CodeCheck.VALID
            return CodeCheck.EXPIRED
    return CodeCheck.UNKNOWN


# --- tickets: a scanned QR code survives the log-in that may follow -------------------------

def make_ticket(secret_key: str, session_id: int, now: datetime) -> str:
    """A signed note that a valid code of `session_id` was scanned at `now`."""
    issued = int(now.timestamp())
    mac = _mac(secret_key.encode(), f"checkin-ticket:{session_id}:{issued}").hex()[:32]
    return f"{session_id}-{issued}-{mac}"


def read_ticket(secret_key: str, ticket: str, now: datetime,
                settings: CheckinSettings) -> tuple[int, bool] | None:
    """(session id, still fresh) for a genuine ticket; None for a forged or garbled one."""
    try:
        session_part, issued_part, mac = ticket.split("-")
        session_id, issued = int(session_part), int(issued_part)
    except ValueError:
        return None
    expected = _mac(secret_key.encode(), f"checkin-ticket:{session_id}:{issued}").hex()[:32]
    if not hmac.compare_digest(expected, mac):
        return None
    issued_at = datetime.fromtimestamp(issued, tz=timezone.utc)
    return session_id, issued_at <= now < issued_at + settings.ticket_lifetime


# --- personal codes: shown on the learner's schedule, scanned by the trainer ----------------

def personal_code(secret_key: str, user_id: int) -> str:
    mac = _mac(secret_key.encode(), f"personal:{user_id}").hex()[:16]
    return f"{user_id}-{mac}"


def read_personal_code(secret_key: str, code: str) -> int | None:
    """The user id a genuine personal code stands for; None otherwise."""
    user_part, _, mac = (code or "").strip().rpartition("/")[2].partition("-")
    if not user_part.isdigit():
        return None
    expected = personal_code(secret_key, int(user_part))
    return int(user_part) if hmac.compare_digest(expected, f"{user_part}-{mac}") else None
