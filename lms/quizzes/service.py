"""Attempts: start or resume, save answers as they come, submit once, grade on the server.

Services take plain values (ids, dicts of responses, `now`) and never commit; views do.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import events
from lms.catalog.models import Module
from lms.catalog.service import mark_module_done
from lms.events import EventKind
from lms.extensions import db
from lms.quizzes.grading import grade
from lms.core.unit_of_work import DomainError
from lms.quizzes.models import (
    AttemptAnswer, AttemptStatus, FeedbackPolicy, Question, QuestionKind, Quiz, QuizAttempt,
)

GRACE = timedelta(seconds=30)
MAX_TEXT = {QuestionKind.SHORT: 500, QuestionKind.NUMERIC: 50, QuestionKind.ESSAY: 10000}


class QuizError(DomainError):
    """A request about an attempt that cannot be carried out; the message is for the learner."""


class InvalidAnswer(DomainError):
    """One posted answer does not fit its question (unknown option, wrong shape, too long)."""

    status = 422


@dataclass
class SaveResult:
    saved: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def quiz_for_module(module_id: int) -> Quiz | None:
    return db.session.execute(
        select(Quiz).options(selectinload(Quiz.questions)).where(Quiz.module_id == module_id)
    ).scalar_one_or_none()


def attempts_of(user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(db.session.execute(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
        .order_by(QuizAttempt.number)
    ).scalars())


def attempts_left(quiz: Quiz, attempts: list[QuizAttempt]) -> int | None:
    """None means unlimited."""
    if not quiz.attempts_allowed:
        return None
    return max(0, quiz.attempts_allowed - len(attempts))


def start_attempt(quiz: Quiz, user_id: int, now: datetime, rng: random.Random | None = None) -> QuizAttempt:
    """Resume the attempt in progress, or start the next one if attempts remain."""
    attempts = attempts_of(user_id, quiz.id)
    open_attempt = next((a for a in attempts if a.status is AttemptStatus.IN_PROGRESS), None)
    if open_attempt is not None:
        if not is_expired(open_attempt, now):
            return open_attempt
        submit_attempt(open_attempt, now)
    if attempts_left(quiz, attempts) == 0:
        raise QuizError(_l("You have used every attempt at this quiz."))
    if not quiz.current_questions:
        raise QuizError(_l("This quiz has no questions."))
    attempt = QuizAttempt(
        quiz_id=quiz.id, user_id=user_id, number=len(attempts) + 1, started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
        layout=_draw_layout(quiz, rng or random.SystemRandom()),
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # another request started this attempt number at the same moment: resume that one
        return next(a for a in attempts_of(user_id, quiz.id) if a.status is AttemptStatus.IN_PROGRESS)
    return attempt


def _draw_layout(quiz: Quiz, rng: random.Random) -> list[dict[str, Any]]:
    """Which questions, in which order, and each question's option order: fixed for the attempt."""
    questions = list(quiz.current_questions)
    if quiz.shuffle:
        rng.shuffle(questions)
    if quiz.draw_count:
        questions = questions[: quiz.draw_count]
    layout = []
    for question in questions:
        entry: dict[str, Any] = {"question": question.id}
        options = _option_ids(question)
        if options:
            if quiz.shuffle:
                rng.shuffle(options)
            entry["options"] = options
        layout.append(entry)
    return layout


def _option_ids(question: Question) -> list[str]:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [option["id"] for option in question.spec["options"]]
    if question.kind is QuestionKind.MATCHING:
        return [choice["id"] for choice in question.spec["choices"]]
    return []


def is_expired(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def attempt_questions(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in its own order (retired questions included: they were asked)."""
    questions = {q.id: q for q in db.session.execute(
        select(Question).where(Question.id.in_(attempt.question_ids))).scalars()}
    return [questions[qid] for qid in attempt.question_ids if qid in questions]


def clean_response(question: Question, raw: Any) -> Any:
    """The posted answer in its stored shape, or InvalidAnswer saying what is wrong with it."""
    kind = question.kind
    if kind in MAX_TEXT:
        if not isinstance(raw, str):
            raise InvalidAnswer("expected text")
        if len(raw) > MAX_TEXT[kind]:
            raise InvalidAnswer(f"longer than {MAX_TEXT[kind]} characters")
        return raw.strip()
    if kind is QuestionKind.TRUE_FALSE:
        if raw not in ("true", "false"):
            raise InvalidAnswer("expected true or false")
        return raw == "true"
    options = set(_option_ids(question))
    if kind is QuestionKind.SINGLE:
        if raw not in options:
            raise InvalidAnswer("unknown option")
        return raw
    if kind is QuestionKind.MULTIPLE:
        chosen = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(c, str) and c in options for c in chosen):
            raise InvalidAnswer("unknown option")
        return sorted(set(chosen))
    if kind is QuestionKind.MATCHING:
        pairs = {pair["id"] for pair in question.spec["pairs"]}
        if not isinstance(raw, dict) or not set(raw) <= pairs:
            raise InvalidAnswer("unknown pair")
        if not all(isinstance(v, str) and (v in options or v == "") for v in raw.values()):
            raise InvalidAnswer("unknown option")
        return {pair: choice for pair, choice in raw.items() if choice}
    raise InvalidAnswer("unknown question kind")


def save_answers(attempt: QuizAttempt, responses: dict[int, Any], now: datetime) -> SaveResult:
    """Store answers for questions of this attempt; others are refused, never an error page.

    The attempt is claimed first by a conditional UPDATE (still in progress, checked by its row
    count), which holds its row until commit: a second request for the same attempt (a
    double-clicked Submit) waits, then finds it submitted and gets QuizError, instead of adding
    the same answers again and failing on UNIQUE(attempt, question).
    """
    if attempt.status is not AttemptStatus.IN_PROGRESS or not _claim(attempt):
        raise QuizError(_l("This attempt is already submitted."))
    if is_expired(attempt, now):
        raise QuizError(_l("The time is up: answers given after the time limit are not counted."))
    result = SaveResult()
    questions = {q.id: q for q in attempt_questions(attempt)}
    existing = {a.question_id: a for a in attempt.answers}
    for question_id, raw in responses.items():
        question = questions.get(question_id)
        if question is None:
            result.refused[question_id] = "not a question of this attempt"
            continue
        try:
            value = clean_response(question, raw)
        except InvalidAnswer as error:
            result.refused[question_id] = str(error)
            continue
        answer = existing.get(question_id)
        if answer is None:
            answer = AttemptAnswer(attempt=attempt, question_id=question_id, response=value)
            db.session.add(answer)
            existing[question_id] = answer
        answer.response = value
        answer.saved_at = now
        result.saved.append(question_id)
    db.session.flush()
    return result


def _claim(attempt: QuizAttempt) -> bool:
    """Lock the attempt's row if it is still in progress (as the database sees it now), reloaded."""
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.IN_PROGRESS)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    db.session.expire(attempt, ["answers"])
    return claimed == 1


def _is_blank(response: Any) -> bool:
    if response is None or response == "":
        return True
    if isinstance(response, (list, tuple)):
        return all(_is_blank(item) for item in response)
    if isinstance(response, dict):
        return all(_is_blank(item) for item in response.values())
    return False


def unanswered_count(attempt: QuizAttempt) -> int:
    """How many of the attempt's questions have no answer saved (blank answers count as none)."""
    answered = {a.question_id for a in attempt.answers if not _is_blank(a.response)}
    return sum(1 for question_id in attempt.question_ids if question_id not in answered)


def submit_attempt(attempt: QuizAttempt, now: datetime) -> bool:
    """Grade the attempt once: True for the request that submitted it, False for any later one."""
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.NEEDS_GRADING, submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if claimed != 1:
        return False
    questions = {q.id: q for q in attempt_questions(attempt)}
    for answer in attempt.answers:
        question = questions[answer.question_id]
        answer.fraction = grade(question.kind, question.spec, answer.response)
    answered = {a.question_id for a in attempt.answers}
    for question_id in attempt.question_ids:
        if question_id not in answered:
            db.session.add(AttemptAnswer(attempt=attempt, question_id=question_id, response=None,
                                         fraction=Decimal(0), saved_at=now))
    db.session.flush()
    _settle(attempt, questions, now)
    return True


def _settle(attempt: QuizAttempt, questions: dict[int, Question], now: datetime) -> None:
    """Score and pass once every answer is graded; a pass completes the module and is an event of
    its own (a refresher quiz renews a certificate with it, lms/certificates/quiz_renewals.py)."""
    fractions = {a.question_id: a.fraction for a in attempt.answers}
    if any(fractions.get(qid) is None for qid in attempt.question_ids):
        attempt.status = AttemptStatus.NEEDS_GRADING
        return
    total = sum((fractions.get(qid) or Decimal(0) for qid in attempt.question_ids), Decimal(0))
    attempt.score = (Decimal(100) * total / len(attempt.question_ids)).quantize(Decimal("0.01"))
    attempt.passed = attempt.score >= attempt.quiz.pass_mark
    attempt.status = AttemptStatus.GRADED
    if attempt.passed:
        mark_module_done(attempt.user_id, db.session.get(Module, attempt.quiz.module_id))
        events.record(EventKind.QUIZ_PASSED, attempt_id=attempt.id, user_id=attempt.user_id, now=now)


def grade_essay(answer: AttemptAnswer, points: Decimal, feedback: str, grader_id: int, now: datetime) -> None:
    """A trainer's grade for an essay, 0..1 of the question's point, with feedback to the learner."""
    if answer.question.kind is not QuestionKind.ESSAY:
        raise QuizError(_l("Only essays are graded by hand."))
    if not Decimal(0) <= points <= Decimal(1):
        raise QuizError(_l("Give between 0 and 1 point."))
    if answer.attempt.status is AttemptStatus.IN_PROGRESS:
        raise QuizError(_l("The attempt is not submitted yet."))
    answer.fraction = points
    answer.grader_feedback = feedback.strip()[:5000] or None
    answer.graded_by_id = grader_id
    answer.graded_at = now
    db.session.flush()
    attempt = answer.attempt
    _settle(attempt, {q.id: q for q in attempt_questions(attempt)}, now)


def feedback_visible(attempt: QuizAttempt, attempts: list[QuizAttempt]) -> bool:
    """Whether per-question feedback and right answers may be shown for this submitted attempt."""
    if attempt.status is AttemptStatus.IN_PROGRESS:
        return False
    policy = attempt.quiz.feedback_policy
    if policy is FeedbackPolicy.NEVER:
        return False
    if policy is FeedbackPolicy.AFTER_LAST_ATTEMPT:
        return bool(attempt.passed) or attempts_left(attempt.quiz, attempts) == 0
    return True


def module_has_quiz(module: Module) -> bool:
    return bool(module.quiz_file)


def best_attempt(attempts: list[QuizAttempt]) -> QuizAttempt | None:
    graded = [a for a in attempts if a.score is not None]
    return max(graded, key=lambda a: a.score, default=None)


def _essays_waiting(columns, quiz_ids: Select | None) -> Select:  # type: ignore[no-untyped-def]
    query = (
        select(columns).select_from(AttemptAnswer)
        .join(AttemptAnswer.question).join(AttemptAnswer.attempt)
        .where(Question.kind == QuestionKind.ESSAY, AttemptAnswer.fraction.is_(None),
               QuizAttempt.status == AttemptStatus.NEEDS_GRADING)
    )
    return query if quiz_ids is None else query.where(Question.quiz_id.in_(quiz_ids))


def essays_awaiting_grading(quiz_ids: Select | None = None) -> list[AttemptAnswer]:
    """Essays still to grade (in the quizzes `quiz_ids` selects, or in all), the earliest handed in first."""
    return list(db.session.execute(
        _essays_waiting(AttemptAnswer, quiz_ids)
        .options(selectinload(AttemptAnswer.attempt).selectinload(QuizAttempt.user),
                 selectinload(AttemptAnswer.question).selectinload(Question.quiz).selectinload(Quiz.module))
        .order_by(QuizAttempt.submitted_at)
    ).scalars())


def essays_awaiting_grading_count(quiz_ids: Select) -> int:
    return db.session.execute(_essays_waiting(func.count(AttemptAnswer.id), quiz_ids)).scalar_one()


def attempt_count(quiz_id: int) -> int:
    return db.session.execute(select(func.count(QuizAttempt.id)).where(QuizAttempt.quiz_id == quiz_id)).scalar_one()
