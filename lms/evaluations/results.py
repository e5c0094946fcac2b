"""Results of evaluations: per cycle, per course and per trainer, in a fixed number of queries.

Results of fewer than LMS_EVALUATION_MIN_RESPONSES answer sheets are not shown: with two
answers in a cycle of two, "anonymous" means little.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.enrolment.models import Enrolment
from lms.evaluations.models import (
    OVERALL, EvaluationAnswer, EvaluationParticipation, EvaluationQuestion, EvaluationResponse,
    QuestionKind,
)
from lms.evaluations.service import PARTICIPANT
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus, CycleTrainer


def min_responses() -> int:
    return int(current_app.config["LMS_EVALUATION_MIN_RESPONSES"])


@dataclass
class QuestionResult:
    question: EvaluationQuestion
    counts: dict[int, int] = field(default_factory=lambda: {v: 0 for v in range(1, 6)})
    texts: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.counts.values()) if self.question.kind is QuestionKind.RATING else len(self.texts)

    @property
    def average(self) -> float | None:
        total = sum(self.counts.values())
        return round(sum(v * n for v, n in self.counts.items()) / total, 1) if total else None

    def share(self, value: int) -> int:
        total = sum(self.counts.values())
        return round(100 * self.counts[value] / total) if total else 0


@dataclass
class Results:
    responses: int
    participants: int
    questions: list[QuestionResult]
    shown: bool

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.responses / self.participants) if self.participants else None


def response_counts(cycle_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(EvaluationResponse.cycle_id, func.count(EvaluationResponse.id))
        .where(EvaluationResponse.cycle_id.in_(cycle_ids)).group_by(EvaluationResponse.cycle_id)
    ).all()
    counts = dict(rows)
    return {cycle_id: counts.get(cycle_id, 0) for cycle_id in cycle_ids}


def participant_counts(cycle_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Enrolment.cycle_id, func.count(Enrolment.id))
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status.in_(PARTICIPANT))
        .group_by(Enrolment.cycle_id)
    ).all()
    counts = dict(rows)
    return {cycle_id: counts.get(cycle_id, 0) for cycle_id in cycle_ids}


def results_for(cycle_ids: list[int]) -> Results:
    """Every question answered in these cycles, with the distribution of ratings and the texts."""
    responses = sum(response_counts(cycle_ids).values())
    participants = sum(participant_counts(cycle_ids).values())
    if responses < min_responses():
        return Results(responses, participants, [], shown=False)
    answers = db.session.execute(
        select(EvaluationAnswer.question_id, EvaluationAnswer.rating, EvaluationAnswer.text)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(EvaluationResponse.cycle_id.in_(cycle_ids))
        # ordered by the random sheet id: free texts come in no telling order
        .order_by(EvaluationAnswer.response_id)
    ).all()
    question_ids = {a.question_id for a in answers}
    questions = db.session.execute(
        select(EvaluationQuestion).where(EvaluationQuestion.id.in_(question_ids))
    ).scalars().all()
    by_id = {q.id: QuestionResult(q) for q in questions}
    for answer in answers:
        result = by_id[answer.question_id]
        if answer.rating is not None:
            result.counts[answer.rating] += 1
        elif answer.text:
            result.texts.append(answer.text)
    ordered = sorted(by_id.values(), key=lambda r: (r.question.course_id is not None, r.question.position,
                                                    r.question.id))
    return Results(responses, participants, ordered, shown=True)


@dataclass(frozen=True)
class CycleSummary:
    cycle: Cycle
    participants: int
    responses: int
    overall: float | None  # the average of the standard "overall" question, when shown


def overall_averages(cycle_ids: list[int]) -> dict[int, float | None]:
    """The average "overall" rating per cycle, where enough sheets came in."""
    counts = response_counts(cycle_ids)
    shown = [cid for cid, n in counts.items() if n >= min_responses()]
    rows = db.session.execute(
        select(EvaluationResponse.cycle_id, func.avg(EvaluationAnswer.rating))
        .join(EvaluationAnswer, EvaluationAnswer.response_id == EvaluationResponse.id)
        .join(EvaluationQuestion, EvaluationQuestion.id == EvaluationAnswer.question_id)
        .where(EvaluationResponse.cycle_id.in_(shown), EvaluationQuestion.builtin == OVERALL)
        .group_by(EvaluationResponse.cycle_id)
    ).all() if shown else []
    averages = {cid: round(float(avg), 1) for cid, avg in rows if avg is not None}
    return {cid: averages.get(cid) for cid in cycle_ids}


def summaries(cycles: list[Cycle]) -> list[CycleSummary]:
    ids = [c.id for c in cycles]
    participants, responses, overall = participant_counts(ids), response_counts(ids), overall_averages(ids)
    return [CycleSummary(c, participants[c.id], responses[c.id], overall[c.id]) for c in cycles]


def evaluated_cycles(*, course_id: int | None = None, trainer_id: int | None = None) -> list[Cycle]:
    """Finished cycles, newest first, with course and trainers loaded; filtered by course or trainer."""
    query = (select(Cycle).options(joinedload(Cycle.course))
             .where(Cycle.status == CycleStatus.FINISHED)
             .order_by(Cycle.first_date.desc(), Cycle.id.desc()))
    if course_id is not None:
        query = query.where(Cycle.course_id == course_id)
    if trainer_id is not None:
        query = query.where(Cycle.id.in_(select(CycleTrainer.cycle_id).where(CycleTrainer.user_id == trainer_id)))
    return list(db.session.execute(query).scalars())


def answered_count(cycle_id: int) -> int:
    """How many people answered (from the participations: no link to what they answered)."""
    return db.session.execute(
        select(func.count()).select_from(EvaluationParticipation)
        .where(EvaluationParticipation.cycle_id == cycle_id)
    ).scalar_one()


def course_ratings(course_ids: list[int]) -> dict[int, tuple[float | None, int]]:
    """For each course: the overall average of its last evaluated cycle, and that cycle's sheets."""
    cycles = db.session.execute(
        select(Cycle).where(Cycle.course_id.in_(course_ids), Cycle.status == CycleStatus.FINISHED)
        .order_by(Cycle.first_date.desc(), Cycle.id.desc())
    ).scalars().all()
    latest: dict[int, Cycle] = {}
    for cycle in cycles:
        latest.setdefault(cycle.course_id, cycle)
    ids = [c.id for c in latest.values()]
    averages, counts = overall_averages(ids), response_counts(ids)
    found: dict[int, tuple[float | None, int]] = defaultdict(lambda: (None, 0))
    for course_id, cycle in latest.items():
        found[course_id] = (averages[cycle.id], counts[cycle.id])
    return {course_id: found[course_id] for course_id in course_ids}
