"""The sweep's tick makes as many SQL queries with three times the cycles, seats and records: with
nothing changed, with the same few changes, and the full sweep with nothing to issue
(bench/slow_jobs.py measures the same ticks at ×30)."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from lms.attendance.models import Attendance
from lms.catalog.models import ModuleProgress
from lms.certificates.sweep import PROGRESS_OVERLAP, full_sweep, sweep
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus
from tests.notifications.test_query_counts import NOW, _tick, costs_with_three_times_the_data

CHANGED = 3


def _tick_at(now):
    return lambda _: sweep(now, after_each=db.session.commit)


def _a_few_changes() -> None:
    """A record taken again in each of three running cycles (its note: nobody completes by it) and
    three learners of running cycles marking a module done again (new progress ids)."""
    records = db.session.execute(
        select(func.min(Attendance.id)).join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(Cycle, Cycle.id == ClassSession.cycle_id).where(Cycle.status == CycleStatus.PUBLISHED)
        .group_by(Cycle.id).order_by(Cycle.id).limit(CHANGED)).scalars().all()
    db.session.execute(update(Attendance).where(Attendance.id.in_(records)).values(note="Sen."))
    progress = db.session.execute(
        select(ModuleProgress.user_id, ModuleProgress.module_id)
        .join(Enrolment, Enrolment.user_id == ModuleProgress.user_id).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .where(Cycle.status == CycleStatus.PUBLISHED, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(ModuleProgress.id).limit(CHANGED)).all()
    assert len(records) == len(progress) == CHANGED
    for user_id, module_id in progress:
        db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                         ModuleProgress.module_id == module_id))
        db.session.execute(insert(ModuleProgress).values(user_id=user_id, module_id=module_id, completed_at=NOW))
    db.session.commit()


def _costs() -> dict[str, int]:
    start = NOW - 3 * PROGRESS_OVERLAP
    _tick(lambda now: full_sweep(now, after_each=db.session.commit), start)  # catches up, writes every mark
    for steps in (1, 2, 3):
        _tick(_tick_at(start + steps * PROGRESS_OVERLAP), None)
    costs = {}
    statements, issued = _tick(_tick_at(NOW + timedelta(minutes=15)), None)
    assert issued == 0
    costs["tick, nothing changed"] = len(statements)
    _a_few_changes()
    statements, issued = _tick(_tick_at(NOW + timedelta(minutes=30)), None)
    assert issued == 0
    costs[f"tick, {CHANGED} cycles and {CHANGED} learners changed"] = len(statements)
    statements, issued = _tick(lambda now: full_sweep(now, after_each=db.session.commit),
                               NOW + timedelta(minutes=45))
    assert issued == 0
    costs["full sweep, nothing to issue"] = len(statements)
    return costs


@pytest.mark.config(LMS_ARGON2_TIME_COST=1)
def test_the_tick_makes_as_many_queries_with_three_times_the_cycles(app):
    small, larger = costs_with_three_times_the_data(_costs)
    assert larger == small
    assert small["tick, nothing changed"] == 3, "the state with the newest progress id, the cycles, the state"
    assert small[f"tick, {CHANGED} cycles and {CHANGED} learners changed"] == 5, "…, the seats, the marks, …"
