"""The learners-at-risk list counts records in SQL (`at_risk`) or rolls up loaded records in Python
(`lms.reports.roll_ups.roll_up`, the dashboard's page of cycles); both must agree with the rule applied to each
learner's own records (lms.attendance.service.attendance_summary) in every situation."""
import random
from datetime import date

import pytest

from lms.attendance import queries, service
from lms.attendance.kept import KeptPerCycle
from lms.attendance.models import AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.extensions import db
from lms.planning.service import cancel_session
from lms.reports.roll_ups import roll_up
from tests.attendance.conftest import BEFORE, enrol_at, minutes
from tests.factories import make_cycle, make_user

STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT, None]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("policy", list(ExcusedPolicy))
def test_the_list_agrees_with_each_learners_own_summary(app, seed, policy):
    chance = random.Random(seed)
    trainer = make_user(roles=["trainer"])
    cycle = make_cycle(first_date=date(2030, 1, 8), sessions=8, trainers=[trainer], capacity=20, now=BEFORE)
    sessions = list(cycle.sessions)
    cancel_session(sessions[chance.randrange(8)], actor_id=None, now=BEFORE)
    service.set_excused_policy(cycle, policy, actor_id=trainer.id, now=BEFORE)
    learners = [make_user(name=f"Deltagare {n}") for n in range(14)]
    for learner in learners:
        # most take their seat before the cycle, some join after one or more sessions
        joined = BEFORE if chance.random() < 0.6 else sessions[chance.randrange(1, 6)].starts_at - minutes(30)
        enrol_at(learner, cycle, joined)
        for session in sessions:
            status = chance.choices(STATUSES, weights=(8, 1, 1, 1, 1))[0]
            if status is not None and session.status.value != "cancelled" and session.starts_at >= joined:
                service.record_attendance(session, learner.id, status, method=AttendanceMethod.ROLL_CALL,
                                          actor_id=trainer.id, now=session.starts_at)
    db.session.commit()

    listed, kept = 0, KeptPerCycle(10)
    for now in (sessions[2].ends_at + minutes(1), sessions[5].starts_at + minutes(10), sessions[7].ends_at):
        expected = {learner.id: service.attendance_summary(learner.id, cycle.id, now) for learner in learners}
        found = {row.user.id: row.summary for _cycle, row in queries.at_risk([cycle], now)}
        assert found == {user_id: summary for user_id, summary in expected.items() if summary.at_risk}
        for _ in range(2):  # counted and kept, then as kept
            assert {row.user.id: row.summary for _cycle, row in queries.at_risk([cycle], now, kept)} == found
        assert {summary.user_id: summary for summary in _rolled_up_at_risk(cycle, now)} == found
        listed += len(found)
    assert 0 < listed < 3 * len(learners), "the situations hold learners at risk and learners who are not"


def test_only_running_cycles_and_seats_still_held_count(app):
    trainer = make_user(roles=["trainer"])
    cycle = make_cycle(first_date=date(2030, 1, 8), sessions=4, trainers=[trainer], now=BEFORE)
    absent, gone = make_user(name="Borta Ofta"), make_user(name="Slutat Tidigt")
    for learner in (absent, gone):
        enrol_at(learner, cycle, BEFORE)
        service.record_attendance(cycle.sessions[0], learner.id, AttendanceStatus.ABSENT,
                                  method=AttendanceMethod.ROLL_CALL, actor_id=trainer.id, now=cycle.sessions[0].ends_at)
    from lms.enrolment.service import find_enrolment, withdraw

    withdraw(find_enrolment(gone.id, cycle.id), actor_id=gone.id, now=cycle.sessions[1].starts_at)
    db.session.commit()
    now = cycle.sessions[1].ends_at
    assert [row.user.name for _cycle, row in queries.at_risk([cycle], now)] == ["Borta Ofta"]
    assert [summary.user_id for summary in _rolled_up_at_risk(cycle, now)] == [absent.id]
    draft = make_cycle(first_date=date(2030, 1, 8), sessions=4, published=False, now=BEFORE)
    assert queries.at_risk([draft], now) == []
    assert _rolled_up_at_risk(draft, now) == []


def test_a_kept_list_follows_every_change(app):
    """Kept per cycle, the list shows a new record, a session ending and a new minimum at once, and
    counts only the cycle that changed."""
    from bench.pages import QueryCounter

    trainer = make_user(roles=["trainer"])
    cycle, other = (make_cycle(first_date=date(2030, 1, 8), sessions=4, trainers=[trainer], now=BEFORE)
                    for _ in range(2))
    cycle.min_attendance_percent = other.min_attendance_percent = 75
    learner = make_user(name="Borta Ofta")
    for each in (cycle, other):
        enrol_at(learner, each, BEFORE)
    db.session.commit()
    kept = KeptPerCycle(10)

    def listed(now):
        db.session.expire_all()  # as a new request does: versions read afresh (here, before counting)
        assert cycle.attendance_version and other.attendance_version is not None
        with QueryCounter(db.engine) as counter:
            found = [(c.id, row.summary.standing.value) for c, row in queries.at_risk([cycle, other], now, kept)]
        return found, counter.count

    first = cycle.sessions[0]
    assert listed(first.starts_at)[0] == []
    assert listed(first.starts_at)[1] == 0, "nothing changed, nothing read"
    service.record_attendance(first, learner.id, AttendanceStatus.ABSENT, method=AttendanceMethod.ROLL_CALL,
                              actor_id=trainer.id, now=first.starts_at)
    db.session.commit()
    assert listed(first.starts_at + minutes(1))[0] == [(cycle.id, "one_away")], "a new record"
    other_first = other.sessions[0]
    assert listed(other_first.ends_at)[0] == [(cycle.id, "one_away"), (other.id, "one_away")], "a session ended"
    assert listed(other_first.ends_at)[1] == 1, "kept: the learners only"
    cycle.min_attendance_percent = 100
    db.session.commit()
    assert listed(other_first.ends_at)[0] == [(cycle.id, "unreachable"), (other.id, "one_away")], "a new minimum"


def _rolled_up_at_risk(cycle, now):
    (attendance,) = queries.cycles_attendance([cycle])
    return roll_up(attendance, now).at_risk
