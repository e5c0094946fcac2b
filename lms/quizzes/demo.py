"""Demo data for quizzes: learners who failed, retried and passed, and essays waiting for a trainer."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course, Module
from lms.db_types import utcnow
from lms.extensions import db
from lms.quizzes import service
from lms.quizzes.models import Question, QuestionKind, Quiz


def right_response(question: Question) -> Any:
    """The answer someone who knows everything would give, in the posted shape."""
    spec, kind = question.spec, question.kind
    if kind is QuestionKind.SINGLE:
        return max(spec["options"], key=lambda o: Decimal(o["weight"]))["id"]
    if kind is QuestionKind.MULTIPLE:
        return [o["id"] for o in spec["options"] if Decimal(o["weight"]) > 0]
    if kind is QuestionKind.TRUE_FALSE:
        return "true" if spec["truth"] else "false"
    if kind is QuestionKind.SHORT:
        return max(spec["accepted"], key=lambda a: Decimal(a["weight"]))["shown"]
    if kind is QuestionKind.NUMERIC:
        return max(spec["ranges"], key=lambda r: Decimal(r["weight"]))["low"]
    if kind is QuestionKind.MATCHING:
        return {pair["id"]: pair["answer"] for pair in spec["pairs"]}
    return "Vi räknar deltagare och frågar dem efteråt vad de tar med sig; det visar bidraget till mål 4."


def wrong_response(question: Question) -> Any:
    spec, kind = question.spec, question.kind
    if kind is QuestionKind.SINGLE:
        return min(spec["options"], key=lambda o: Decimal(o["weight"]))["id"]
    if kind is QuestionKind.MULTIPLE:
        return [o["id"] for o in spec["options"] if Decimal(o["weight"]) <= 0]
    if kind is QuestionKind.TRUE_FALSE:
        return "false" if spec["truth"] else "true"
    if kind is QuestionKind.MATCHING:
        return {pair["id"]: "" for pair in spec["pairs"]}
    return "vet inte"


def _quiz(course_slug: str, position: int) -> Quiz | None:
    return db.session.execute(
        select(Quiz).join(Module, Module.id == Quiz.module_id).join(Course, Course.id == Module.course_id)
        .where(Course.slug == course_slug, Module.position == position)
    ).scalar_one_or_none()


def _take(quiz: Quiz, user: User, chooser: Callable[[Question], Any], when, submit: bool = True) -> None:
    attempt = service.start_attempt(quiz, user.id, when)
    questions = service.attempt_questions(attempt)
    service.save_answers(attempt, {q.id: chooser(q) for q in questions}, when)
    if submit:
        service.submit_attempt(attempt, when + timedelta(minutes=6))


def seed_quiz_demo(learner_emails: list[str]) -> None:
    """Learners 1-6 failed once and then passed, 7-9 failed once, 10-12 are mid-attempt."""
    first, reflective = _quiz("agenda-2030", 1), _quiz("agenda-2030", 5)
    learners = db.session.execute(select(User).where(User.email.in_(learner_emails[:15]))).scalars()
    by_email = {u.email: u for u in learners}
    now = utcnow()
    for index, email in enumerate(learner_emails[:15]):
        user = by_email.get(email)
        if user is None or first is None or service.attempts_of(user.id, first.id):
            continue
        when = now - timedelta(days=20 - index)
        if index < 9:
            _take(first, user, wrong_response, when)
        if index < 6:
            _take(first, user, right_response, when + timedelta(days=1))
        elif 9 <= index < 12:
            _take(first, user, right_response, now - timedelta(minutes=5), submit=False)
        if index < 3 and reflective is not None:
            _take(reflective, user, right_response, when + timedelta(days=2))
