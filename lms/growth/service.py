"""Self-assessments: which phase is open for a learner's cycle, the form's competences, saving answers.

Plain functions on plain values; callers commit. The phases of a cycle, from its sessions:
*before* from enrolment until the last session begins, *after* from the last session's start until
`AFTER_DAYS` after its end, *later* from `LATER_DAYS` after the end for `LATER_OPEN_DAYS` (the
scheduler invites once, lms/growth/invitations.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from lms.catalog.framework_models import Competence, CourseCompetence
from lms.core.unit_of_work import DomainError
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.growth.models import LEVELS, Phase, SelfAssessment, SelfAssessmentAnswer
from lms.planning.models import ClassSession, Cycle, SessionStatus

AFTER_DAYS = 90
LATER_DAYS = 182
LATER_OPEN_DAYS = 90
PARTICIPANT = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class GrowthError(DomainError):
    """A self-assessment that cannot be saved; the message is for the learner."""


@dataclass(frozen=True)
class Span:
    last_start: datetime
    last_end: datetime


def open_phase(span: Span | None, now: datetime) -> Phase | None:
    """The phase a cycle's self-assessment is open for at `now`, or None between and after them."""
    if span is None or now < span.last_start:
        return Phase.BEFORE
    if now <= span.last_end + timedelta(days=AFTER_DAYS):
        return Phase.AFTER
    later = span.last_end + timedelta(days=LATER_DAYS)
    if later <= now <= later + timedelta(days=LATER_OPEN_DAYS):
        return Phase.LATER
    return None


def spans(cycle_ids: list[int]) -> dict[int, Span]:
    """Each cycle's last live session (start, end), in one query."""
    if not cycle_ids:
        return {}
    rows = db.session.execute(
        select(ClassSession.cycle_id, func.max(ClassSession.starts_at), func.max(ClassSession.ends_at))
        .where(ClassSession.cycle_id.in_(cycle_ids), ClassSession.status != SessionStatus.CANCELLED)
        .group_by(ClassSession.cycle_id)
    ).all()
    return {cycle_id: Span(start, end) for cycle_id, start, end in rows}


def course_competences(course_ids: list[int]) -> dict[int, list[Competence]]:
    """The live competences each course builds, in framework order, in one query."""
    result: dict[int, list[Competence]] = {course_id: [] for course_id in course_ids}
    if not course_ids:
        return result
    for course_id, competence in db.session.execute(
        select(CourseCompetence.course_id, Competence).join(Competence)
        .where(CourseCompetence.course_id.in_(course_ids), Competence.retired.is_(False))
        .order_by(Competence.framework_id, Competence.position)
    ).all():
        result[course_id].append(competence)
    return result


@dataclass
class MyCycle:
    cycle: Cycle
    phase: Phase | None
    competences: list[Competence]
    #: phase value → competence id → level (None: "don't know")
    answers: dict[str, dict[int, int | None]] = field(default_factory=dict)

    @property
    def can_answer(self) -> bool:
        return self.phase is not None and bool(self.competences)

    @property
    def answered_now(self) -> bool:
        return self.phase is not None and self.phase.value in self.answers


def my_cycles(user_id: int, now: datetime) -> list[MyCycle]:
    """The learner's cycles with a mapped course: open phase, competences and own answers (4 queries)."""
    cycles = db.session.execute(
        select(Cycle).join(Enrolment, Enrolment.cycle_id == Cycle.id).options(joinedload(Cycle.course))
        .where(Enrolment.user_id == user_id, Enrolment.status.in_(PARTICIPANT))
        .order_by(Cycle.first_date.desc(), Cycle.id)
    ).scalars().all()
    competences = course_competences(sorted({c.course_id for c in cycles}))
    span_of = spans([c.id for c in cycles])
    mine = [MyCycle(c, open_phase(span_of.get(c.id), now), competences[c.course_id])
            for c in cycles if competences[c.course_id]]
    by_cycle = {m.cycle.id: m for m in mine}
    for cycle_id, phase, competence_id, level in db.session.execute(
        select(SelfAssessment.cycle_id, SelfAssessment.phase, SelfAssessmentAnswer.competence_id,
               SelfAssessmentAnswer.level)
        .join(SelfAssessmentAnswer).where(SelfAssessment.user_id == user_id)
    ).all():
        if cycle_id in by_cycle:
            by_cycle[cycle_id].answers.setdefault(phase, {})[competence_id] = level
    return mine


def my_cycle(user_id: int, cycle_id: int, now: datetime) -> MyCycle | None:
    return next((m for m in my_cycles(user_id, now) if m.cycle.id == cycle_id), None)


def save_assessment(user_id: int, cycle_id: int, levels: dict[int, int | None], now: datetime) -> SelfAssessment:
    """Save (or replace) the learner's answers for the phase open now; flushes."""
    mine = my_cycle(user_id, cycle_id, now)
    if mine is None:
        raise GrowthError(_l("You do not take part in this cycle, or its course has no competences to assess."))
    if mine.phase is None:
        raise GrowthError(_l("The self-assessment of this cycle is not open now."))
    wanted = {c.id for c in mine.competences}
    if set(levels) != wanted or any(level is not None and level not in LEVELS for level in levels.values()):
        raise GrowthError(_l("Answer every statement, or choose \"Don't know\"."))
    assessment = db.session.execute(select(SelfAssessment).where(
        SelfAssessment.user_id == user_id, SelfAssessment.cycle_id == cycle_id,
        SelfAssessment.phase == mine.phase.value)).scalar_one_or_none()
    if assessment is None:
        assessment = SelfAssessment(user_id=user_id, cycle_id=cycle_id, phase=mine.phase.value)
        db.session.add(assessment)
    assessment.submitted_at = now
    assessment.answers = [SelfAssessmentAnswer(competence_id=cid, level=level) for cid, level in levels.items()]
    db.session.flush()
    return assessment


def erase_answers(user_id: int) -> int:
    """Remove every self-assessment of a person (erasure): they leave every aggregate."""
    mine = select(SelfAssessment.id).where(SelfAssessment.user_id == user_id).scalar_subquery()
    db.session.execute(delete(SelfAssessmentAnswer).where(SelfAssessmentAnswer.assessment_id.in_(mine)))
    return db.session.execute(delete(SelfAssessment).where(SelfAssessment.user_id == user_id)).rowcount or 0
