"""Erasure by anonymisation: the person disappears, the statistics stay.

What is kept: the account row (anonymised, so that enrolments, attendance, module progress, quiz
attempts and certificates still count), the organisation it belonged to, its roles. What goes:
the name and e-mail everywhere they were written (also in audit details, the outbox, in-app
notifications, certificate snapshots and free text), the password, log-in sessions, calendar
feeds, preferences and every other credential, attendance notes, drawn signatures and essay answers. Seats in
cycles still running are given up (the wait-list moves up). docs/privacy.md explains each choice.

Callers commit; the cached certificate PDFs (which print the name) are deleted at once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from lms.attendance.models import Attendance
from lms.attendance.signatures import erase_signatures
from lms.audit.models import AuditEvent
from lms.audit.service import record_event
from lms.auth.models import LoginSession, User
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment, EnrolmentError, EnrolmentStatus
from lms.extensions import db
from lms.growth.service import erase_answers
from lms.notifications.models import CalendarFeed, Notification, NotificationPreference, OutboxMessage
from lms.planning.models import Cycle, CycleStatus, CycleTrainer
from lms.privacy.models import ErasureRequest, ErasureStatus, FeedbackMessage
from lms.quizzes.models import AttemptAnswer, Question, QuestionKind, QuizAttempt
from lms.core.unit_of_work import DomainError

#: what an erased person is called from then on (Swedish: it is what coordinators read)
ANONYMOUS_NAME = "Anonymiserad"
#: tables the name sweep leaves alone: course content (not about people) and the accounts
#: themselves (a namesake's account must not be renamed); certificates are handled one by one
UNSWEPT_TABLES = frozenset({"users", "courses", "modules", "questions", "quizzes", "content_versions",
                            "course_competence_areas", "course_sdgs", "certificates",
                            "competence_frameworks", "competences", "course_competences"})
#: audit details that may hold personal text about the person an event is about
PERSONAL_DETAIL_KEYS = ("email", "name", "note")
#: a shorter name is not looked for in other people's text: it would match ordinary words
MIN_SWEPT_NAME = 4
#: tables of credentials and of personal settings and profiles: the person's rows are deleted.
#: Matched by name, so that tables added later (API tokens, directory profiles) are covered too.
CREDENTIAL_TABLE = re.compile(r"(^|_)(tokens?|sessions?|feeds?|credentials?|keys?|profiles?|preferences?)$")


class ErasureError(DomainError):
    """An erasure that cannot be carried out; the message is for the person asking."""


@dataclass
class ErasureReport:
    user_id: int
    withdrawn: int = 0
    credentials: int = 0
    messages: int = 0
    certificates: int = 0
    swept: dict[str, int] = field(default_factory=dict)


def placeholder_email(user_id: int) -> str:
    """Unique (the column is UNIQUE) and undeliverable (.invalid is reserved, RFC 2606)."""
    return f"anonymiserad-{user_id}@anonymised.invalid"


def erase_user(user_id: int, *, actor_id: int | None, now: datetime, why: str = "request") -> ErasureReport:
    """Anonymise the account and remove the person's identity from every table."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ErasureError(_l("There is no such account."))
    if user.anonymised_at is not None:
        raise ErasureError(_l("This account is already erased."))
    name, email = user.name, user.email
    report = ErasureReport(user_id)
    report.withdrawn = _give_up_seats(user_id, now)
    report.credentials = _revoke_credentials(user_id) + _forget_no_show_records(user_id)
    report.messages = _remove_messages(user_id, email)
    report.certificates = _withhold_name_on_certificates(user_id, name)
    _clear_personal_text(user_id, email)
    erase_signatures(user_id)
    erase_answers(user_id)  # self-assessments: the person leaves every growth figure
    _anonymise_account(user, now)
    db.session.flush()
    report.swept = sweep_identity(name, email, placeholder_email(user_id))
    _close_requests(user_id, actor_id, now)
    record_event(actor_id, "privacy.erased", "user", user_id, why=why)
    db.session.flush()
    db.session.expire_all()  # the sweep wrote past the ORM: read everything afresh
    return report


def _give_up_seats(user_id: int, now: datetime) -> int:
    """Leave running cycles (the seat goes to the wait-list); finished cycles keep their record."""
    from lms.enrolment.service import withdraw

    open_places = db.session.execute(
        select(Enrolment).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .where(Enrolment.user_id == user_id, Cycle.status == CycleStatus.PUBLISHED,
               Enrolment.status.in_((EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)))
    ).scalars().all()
    for enrolment in open_places:
        try:
            withdraw(enrolment, actor_id=None, now=now)
        except EnrolmentError:
            continue
    return len(open_places)


def _forget_no_show_records(user_id: int) -> int:
    """Late cancellations and lifted no-show standings (a lift's reason may be about the person)."""
    from lms.enrolment.policy_models import LateCancellation, NoShowLift

    return sum(db.session.execute(delete(model).where(model.user_id == user_id)).rowcount or 0
               for model in (LateCancellation, NoShowLift))


def _revoke_credentials(user_id: int) -> int:
    """Delete log-in sessions, calendar feeds, preferences, tokens, profiles (CREDENTIAL_TABLE)."""
    removed = 0
    for model in (LoginSession, CalendarFeed, NotificationPreference):
        removed += db.session.execute(delete(model).where(model.user_id == user_id)).rowcount
    known = {LoginSession.__tablename__, CalendarFeed.__tablename__, NotificationPreference.__tablename__}
    for table in db.metadata.sorted_tables:
        if table.name not in known and CREDENTIAL_TABLE.search(table.name) and "user_id" in table.c:
            removed += db.session.execute(table.delete().where(table.c.user_id == user_id)).rowcount
    return removed


def _remove_messages(user_id: int, email: str) -> int:
    """The person's e-mails (sent or waiting: there is nobody to send them to) and notifications."""
    mails = db.session.execute(delete(OutboxMessage).where(
        or_(OutboxMessage.user_id == user_id, func.lower(OutboxMessage.recipient) == email))).rowcount
    notes = db.session.execute(delete(Notification).where(Notification.user_id == user_id)).rowcount
    return mails + notes


def _withhold_name_on_certificates(user_id: int, name: str) -> int:
    """Certificates stay verifiable, with the name withheld; the trainer's name leaves others' ones."""
    own = db.session.execute(select(Certificate).where(Certificate.user_id == user_id)).scalars().all()
    for certificate in own:
        certificate.snapshot = {**certificate.snapshot, "learner_name": ANONYMOUS_NAME, "name_withheld": True}
        _forget_cached_pdf(certificate.code)
    taught = select(CycleTrainer.cycle_id).where(CycleTrainer.user_id == user_id)
    for certificate in db.session.execute(select(Certificate).where(Certificate.cycle_id.in_(taught))).scalars():
        trainers = certificate.snapshot.get("trainers", [])
        if name in trainers:
            certificate.snapshot = {**certificate.snapshot,
                                    "trainers": [ANONYMOUS_NAME if t == name else t for t in trainers]}
            _forget_cached_pdf(certificate.code)
    return len(own)


def _forget_cached_pdf(code: str) -> None:
    folder = Path(current_app.config["LMS_CERTIFICATE_CACHE_DIR"])
    for path in folder.glob(f"{code}-*.pdf"):
        path.unlink(missing_ok=True)


def _clear_personal_text(user_id: int, email: str) -> None:
    """Free text about the person: attendance notes, essays, feedback they sent, audit details."""
    db.session.execute(update(Attendance).where(Attendance.user_id == user_id).values(note=""))
    essays = select(AttemptAnswer.id).join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id).join(
        Question, Question.id == AttemptAnswer.question_id).where(
        QuizAttempt.user_id == user_id, Question.kind == QuestionKind.ESSAY)
    db.session.execute(update(AttemptAnswer).where(AttemptAnswer.id.in_(essays)).values(response="")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(FeedbackMessage).where(
        or_(FeedbackMessage.user_id == user_id, func.lower(FeedbackMessage.email) == email)
    ).values(name="", email="").execution_options(synchronize_session=False))
    about = or_((AuditEvent.object_type == "user") & (AuditEvent.object_id == user_id),
                AuditEvent.details["user_id"].as_integer() == user_id)
    for event in db.session.execute(select(AuditEvent).where(about)).scalars():
        if any(key in event.details for key in PERSONAL_DETAIL_KEYS):
            event.details = {k: v for k, v in event.details.items() if k not in PERSONAL_DETAIL_KEYS}


def _anonymise_account(user: User, now: datetime) -> None:
    user.name = ANONYMOUS_NAME
    user.email = placeholder_email(user.id)
    user.password_hash = None
    user.active = False
    user.last_login_at = None
    user.anonymised_at = now


def _close_requests(user_id: int, actor_id: int | None, now: datetime) -> None:
    for request in db.session.execute(select(ErasureRequest).where(
            ErasureRequest.user_id == user_id, ErasureRequest.status == ErasureStatus.PENDING)).scalars():
        request.change_status(ErasureStatus.DONE)
        request.decided_at, request.decided_by_id = now, actor_id


# --- the sweep: whatever else still names the person -------------------------------------------

def sweep_identity(name: str, email: str, replacement_email: str) -> dict[str, int]:
    """Replace the name and e-mail in every text and JSON column of every table (but UNSWEPT_TABLES).

    This is the safety net under the targeted steps above: it also covers tables added later. It
    scans whole columns, which is slow on a big database, and erasures are rare.
    """
    wanted = [(email, replacement_email)]
    if len(name.strip()) >= MIN_SWEPT_NAME:
        wanted.append((name.strip(), ANONYMOUS_NAME))
    changed: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if table.name in UNSWEPT_TABLES:
            continue
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                count = _sweep_column(table, column, wanted, as_json=True)
            elif isinstance(column.type, (sa.String, sa.Text)) and not isinstance(column.type, sa.Enum):
                count = _sweep_column(table, column, wanted, as_json=False)
            else:
                continue
            if count:
                changed[f"{table.name}.{column.name}"] = count
    return changed


def _patterns(text: str) -> list[str]:
    """The text as written, and as JSON writes it (non-ASCII letters escaped), lower-cased."""
    return sorted({text.lower(), json.dumps(text)[1:-1].lower(), json.dumps(text.lower())[1:-1]})


def _sweep_column(table: sa.Table, column: sa.Column, wanted: list[tuple[str, str]], *, as_json: bool) -> int:
    haystack = func.lower(sa.cast(column, sa.Text)) if as_json else func.lower(column)
    found = or_(*[haystack.contains(p, autoescape=True) for old, _new in wanted for p in _patterns(old)])
    keys = list(table.primary_key.columns)
    changed = 0
    for row in db.session.execute(select(*keys, column).where(found)).all():
        value = _replace(row[-1], wanted)
        if value == row[-1]:
            continue  # only a longer word contained the name
        if not as_json and column.type.length:
            value = value[:column.type.length]
        db.session.execute(table.update().where(*[k == row[i] for i, k in enumerate(keys)]).values({column.name: value}))
        changed += 1
    return changed


def _replace(value: Any, wanted: list[tuple[str, str]]) -> Any:
    """Every string inside `value` (a JSON structure or a string) with the names replaced."""
    if isinstance(value, str):
        for old, new in wanted:
            value = re.sub(rf"(?<!\w){re.escape(old)}(?!\w)", new, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [_replace(item, wanted) for item in value]
    if isinstance(value, dict):
        return {_replace(k, wanted): _replace(v, wanted) for k, v in value.items()}
    return value
