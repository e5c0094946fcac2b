"""What a message is about. Optional kinds can be turned off by the person; the others always go out."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Kind(str, enum.Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"
    ENROLMENT_CONFIRMED = "enrolment_confirmed"
    ENROLMENT_WAITLISTED = "enrolment_waitlisted"
    ENROLMENT_PROMOTED = "enrolment_promoted"
    ENROLMENT_DECLINED = "enrolment_declined"
    WAITLIST_OFFER = "waitlist_offer"
    OFFER_LAPSED = "offer_lapsed"
    SESSION_MOVED = "session_moved"
    SESSION_ADDED = "session_added"
    SESSION_CANCELLED = "session_cancelled"
    CYCLE_CANCELLED = "cycle_cancelled"
    REMINDER = "reminder"
    ATTENDANCE_WARNING = "attendance_warning"
    CERTIFICATE_ISSUED = "certificate_issued"
    ESSAYS_WAITING = "essays_waiting"
    EVALUATION_INVITATION = "evaluation_invitation"
    COURSE_OPENED = "course_opened"
    BOARD_REPLY = "board_reply"
    BOARD_REPORT = "board_report"
    ACCOUNT_REQUEST = "account_request"
    OUTBOX_FAILED = "outbox_failed"
    WEEKLY_DIGEST = "weekly_digest"
    RENEWAL_REMINDER = "renewal_reminder"
    SELF_ASSESSMENT = "self_assessment"


#: kinds a person may stop by e-mail (preferences, or the unsubscribe link in the message)
OPTIONAL = frozenset({Kind.REMINDER, Kind.WEEKLY_DIGEST, Kind.RENEWAL_REMINDER, Kind.SELF_ASSESSMENT})

KIND_LABELS = {
    Kind.INVITATION: _l("Invitation"),
    Kind.PASSWORD_RESET: _l("Password reset"),
    Kind.ENROLMENT_CONFIRMED: _l("Enrolment confirmed"),
    Kind.ENROLMENT_WAITLISTED: _l("On the wait-list"),
    Kind.ENROLMENT_PROMOTED: _l("Seat from the wait-list"),
    Kind.ENROLMENT_DECLINED: _l("Request declined"),
    Kind.WAITLIST_OFFER: _l("A seat offered from the wait-list"),
    Kind.OFFER_LAPSED: _l("Offer lapsed"),
    Kind.SESSION_MOVED: _l("Session moved"),
    Kind.SESSION_ADDED: _l("Session added"),
    Kind.SESSION_CANCELLED: _l("Session cancelled"),
    Kind.CYCLE_CANCELLED: _l("Cycle cancelled"),
    Kind.REMINDER: _l("Reminder"),
    Kind.ATTENDANCE_WARNING: _l("Attendance warning"),
    Kind.CERTIFICATE_ISSUED: _l("Certificate issued"),
    Kind.ESSAYS_WAITING: _l("Essays to grade"),
    Kind.EVALUATION_INVITATION: _l("Course evaluation"),
    Kind.COURSE_OPENED: _l("A course you asked for opened"),
    Kind.BOARD_REPLY: _l("Reply on the board"),
    Kind.BOARD_REPORT: _l("Board post reported"),
    Kind.ACCOUNT_REQUEST: _l("Account request"),
    Kind.OUTBOX_FAILED: _l("E-mail not delivered"),
    Kind.WEEKLY_DIGEST: _l("Weekly digest"),
    Kind.RENEWAL_REMINDER: _l("Certificate to renew"),
    Kind.SELF_ASSESSMENT: _l("Self-assessment six months on"),
}


def kind_label(value: str) -> str:
    try:
        return str(KIND_LABELS[Kind(value)])
    except ValueError:
        return value


def status_label(status) -> str:  # type: ignore[no-untyped-def]
    """A message's status in words (pending, sending, sent, failed, expired, superseded)."""
    from lms.notifications.models import MessageStatus

    return str({
        MessageStatus.PENDING: _l("pending"), MessageStatus.SENDING: _l("sending"),
        MessageStatus.SENT: _l("sent"), MessageStatus.FAILED: _l("failed"),
        MessageStatus.EXPIRED: _l("expired"), MessageStatus.SUPERSEDED: _l("superseded"),
    }[status])
