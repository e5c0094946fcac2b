"""Results and per-question statistics for trainers and coordinators."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.core.exports import safe_cell
from lms.extensions import db
from lms.quizzes.models import AttemptAnswer, AttemptStatus, Question, QuestionKind, Quiz, QuizAttempt

TAG = re.compile(r"<[^>]+>")


@dataclass
class QuestionStats:
    question: Question
    answered: int
    correct: int
    most_chosen_wrong: str | None

    @property
    def share_correct(self) -> int | None:
        return round(100 * self.correct / self.answered) if self.answered else None


@dataclass
class LearnerResult:
    user: User
    attempts: int
    best_score: Decimal | None
    passed: bool
    awaiting_grading: bool


def _submitted_attempts(quiz: Quiz, user_ids: Iterable[int] | None) -> list[QuizAttempt]:
    query = (select(QuizAttempt)
             .options(selectinload(QuizAttempt.answers), selectinload(QuizAttempt.user))
             .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.status != AttemptStatus.IN_PROGRESS)
             .order_by(QuizAttempt.user_id, QuizAttempt.number))
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(list(user_ids)))
    return list(db.session.execute(query).scalars())


def learner_results(quiz: Quiz, user_ids: Iterable[int] | None = None) -> list[LearnerResult]:
    by_user: dict[int, list[QuizAttempt]] = {}
    for attempt in _submitted_attempts(quiz, user_ids):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    results = []
    for attempts in by_user.values():
        scores = [a.score for a in attempts if a.score is not None]
        results.append(LearnerResult(
            user=attempts[0].user, attempts=len(attempts), best_score=max(scores, default=None),
            passed=any(a.passed for a in attempts),
            awaiting_grading=any(a.status is AttemptStatus.NEEDS_GRADING for a in attempts),
        ))
    return sorted(results, key=lambda r: r.user.name)


def question_statistics(quiz: Quiz, user_ids: Iterable[int] | None = None) -> list[QuestionStats]:
    answers: dict[int, list[AttemptAnswer]] = {}
    for attempt in _submitted_attempts(quiz, user_ids):
        for answer in attempt.answers:
            answers.setdefault(answer.question_id, []).append(answer)
    stats = []
    for question in sorted(quiz.questions, key=lambda q: (q.retired, q.position)):
        given = [a for a in answers.get(question.id, []) if a.fraction is not None]
        if question.retired and not given:
            continue
        wrong = [a.response for a in given if a.fraction < 1 and a.response is not None]
        stats.append(QuestionStats(
            question=question, answered=len(given), correct=sum(1 for a in given if a.fraction == 1),
            most_chosen_wrong=_most_common_wrong(question, wrong),
        ))
    return stats


def _most_common_wrong(question: Question, responses: list[Any]) -> str | None:
    counts: Counter[str] = Counter()
    spec = question.spec
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        labels = {o["id"]: _text(o["html"]) for o in spec["options"] if Decimal(o["weight"]) <= 0}
        for response in responses:
            for option in (response if isinstance(response, list) else [response]):
                if option in labels:
                    counts[labels[option]] += 1
    elif question.kind is QuestionKind.MATCHING:
        choices = {c["id"]: _text(c["html"]) for c in spec["choices"]}
        pairs = {p["id"]: p for p in spec["pairs"]}
        for response in responses:
            for pair_id, choice in (response or {}).items():
                pair = pairs.get(pair_id)
                if pair and choice != pair["answer"]:
                    counts[f"{_text(pair['html'])} → {choices.get(choice, '?')}"] += 1
    elif question.kind is QuestionKind.TRUE_FALSE:
        counts.update("true" if r else "false" for r in responses)
    elif question.kind is not QuestionKind.ESSAY:
        counts.update(" ".join(str(r).split())[:80] for r in responses if str(r).strip())
    return counts.most_common(1)[0][0] if counts else None


def _text(html: str) -> str:
    return TAG.sub("", html).strip()


def results_csv(quiz: Quiz, user_ids: Iterable[int] | None = None, language: str = "en") -> str:
    """One row per learner; cells that a spreadsheet would run as a formula are defused."""
    from lms.core.exports import Sheet, to_csv

    rows = [[result.user.name, result.user.email, result.attempts,
             "" if result.best_score is None else result.best_score,
             "yes" if result.passed else "no", "yes" if result.awaiting_grading else "no"]
            for result in learner_results(quiz, user_ids)]
    header = ["name", "email", "attempts", "best_score_percent", "passed", "awaiting_grading"]
    return to_csv([Sheet("quiz", header, rows)], language)

