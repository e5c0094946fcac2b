"""The dashboard keeps each cycle's roll-up until something it is made of changes. After every kind
of change, a dashboard from kept roll-ups must show exactly what one rolled up afresh shows, and
only the changed cycles may be rolled up again."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from lms.attendance import service as attendance_service
from lms.attendance.models import AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.enrolment.service import enrol, find_enrolment, withdraw
from lms.extensions import db
from lms.planning.models import CycleStatus
from lms.planning.service import cancel_session
from lms.reports import roll_ups, service
from lms.reports.roll_ups import RollUps
from tests.factories import make_user
from tests.reports.conftest import NOW


def _shown(board):
    lines = [(line.cycle.id, line.seats_taken, line.waitlisted, line.pending, line.availability, line.attended,
              line.counted, line.trend, line.completed, line.certificates, line.revoked) for line in board.cycles]
    return lines, [(cycle.id, row.user.id, row.summary) for cycle, row in board.at_risk]


@pytest.fixture
def rolled_up(monkeypatch):
    """The cycles whose records each dashboard read, call by call."""
    calls = []
    real = roll_ups.cycles_attendance

    def spy(cycles):
        calls.append(sorted(cycle.id for cycle in cycles))
        return real(cycles)

    monkeypatch.setattr(roll_ups, "cycles_attendance", spy)
    return calls


@pytest.fixture
def kept(center, rolled_up):
    kept = RollUps(100)
    service.dashboard(NOW, kept=kept)
    assert rolled_up == [sorted(c.id for c in (center.a, center.b, center.c, center.d))]
    return kept


def _rolled_up_again(kept, now, rolled_up) -> list[int]:
    """The dashboard from kept roll-ups shows what a fresh one does; which cycles it rolled up again."""
    rolled_up.clear()
    board = service.dashboard(now, kept=kept)
    again = rolled_up[0]
    assert _shown(board) == _shown(service.dashboard(now))
    return again


def _commit(change) -> None:
    change()
    db.session.commit()


def test_nothing_changed_nothing_is_read_again(center, kept, rolled_up):
    assert _rolled_up_again(kept, NOW, rolled_up) == []
    assert _rolled_up_again(kept, NOW + timedelta(hours=1), rolled_up) == [], "no session ended meanwhile"


def test_a_record_a_seat_a_session_or_the_rule_rolls_up_that_cycle_again(center, kept, rolled_up):
    a, b = center.a, center.b
    second = sorted(a.sessions, key=lambda s: s.starts_at)[1]
    _commit(lambda: attendance_service.record_attendance(
        second, center.learners[2].id, AttendanceStatus.EXCUSED, method=AttendanceMethod.ROLL_CALL,
        actor_id=None, now=NOW))
    assert _rolled_up_again(kept, NOW, rolled_up) == [a.id]
    _commit(lambda: withdraw(find_enrolment(center.learners[3].id, a.id), actor_id=None, now=NOW))
    assert _rolled_up_again(kept, NOW, rolled_up) == [a.id]
    _commit(lambda: enrol(make_user().id, b, now=NOW, check_window=False, decided=True))
    assert _rolled_up_again(kept, NOW, rolled_up) == [b.id]
    _commit(lambda: cancel_session(sorted(b.sessions, key=lambda s: s.starts_at)[-1], actor_id=None, now=NOW))
    assert _rolled_up_again(kept, NOW, rolled_up) == [b.id]
    _commit(lambda: attendance_service.set_excused_policy(a, ExcusedPolicy.ATTENDED, actor_id=None, now=NOW))
    assert _rolled_up_again(kept, NOW, rolled_up) == [a.id]


def test_a_change_made_in_plain_sql_is_seen(center, kept, rolled_up):
    _commit(lambda: db.session.execute(text("UPDATE attendances SET status = 'absent' WHERE user_id = :learner"),
                                       {"learner": center.learners[1].id}))
    assert _rolled_up_again(kept, NOW, rolled_up) == sorted([center.a.id, center.d.id])


def test_the_cycles_minimum_and_status_are_part_of_the_key(center, kept, rolled_up):
    def stricter():
        center.a.min_attendance_percent = 95

    _commit(stricter)
    assert _rolled_up_again(kept, NOW, rolled_up) == [center.a.id]
    _commit(lambda: center.b.change_status(CycleStatus.FINISHED))
    assert _rolled_up_again(kept, NOW, rolled_up) == [center.b.id]


def test_a_session_ending_rolls_its_cycle_up_again_and_so_does_going_back(center, kept, rolled_up):
    """Cycle B meets on Thursday 31 January, 17:00-19:00 UTC; cycle A next on Tuesday 5 February."""
    friday = NOW + timedelta(days=2)
    assert _rolled_up_again(kept, friday, rolled_up) == [center.b.id]
    assert _rolled_up_again(kept, friday + timedelta(days=1), rolled_up) == []
    assert _rolled_up_again(kept, NOW, rolled_up) == [center.b.id]


def test_a_process_keeps_at_most_its_size(center, rolled_up):
    small = RollUps(2)
    service.dashboard(NOW, kept=small)
    assert len(small) == 2
    none = RollUps(0)
    service.dashboard(NOW, kept=none)
    assert len(none) == 0
    rolled_up.clear()
    assert _shown(service.dashboard(NOW, kept=small)) == _shown(service.dashboard(NOW))
    assert len(rolled_up[0]) == 2, "the two cycles it forgot are rolled up again"
