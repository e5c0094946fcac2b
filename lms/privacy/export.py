"""Everything the center holds about one person, as plain values: for the JSON download and the page.

Sections follow the register in docs/privacy.md. A last section lists rows of any other table that
belongs to the person (a `user_id` column), so that tables added later are never left out.
Secrets are never exported: password hashes, token hashes, the calendar feed's nonce, and the
bodies of account e-mails (they carry one-time links).
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from lms.attendance.models import Attendance, AttendanceWarning
from lms.attendance.signature_models import AttendanceSignature
from lms.audit.models import AuditEvent
from lms.auth.models import LoginSession, User
from lms.catalog.framework_models import Competence
from lms.catalog.models import Module, ModuleProgress
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment
from lms.enrolment.policy_models import LateCancellation, NoShowLift, WaitlistOffer
from lms.extensions import db
from lms.growth.models import SelfAssessment, SelfAssessmentAnswer
from lms.notifications.models import CalendarFeed, Notification, NotificationPreference, OutboxMessage
from lms.planning.models import ClassSession, Cycle
from lms.privacy.models import ErasureRequest, FeedbackMessage
from lms.quizzes.models import Quiz, QuizAttempt

SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "nonce", "secret", "token"})
ACCOUNT_MAIL_KINDS = frozenset({"invitation", "password_reset"})


@dataclass(frozen=True)
class Section:
    key: str
    title: Any  # a lazy string
    rows: list[dict[str, Any]]


def personal_data(user_id: int) -> list[Section]:
    """Every section of one person's data, in the order of the register."""
    return [
        Section("account", _l("Account"), _account(user_id)),
        Section("enrolments", _l("Enrolments"), _enrolments(user_id)),
        Section("attendance", _l("Attendance"), _attendance(user_id)),
        Section("attendance_signatures", _l("Attendance signatures"), _signatures(user_id)),
        Section("attendance_warnings", _l("Attendance warnings"), _warnings(user_id)),
        Section("module_progress", _l("Modules done"), _progress(user_id)),
        Section("quiz_attempts", _l("Quiz attempts"), _attempts(user_id)),
        Section("certificates", _l("Certificates"), _certificates(user_id)),
        Section("self_assessments", _l("Self-assessments of competences"), _self_assessments(user_id)),
        Section("waitlist_offers", _l("Seats offered from the wait-list"),
                _rows(WaitlistOffer, WaitlistOffer.user_id == user_id)),
        Section("late_cancellations", _l("Late cancellations"),
                _rows(LateCancellation, LateCancellation.user_id == user_id)),
        Section("no_show_lifts", _l("No-show rule lifted"), _rows(NoShowLift, NoShowLift.user_id == user_id)),
        Section("notifications", _l("Notifications"), _rows(Notification, Notification.user_id == user_id)),
        Section("emails", _l("E-mails"), _emails(user_id)),
        Section("notification_preferences", _l("Notification preferences"),
                _rows(NotificationPreference, NotificationPreference.user_id == user_id)),
        Section("calendar_feeds", _l("Calendar feeds"), _rows(CalendarFeed, CalendarFeed.user_id == user_id)),
        Section("login_sessions", _l("Log-ins"), _rows(LoginSession, LoginSession.user_id == user_id)),
        Section("feedback", _l("Feedback you sent"), _rows(FeedbackMessage, FeedbackMessage.user_id == user_id)),
        Section("erasure_requests", _l("Erasure requests"), _rows(ErasureRequest, ErasureRequest.user_id == user_id)),
        Section("audit_events", _l("Audit log entries by you or about you"), _audit(user_id)),
        Section("other", _l("Other records"), _other_tables(user_id)),
    ]


def as_json(user_id: int, generated_at: datetime) -> str:
    document = {"generated_at": generated_at.isoformat(), "user_id": user_id,
                **{section.key: section.rows for section in personal_data(user_id)}}
    return json.dumps(document, ensure_ascii=False, indent=2, default=plain)


def plain(value: Any) -> Any:
    """A value as JSON writes it: times in ISO 8601, decimals as text, enums by value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: plain(getattr(row, c.key)) for c in sa.inspect(row).mapper.column_attrs
            if c.key not in SECRET_COLUMNS}


def _rows(model, condition) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [_columns(row) for row in db.session.execute(select(model).where(condition)).scalars()]


def _account(user_id: int) -> list[dict[str, Any]]:
    user = db.session.execute(select(User).where(User.id == user_id).options(joinedload(User.organisation))).scalar_one()
    row = _columns(user)
    row["organisation"] = user.organisation.name if user.organisation else None
    row["roles"] = sorted(role.value for role in user.roles)
    return [row]


def _enrolments(user_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user_id)
        .options(joinedload(Enrolment.cycle).joinedload(Cycle.course)).order_by(Enrolment.requested_at)
    ).scalars()
    return [{"course": e.cycle.course.title, "cycle": e.cycle.title, **_columns(e)} for e in rows]


def _attendance(user_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Attendance, ClassSession.starts_at, Cycle.title)
        .join(ClassSession, ClassSession.id == Attendance.session_id).join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(Attendance.user_id == user_id).order_by(ClassSession.starts_at)
    ).all()
    return [{"session_starts_at": plain(starts), "cycle": cycle, **_columns(a)} for a, starts, cycle in rows]


def _signatures(user_id: int) -> list[dict[str, Any]]:
    """Each signature with its session; the drawing itself as the SVG kept."""
    rows = db.session.execute(
        select(AttendanceSignature, ClassSession.starts_at, Cycle.title)
        .join(ClassSession, ClassSession.id == AttendanceSignature.session_id)
        .join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(AttendanceSignature.user_id == user_id).order_by(ClassSession.starts_at)
    ).all()
    return [{"session_starts_at": plain(starts), "cycle": cycle, **_columns(s)} for s, starts, cycle in rows]


def _warnings(user_id: int) -> list[dict[str, Any]]:
    return _rows(AttendanceWarning, AttendanceWarning.user_id == user_id)


def _progress(user_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(ModuleProgress, Module.title).join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user_id).order_by(ModuleProgress.completed_at)
    ).all()
    return [{"module": title, **_columns(p)} for p, title in rows]


def _self_assessments(user_id: int) -> list[dict[str, Any]]:
    """One row per answer: the cycle, the phase, the competence and the step (empty: "don't know")."""
    rows = db.session.execute(
        select(SelfAssessment, Cycle.title, Competence.key, SelfAssessmentAnswer.level)
        .join(Cycle, Cycle.id == SelfAssessment.cycle_id)
        .join(SelfAssessmentAnswer, SelfAssessmentAnswer.assessment_id == SelfAssessment.id)
        .join(Competence, Competence.id == SelfAssessmentAnswer.competence_id)
        .where(SelfAssessment.user_id == user_id).order_by(SelfAssessment.submitted_at, Competence.key)
    ).all()
    return [{"cycle": title, "phase": a.phase, "submitted_at": plain(a.submitted_at), "competence": key,
             "level": level} for a, title, key, level in rows]


def _attempts(user_id: int) -> list[dict[str, Any]]:
    attempts = db.session.execute(
        select(QuizAttempt, Module.title).join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Module, Module.id == Quiz.module_id)
        .where(QuizAttempt.user_id == user_id).options(joinedload(QuizAttempt.answers))
        .order_by(QuizAttempt.started_at)
    ).unique().all()
    return [{"module": title, **{k: v for k, v in _columns(a).items() if k != "layout"},
             "answers": [_columns(answer) for answer in a.answers]} for a, title in attempts]


def _certificates(user_id: int) -> list[dict[str, Any]]:
    return _rows(Certificate, Certificate.user_id == user_id)


def _emails(user_id: int) -> list[dict[str, Any]]:
    rows = []
    for message in db.session.execute(select(OutboxMessage).where(OutboxMessage.user_id == user_id)
                                      .order_by(OutboxMessage.created_at)).scalars():
        row = {k: v for k, v in _columns(message).items() if k not in ("dedupe_key", "ics", "unsubscribe_url")}
        if message.kind in ACCOUNT_MAIL_KINDS:
            row["body_text"] = row["body_html"] = ""  # one-time links: not to be kept in a download
        row.pop("body_html", None)
        rows.append(row)
    return rows


def _audit(user_id: int) -> list[dict[str, Any]]:
    about = or_(AuditEvent.actor_id == user_id,
                (AuditEvent.object_type == "user") & (AuditEvent.object_id == user_id),
                AuditEvent.details["user_id"].as_integer() == user_id)
    return [_columns(e) for e in db.session.execute(select(AuditEvent).where(about).order_by(AuditEvent.id)).scalars()]


#: tables whose rows of the person the sections above already give
COVERED = frozenset({"users", "enrolments", "attendances", "attendance_signatures", "attendance_warnings", "module_progress", "quiz_attempts",
                     "certificates", "notifications", "outbox_messages", "notification_preferences", "calendar_feeds",
                     "login_sessions", "feedback_messages", "erasure_requests", "audit_events",
                     "waitlist_offers", "late_cancellations", "no_show_lifts", "self_assessments"})


def _other_tables(user_id: int) -> list[dict[str, Any]]:
    """Rows of any other table with the person's `user_id`, and how many records they made elsewhere."""
    found: list[dict[str, Any]] = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not any(fk.column.table.name == "users" for fk in column.foreign_keys):
                continue
            if column.name == "user_id" and table.name not in COVERED:
                for row in db.session.execute(select(table).where(column == user_id)).mappings():
                    found.append({"table": table.name, **{k: plain(v) for k, v in row.items() if k not in SECRET_COLUMNS}})
            elif column.name != "user_id":
                count = db.session.execute(select(func.count()).select_from(table).where(column == user_id)).scalar_one()
                if count:
                    found.append({"table": table.name, "column": column.name, "records": count})
    return found
