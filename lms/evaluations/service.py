"""Evaluation rules: which questions a course asks, who may answer, and anonymous submission.

Functions flush but never commit. Submitting never records who gave which answers: see
docs/evaluations.md and the module docstring of lms/evaluations/models.py.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    BUILTIN_QUESTIONS, CourseQuestionExclusion, EvaluationAnswer, EvaluationParticipation,
    EvaluationQuestion, EvaluationResponse, QuestionKind,
)
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus
from lms.core.unit_of_work import DomainError

#: who took part in a cycle and so is asked to evaluate it
PARTICIPANT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
TEXT_LIMIT = 4000


class EvaluationError(DomainError):
    """An evaluation request that breaks a rule; the message is for the person."""


# --- the questions ----------------------------------------------------------------------------

def _insert_or_skip(model):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


def ensure_standard_questions() -> int:
    """Create the built-in standard questions that are missing (safe to run twice)."""
    added = 0
    for position, (key, kind) in enumerate(BUILTIN_QUESTIONS, start=1):
        inserted = db.session.execute(
            _insert_or_skip(EvaluationQuestion).values(builtin=key, kind=kind, text="", position=position,
                                               active=True, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["builtin"]).returning(EvaluationQuestion.id)
        ).first()
        added += inserted is not None
    return added


def standard_questions(*, include_retired: bool = False) -> list[EvaluationQuestion]:
    query = select(EvaluationQuestion).where(EvaluationQuestion.course_id.is_(None))
    if not include_retired:
        query = query.where(EvaluationQuestion.active.is_(True))
    return list(db.session.execute(
        query.order_by(EvaluationQuestion.position, EvaluationQuestion.id)).scalars())


def course_own_questions(course_id: int, *, include_retired: bool = False) -> list[EvaluationQuestion]:
    query = select(EvaluationQuestion).where(EvaluationQuestion.course_id == course_id)
    if not include_retired:
        query = query.where(EvaluationQuestion.active.is_(True))
    return list(db.session.execute(
        query.order_by(EvaluationQuestion.position, EvaluationQuestion.id)).scalars())


def excluded_ids(course_id: int) -> set[int]:
    return set(db.session.execute(
        select(CourseQuestionExclusion.question_id).where(CourseQuestionExclusion.course_id == course_id)
    ).scalars())


def questionnaire(course_id: int) -> list[EvaluationQuestion]:
    """What a course asks: the standard questions it keeps, then its own."""
    skipped = excluded_ids(course_id)
    kept = [q for q in standard_questions() if q.id not in skipped]
    return kept + course_own_questions(course_id)


def _next_position(course_id: int | None) -> int:
    where = (EvaluationQuestion.course_id.is_(None) if course_id is None
             else EvaluationQuestion.course_id == course_id)
    return (db.session.execute(select(func.max(EvaluationQuestion.position)).where(where)).scalar() or 0) + 1


def add_question(course_id: int | None, kind: QuestionKind, text: str) -> EvaluationQuestion:
    """A new question for the standard set (course_id None) or for one course."""
    text = text.strip()
    if not text:
        raise EvaluationError(_l("Write the question."))
    question = EvaluationQuestion(course_id=course_id, kind=kind, text=text[:300],
                                  position=_next_position(course_id), active=True)
    db.session.add(question)
    db.session.flush()
    return question


def edit_question(question: EvaluationQuestion, text: str) -> None:
    """Change the wording; an empty text gives a built-in question its original wording back."""
    text = text.strip()
    if not text and not question.builtin:
        raise EvaluationError(_l("Write the question."))
    question.text = text[:300]
    db.session.flush()


def set_question_active(question: EvaluationQuestion, active: bool) -> None:
    """Retire a question (its answers stay in the results) or ask it again."""
    question.active = active
    db.session.flush()


def move_question(question: EvaluationQuestion, step: int) -> None:
    """Swap the question with its neighbour in its set (step -1: up, +1: down)."""
    siblings = (standard_questions(include_retired=True) if question.course_id is None
                else course_own_questions(question.course_id, include_retired=True))
    index = siblings.index(question)
    other = index + step
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, item in enumerate(siblings, start=1):
            item.position = position
        db.session.flush()


def set_standard_question_for_course(course_id: int, question: EvaluationQuestion, asked: bool) -> None:
    """Let a course skip a standard question, or ask it again."""
    if question.course_id is not None:
        raise EvaluationError(_l("Only standard questions can be switched off for a course."))
    exclusion = db.session.get(CourseQuestionExclusion, (course_id, question.id))
    if asked and exclusion is not None:
        db.session.delete(exclusion)
    elif not asked and exclusion is None:
        db.session.add(CourseQuestionExclusion(course_id=course_id, question_id=question.id))
    db.session.flush()


# --- who may answer, and when -----------------------------------------------------------------

def evaluation_days() -> int:
    return int(current_app.config["LMS_EVALUATION_DAYS"])


def last_session_end(cycle_id: int) -> datetime | None:
    return db.session.execute(
        select(func.max(ClassSession.ends_at))
        .where(ClassSession.cycle_id == cycle_id, ClassSession.status != SessionStatus.CANCELLED)
    ).scalar()


def closes_at(cycle: Cycle) -> datetime | None:
    """When answers stop being accepted: LMS_EVALUATION_DAYS after the last session ended."""
    ended = last_session_end(cycle.id)
    return ended + timedelta(days=evaluation_days()) if ended else None


def is_open(cycle: Cycle, now: datetime) -> bool:
    """Open from the moment the cycle is finished until LMS_EVALUATION_DAYS after its last session."""
    closing = closes_at(cycle)
    return cycle.status is CycleStatus.FINISHED and closing is not None and now < closing


def took_part(user_id: int, cycle_id: int) -> bool:
    return db.session.execute(
        select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id,
                                   Enrolment.status.in_(PARTICIPANT))
    ).first() is not None


def has_answered(user_id: int, cycle_id: int) -> bool:
    return db.session.get(EvaluationParticipation, (user_id, cycle_id)) is not None


def check_can_answer(user_id: int, cycle: Cycle, now: datetime) -> None:
    if not took_part(user_id, cycle.id):
        raise EvaluationError(_l("Only the participants of a cycle evaluate it."))
    if not is_open(cycle, now):
        raise EvaluationError(_l("This evaluation is not open."))
    if has_answered(user_id, cycle.id):
        raise EvaluationError(_l("You have already answered this evaluation. Thank you!"))


@dataclass(frozen=True)
class OpenEvaluation:
    cycle: Cycle
    closes_at: datetime


def open_evaluations_for(user_id: int, now: datetime) -> list[OpenEvaluation]:
    """Finished cycles this person took part in and has not evaluated yet, while still open."""
    answered = select(EvaluationParticipation.cycle_id).where(EvaluationParticipation.user_id == user_id)
    cycles = db.session.execute(
        select(Cycle).join(Enrolment, Enrolment.cycle_id == Cycle.id)
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(PARTICIPANT),
               Cycle.status == CycleStatus.FINISHED, Cycle.id.not_in(answered))
    ).scalars().all()
    found = [(cycle, closes_at(cycle)) for cycle in cycles]
    return sorted((OpenEvaluation(cycle, closing) for cycle, closing in found
                   if closing is not None and now < closing), key=lambda e: e.closes_at)


# --- answering ----------------------------------------------------------------------------------

def _clean(questions: list[EvaluationQuestion], raw: dict[int, str]) -> dict[int, tuple[int | None, str | None]]:
    """Answers that fit their questions, as (rating, text); unknown or empty ones are dropped."""
    answers: dict[int, tuple[int | None, str | None]] = {}
    for question in questions:
        value = (raw.get(question.id) or "").strip()
        if not value:
            continue
        if question.kind is QuestionKind.TEXT:
            answers[question.id] = (None, value[:TEXT_LIMIT])
        elif value in {"1", "2", "3", "4", "5"}:
            answers[question.id] = (int(value), None)
        else:
            raise EvaluationError(_l("Choose a value from 1 to 5."))
    if not answers:
        raise EvaluationError(_l("Answer at least one question."))
    return answers


def _record_participation(user_id: int, cycle_id: int) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True only for the first answer of this person in this cycle.

    Not a caught IntegrityError: on PostgreSQL a failed INSERT would abort the transaction.
    """
    inserted = db.session.execute(
        _insert_or_skip(EvaluationParticipation).values(user_id=user_id, cycle_id=cycle_id)
        .on_conflict_do_nothing(index_elements=["user_id", "cycle_id"])
        .returning(EvaluationParticipation.user_id)
    ).first()
    return inserted is not None


def _lock_cycle(cycle_id: int) -> None:
    """Submissions to one cycle take turns (PostgreSQL row lock; SQLite has one writer anyway)."""
    db.session.execute(select(Cycle.id).where(Cycle.id == cycle_id).with_for_update())


def submit_evaluation(user_id: int, cycle: Cycle, raw_answers: dict[int, str], *, now: datetime) -> None:
    """Record that the person answered, and their answers with nothing pointing back at them.

    Both are written in one transaction: either the answer counts and the person is marked as
    having answered, or neither. The participation is inserted first and only once (a second
    submission, even at the same moment from another tab, finds it and is refused).
    """
    questions = questionnaire(cycle.course_id)
    answers = _clean(questions, raw_answers)
    check_can_answer(user_id, cycle, now)
    _lock_cycle(cycle.id)
    if not _record_participation(user_id, cycle.id):
        raise EvaluationError(_l("You have already answered this evaluation. Thank you!"))
    response_id = str(uuid.uuid4())
    db.session.execute(insert(EvaluationResponse).values(id=response_id, cycle_id=cycle.id))
    db.session.execute(insert(EvaluationAnswer), [
        {"response_id": response_id, "question_id": qid, "rating": rating, "text": text}
        for qid, (rating, text) in answers.items()
    ])
    reshuffle_cycle(cycle.id)


def reshuffle_cycle(cycle_id: int) -> None:
    """Re-write the cycle's answer sheets in random order, in this transaction.

    The sheets' ids are random, but the database keeps traces of its own: the order rows were
    stored in (SQLite's rowid, PostgreSQL's heap order, which a dump preserves) and the id of
    the transaction that wrote a row (PostgreSQL's xmin). Each of these would pair the newest
    sheet with the newest participation. Deleting and re-inserting every sheet of the cycle,
    sorted by its random id, leaves all of them with this transaction's traces and no order.
    """
    sheets = db.session.execute(
        select(EvaluationResponse.id).where(EvaluationResponse.cycle_id == cycle_id)
    ).scalars().all()
    rows = db.session.execute(
        select(EvaluationAnswer.response_id, EvaluationAnswer.question_id, EvaluationAnswer.rating,
               EvaluationAnswer.text).where(EvaluationAnswer.response_id.in_(sheets))
    ).all()
    db.session.execute(delete(EvaluationAnswer).where(EvaluationAnswer.response_id.in_(sheets)))
    db.session.execute(delete(EvaluationResponse).where(EvaluationResponse.cycle_id == cycle_id))
    db.session.execute(insert(EvaluationResponse), [{"id": s, "cycle_id": cycle_id} for s in sorted(sheets)])
    ordered = sorted(rows, key=lambda r: (r.response_id, r.question_id))
    if ordered:
        db.session.execute(insert(EvaluationAnswer), [r._asdict() for r in ordered])
    # the participations keep no order worth hiding, but stamp them alike too
    db.session.execute(
        update(EvaluationParticipation).where(EvaluationParticipation.cycle_id == cycle_id)
        .values(cycle_id=cycle_id).execution_options(synchronize_session=False)
    )
