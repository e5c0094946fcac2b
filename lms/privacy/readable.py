"""The "My data" page as a person reads it: column names and values in their language, local times.

`export.personal_data` gives plain, machine-readable values (ISO 8601 in UTC, enum values) for the
JSON download; this module turns the same rows into what the page shows, so the download stays as
it is. Unknown columns still show (with their name made readable), so nothing is ever hidden.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from lms.attendance.models import METHOD_LABELS, STATUS_LABELS, AttendanceMethod, AttendanceStatus, WarningKind
from lms.attendance.signature_models import DEVICE_LABELS
from lms.auth.labels import ROLE_LABELS
from lms.auth.models import Role
from lms.enrolment.models import ENROLMENT_STATUS_LABELS, EnrolmentStatus
from lms.notifications.kinds import KIND_LABELS, Kind

COLUMN_LABELS = {
    "id": _l("Reference number"), "name": _l("Name"), "email": _l("E-mail"), "status": _l("Status"),
    "course": _l("Course"), "cycle": _l("Cycle"), "module": _l("Module"), "created_at": _l("Created"),
    "kind": _l("Kind"), "title": _l("Title"), "subject": _l("Subject"), "table": _l("Table"),
    "records": _l("Records"), "user_id": _l("Person (number)"), "organisation_id": _l("Organisation (number)"),
    "organisation": _l("Organisation"), "roles": _l("Roles"), "locale": _l("Language"), "active": _l("Active"),
    "last_login_at": _l("Last log-in"), "anonymised_at": _l("Erased"), "cycle_id": _l("Cycle (number)"),
    "session_id": _l("Session (number)"), "session_starts_at": _l("Session starts"), "method": _l("How"),
    "note": _l("Note"), "recorded_at": _l("Recorded"), "recorded_by_id": _l("Recorded by (number)"),
    "requested_at": _l("Asked"), "enrolled_at": _l("Enrolled on"), "waitlisted_at": _l("On the wait-list since"),
    "withdrawn_at": _l("Withdrawn"), "decided_at": _l("Decided"), "decided_by_id": _l("Decided by (number)"),
    "completed_at": _l("Completed"), "attended": _l("Sessions attended"), "counted": _l("Sessions counted"),
    "notified_at": _l("Told"), "module_id": _l("Module (number)"), "quiz_id": _l("Quiz (number)"),
    "started_at": _l("Started"), "submitted_at": _l("Submitted"), "graded_at": _l("Graded"),
    "score": _l("Score"), "passed": _l("Passed"), "answers": _l("Answers"), "code": _l("Code"),
    "issued_at": _l("Issued"), "revoked_at": _l("Revoked"), "revoke_reason": _l("Reason for revoking"),
    "issue_reason": _l("Reason for issuing"), "origin": _l("Origin"), "design": _l("Design"),
    "snapshot": _l("Contents"), "link": _l("Link"), "read_at": _l("Read"), "body_text": _l("Text"),
    "recipient": _l("Recipient"), "sent_at": _l("Sent on"), "attempts": _l("Attempts"),
    "next_attempt_at": _l("Next attempt"), "last_error": _l("Last error"), "claimed_at": _l("Claimed"),
    "email_reminders": _l("Reminders by e-mail"), "reminder_hours": _l("Hours before"),
    "expires_at": _l("Expires"), "user_agent": _l("Browser"), "last_used_at": _l("Last used"),
    "message": _l("Message"), "page": _l("Page"), "handled_at": _l("Handled"), "reason": _l("Reason"),
    "action": _l("Event"), "object_type": _l("About"), "object_id": _l("About (number)"),
    "actor_id": _l("By (number)"), "details": _l("Details"), "updated_at": _l("Changed"),
    "position": _l("Place"), "ics_method": _l("Calendar method"),
    "signed_at": _l("Signed"), "svg": _l("Signature (SVG)"), "device": _l("Signed on"),
    "captured_by_id": _l("Device of (number)"), "attendance_id": _l("Attendance record (number)"),
}

ENUM_LABELS: dict[str, dict[str, Any]] = {
    "method": {m.value: label for m, label in METHOD_LABELS.items()},
    "role": {r.value: label for r, label in ROLE_LABELS.items()},
    "kind": {**{k.value: label for k, label in KIND_LABELS.items()},
             WarningKind.ONE_AWAY.value: _l("one more absence is too many"),
             WarningKind.UNREACHABLE.value: _l("the minimum can no longer be reached")},
    "origin": {"automatic": _l("automatic"), "manual": _l("by a coordinator")},
    "device": {d.value: label for d, label in DEVICE_LABELS.items()},
}

#: a status means something else in each section
STATUS_BY_SECTION: dict[str, dict[str, Any]] = {
    "enrolments": {s.value: label for s, label in ENROLMENT_STATUS_LABELS.items()},
    "attendance": {s.value: label for s, label in STATUS_LABELS.items()},
    "quiz_attempts": {"in_progress": _l("in progress"), "needs_grading": _l("waiting to be graded"),
                      "graded": _l("graded")},
    "emails": {"pending": _l("waiting to be sent"), "sending": _l("being sent"), "sent": _l("sent"),
               "failed": _l("failed")},
    "erasure_requests": {"pending": _l("waiting for a decision"), "done": _l("erased"), "declined": _l("declined")},
}

assert set(STATUS_BY_SECTION["attendance"]) == {s.value for s in AttendanceStatus}
assert set(STATUS_BY_SECTION["enrolments"]) == {s.value for s in EnrolmentStatus}
assert set(ENUM_LABELS["method"]) == {m.value for m in AttendanceMethod}
assert set(ENUM_LABELS["role"]) == {r.value for r in Role}
assert set(ENUM_LABELS["kind"]) >= {k.value for k in Kind}


def column_label(column: str) -> Any:
    """A column's name in the reader's language (unknown ones made readable)."""
    return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


def _time(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return format_datetime(moment, "d MMM yyyy HH:mm")  # in the center's time zone (Babel's)


def _day(value: str) -> str | None:
    try:
        return format_date(date.fromisoformat(value), "d MMM yyyy")
    except ValueError:
        return None


def show_value(value: Any, column: str = "", section: str = "", *,
               yes_no: Callable[[bool], str] | None = None) -> Any:
    """One value as the reader reads it: labels for internal values, local times, "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return yes_no(value) if yes_no else value
    if column == "svg":
        return _l("your drawn signature (in the JSON download)")
    if column == "status" and isinstance(value, str):
        return STATUS_BY_SECTION.get(section, {}).get(value, value)
    if column in ENUM_LABELS and isinstance(value, str):
        return ENUM_LABELS[column].get(value, value)
    if column == "roles" and isinstance(value, list):
        return ", ".join(str(ENUM_LABELS["role"].get(v, v)) for v in value)
    if column == "locale" and isinstance(value, str):
        return {"sv": "svenska", "en": "English", "ar": "العربية"}.get(value, value)
    if isinstance(value, str) and (column.endswith("_at") or column.endswith("starts_at")):
        return _time(value) or value
    if isinstance(value, str) and column.endswith("_date"):
        return _day(value) or value
    return value
