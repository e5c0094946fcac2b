"""The sweep: the database finds who has completed, by the same rule as `completion`, issues once,
and a sweep stopped between two batches keeps what it issued and redoes nothing."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceRule, AttendanceStatus, ExcusedPolicy
from lms.catalog.models import ModuleProgress
from lms.certificates import service
from lms.certificates.sweep import completed_seats, sweep
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import CycleStatus, SessionStatus
from tests.certificates.conftest import AFTER_THE_CYCLE, PLANNED_AT
from tests.factories import make_user
from tests.interruptions import killed_after_commits

STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT, None]


def _count() -> int:
    return db.session.execute(select(func.count(Certificate.id))).scalar_one()


def _random_learners(setting, rng: random.Random, count: int) -> list[int]:
    """Learners with every mix of records, modules done and moment of enrolment."""
    sessions = sorted(setting.cycle.sessions, key=lambda s: s.starts_at)
    ids = []
    for n in range(count):
        learner = make_user(name=f"Slump {n}", organisation=setting.organisation)
        enrolled_at = rng.choice([PLANNED_AT, sessions[1].starts_at, sessions[-1].starts_at + timedelta(hours=1)])
        db.session.add(Enrolment(user_id=learner.id, cycle_id=setting.cycle.id, status=EnrolmentStatus.ENROLLED,
                                 requested_at=PLANNED_AT, enrolled_at=enrolled_at))
        for session in sessions:
            status = rng.choice(STATUSES)
            if status is not None:
                db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=status,
                                          method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
        for module in setting.course.modules[:rng.choice([0, 1, 2, 2, 2])]:
            db.session.add(ModuleProgress(user_id=learner.id, module_id=module.id, completed_at=PLANNED_AT))
        ids.append(learner.id)
    db.session.flush()
    return ids


@pytest.mark.parametrize("policy", list(ExcusedPolicy))
@pytest.mark.parametrize("minimum", [0, 60, 80, 100])
def test_the_database_finds_exactly_those_completion_says_have_completed(setting, policy, minimum):
    rng = random.Random(f"{policy.value}-{minimum}")
    learners = _random_learners(setting, rng, 24)
    db.session.add(AttendanceRule(cycle_id=setting.cycle.id, excused_policy=policy))
    setting.cycle.min_attendance_percent = minimum
    sessions = sorted(setting.cycle.sessions, key=lambda s: s.starts_at)
    sessions[2].status = SessionStatus.CANCELLED
    setting.course.modules[1].required = rng.random() < 0.5
    db.session.flush()
    seen = set()
    for now in (sessions[1].starts_at, sessions[3].ends_at, AFTER_THE_CYCLE):
        expected = {(user_id, setting.cycle.id) for user_id in learners
                    if service.completion(user_id, setting.cycle, now).complete}
        assert set(completed_seats(now)) == expected
        seen |= expected
    assert 0 < len(seen) < len(learners), "some have completed, some not"


def test_only_enrolled_learners_of_running_or_finished_cycles_without_a_certificate(setting):
    done = setting.enrol("Anna Berg", attended=5)
    withdrawn = setting.enrol("Gick Ur", attended=5)
    certified = setting.enrol("Har Intyg", attended=5)
    db.session.execute(
        Enrolment.__table__.update().where(Enrolment.user_id == withdrawn.id)
        .values(status=EnrolmentStatus.WITHDRAWN, withdrawn_at=AFTER_THE_CYCLE))
    service.issue_certificate(certified.id, setting.cycle.id, AFTER_THE_CYCLE)
    assert completed_seats(AFTER_THE_CYCLE) == [(done.id, setting.cycle.id)]
    setting.cycle.status = CycleStatus.CANCELLED
    db.session.flush()
    assert completed_seats(AFTER_THE_CYCLE) == []


def test_a_running_cycle_whose_minimum_is_already_met_is_issued(setting):
    sessions = sorted(setting.cycle.sessions, key=lambda s: s.starts_at)
    learner = setting.enrol("Tidig Person", attended=4)
    db.session.execute(Attendance.__table__.delete().where(Attendance.session_id == sessions[4].id))
    db.session.commit()
    assert sweep(sessions[3].ends_at - timedelta(minutes=5)) == 1, "four of five: 80 % whatever comes"
    [certificate] = db.session.execute(select(Certificate)).scalars().all()
    assert certificate.user_id == learner.id


def test_a_sweep_stopped_between_batches_keeps_what_it_issued_and_the_next_issues_the_rest(setting):
    learners = [setting.enrol(f"Klar {n}", attended=5) for n in range(5)]
    setting.enrol("Inte Klar", attended=2)
    db.session.commit()
    with pytest.raises(KeyboardInterrupt):
        sweep(AFTER_THE_CYCLE, after_each=killed_after_commits(2), batch=2)
    db.session.rollback()
    assert _count() == 4, "two batches of two committed"
    assert sweep(AFTER_THE_CYCLE, after_each=db.session.commit, batch=2) == 1
    assert sweep(AFTER_THE_CYCLE, after_each=db.session.commit, batch=2) == 0
    owners = set(db.session.execute(select(Certificate.user_id)).scalars())
    assert owners == {learner.id for learner in learners}
    completed = db.session.execute(select(func.count()).select_from(Enrolment).where(
        Enrolment.status == EnrolmentStatus.COMPLETED)).scalar_one()
    assert completed == 5
