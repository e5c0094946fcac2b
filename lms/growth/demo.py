"""Demo self-assessments: before and after for the participants of every demo cycle of a mapped
course (before only while it runs), with growth that differs by course and competence, some
"don't know", and a few who skipped the optional form. Running it twice changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.db_types import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.growth.models import Phase, SelfAssessment, SelfAssessmentAnswer
from lms.growth.service import LATER_DAYS, PARTICIPANT, course_competences, open_phase, spans
from lms.planning.models import Cycle


def _level(user_id: int, competence_id: int) -> int:
    return 1 + (user_id * 7 + competence_id * 3) % 3  # 1-3: most come in unsure


def _growth(course_id: int, competence_id: int, user_id: int) -> int:
    """Mostly 0-2 steps up, more for some competences of a course; now and then one down."""
    base = 2 if (course_id + competence_id) % 3 == 0 else 1
    if (user_id + competence_id) % 10 == 0:
        return -1  # felt surer before the course than after it
    return base - 1 + (user_id * 5 + competence_id) % 3


def _answer(assessment: SelfAssessment, competence_id: int, level: int, user_id: int) -> None:
    unsure = (user_id * 3 + competence_id + assessment.cycle_id) % 17 == 0
    assessment.answers.append(SelfAssessmentAnswer(competence_id=competence_id, level=None if unsure else level))


def _assessment(user_id: int, cycle: Cycle, phase: Phase, when, levels: dict[int, int]) -> None:  # type: ignore[no-untyped-def]
    assessment = SelfAssessment(user_id=user_id, cycle_id=cycle.id, phase=phase.value, submitted_at=when)
    for competence_id, level in levels.items():
        _answer(assessment, competence_id, level, user_id)
    db.session.add(assessment)


def seed_growth_demo() -> None:
    if db.session.execute(select(SelfAssessment.id).limit(1)).first():
        return
    now = utcnow()
    rows = db.session.execute(
        select(Enrolment.user_id, Cycle).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .where(Enrolment.status.in_(PARTICIPANT)).order_by(Cycle.id, Enrolment.user_id)
    ).all()
    cycles = {cycle.id: cycle for _, cycle in rows}
    competences = course_competences(sorted({c.course_id for c in cycles.values()}))
    span_of = spans(list(cycles))
    for user_id, cycle in rows:
        mapped = competences[cycle.course_id]
        if not mapped or (user_id + cycle.id) % 9 == 0:  # the form is optional: some never fill it in
            continue
        span = span_of.get(cycle.id)
        before = {c.id: _level(user_id, c.id) for c in mapped}
        _assessment(user_id, cycle, Phase.BEFORE, span.last_start - timedelta(days=30) if span else now, before)
        if span is None or open_phase(span, now) is Phase.BEFORE or (user_id + cycle.id) % 8 == 0:
            continue
        after = {cid: min(5, max(1, level + _growth(cycle.course_id, cid, user_id))) for cid, level in before.items()}
        _assessment(user_id, cycle, Phase.AFTER, min(now, span.last_end + timedelta(days=1)), after)
        if span.last_end + timedelta(days=LATER_DAYS) <= now:  # six months on, a little has faded for some
            later = {cid: max(1, level - (user_id + cid) % 2) for cid, level in after.items()}
            _assessment(user_id, cycle, Phase.LATER, span.last_end + timedelta(days=LATER_DAYS + 3), later)
    db.session.flush()
