"""The attendance rule on hand-computed cases: held, cancelled, mid-cycle, excused policies."""
from datetime import datetime, timedelta, timezone

import pytest

from lms.attendance.models import AttendanceStatus as S
from lms.attendance.models import ExcusedPolicy
from lms.attendance.rules import SessionFacts, Standing, summarise

START = datetime(2030, 1, 8, 17, 0, tzinfo=timezone.utc)
WEEK = timedelta(weeks=1)


def sessions(count=10, cancelled=()):
    return [SessionFacts(i + 1, START + i * WEEK, START + i * WEEK + timedelta(hours=2), i + 1 in cancelled)
            for i in range(count)]


def after(number):
    """Just after session `number` (1-based) has ended."""
    return START + (number - 1) * WEEK + timedelta(hours=3)


def summary(records, *, now, policy=ExcusedPolicy.NOT_COUNTED, minimum=80, plan=None,
            enrolled_at=START - WEEK, left_at=None):
    return summarise(user_id=1, cycle_id=1, sessions=plan or sessions(), enrolled_at=enrolled_at,
                     left_at=left_at, records=records, policy=policy, minimum_percent=minimum, now=now)


def test_no_session_held_yet_has_no_rate_and_everything_ahead():
    s = summary({}, now=START - timedelta(days=1))
    assert (s.held, s.percent, s.ahead) == (0, None, 10)
    # 80 % of 10 sessions is 8: two may be missed
    assert s.needed == 8 and s.can_miss == 2 and s.standing is Standing.ON_TRACK


def test_present_and_late_count_as_attended_and_unrecorded_held_sessions_as_missed():
    s = summary({1: S.PRESENT, 2: S.LATE, 3: S.ABSENT}, now=after(4))
    assert (s.held, s.attended, s.missed) == (4, 2, 2)  # session 4 has no record: missed
    assert s.percent == 50.0
    assert s.can_still_reach and s.can_miss == 0 and s.standing is Standing.ONE_AWAY  # 2 + 6 = 8
    s = summary({1: S.PRESENT, 2: S.LATE, 3: S.ABSENT, 4: S.ABSENT, 5: S.ABSENT}, now=after(5))
    assert not s.can_still_reach and s.standing is Standing.UNREACHABLE  # 2 + 5 < 8


def test_one_absence_away_is_reported_before_it_is_too_late():
    s = summary({1: S.PRESENT, 2: S.ABSENT}, now=after(2))
    assert s.can_miss == 1 and s.standing is Standing.ON_TRACK
    s = summary({1: S.ABSENT, 2: S.ABSENT}, now=after(2))
    assert s.can_miss == 0 and s.standing is Standing.ONE_AWAY and s.at_risk and s.can_still_reach
    s = summary({1: S.PRESENT}, now=after(1), plan=sessions(4))  # 4 of 4 needed: none to spare from the start
    assert s.standing is Standing.ONE_AWAY and not s.at_risk


def test_cancelled_sessions_never_count():
    plan = sessions(10, cancelled=(2, 5))
    s = summary({1: S.PRESENT, 3: S.PRESENT}, now=after(3), plan=plan)
    assert (s.held, s.attended, s.ahead) == (2, 2, 6)
    assert s.percent == 100.0
    assert s.needed == 7  # ceil(0.8 × 8)
    assert s.can_miss == 1


def test_a_session_in_progress_counts_once_the_learner_has_a_record():
    during = START + timedelta(minutes=20)
    assert summary({}, now=during).held == 0
    s = summary({1: S.PRESENT}, now=during)
    assert (s.held, s.attended, s.percent) == (1, 1, 100.0)


def test_mid_cycle_enrolment_is_not_held_to_earlier_sessions():
    s = summary({4: S.PRESENT}, now=after(4), enrolled_at=START + 2 * WEEK + timedelta(days=1))
    assert (s.held, s.attended, s.ahead) == (1, 1, 6)
    assert s.needed == 6  # ceil(0.8 × 7)
    assert s.percent == 100.0 and s.can_miss == 1


def test_a_withdrawn_learner_is_held_only_to_sessions_before_leaving():
    s = summary({1: S.PRESENT, 2: S.PRESENT}, now=after(6), left_at=START + WEEK + timedelta(days=2))
    assert (s.held, s.ahead, s.percent) == (2, 0, 100.0)


@pytest.mark.parametrize("policy, percent, counted, needed, can_miss, standing", [
    # 3 held: present, excused, present; 7 ahead
    (ExcusedPolicy.NOT_COUNTED, 100.0, 2, 8, 1, Standing.ON_TRACK),  # 9 counted in all: ceil(7.2) = 8
    (ExcusedPolicy.ABSENT, 66.7, 3, 8, 1, Standing.ON_TRACK),        # 2 + 7 = 9 ≥ 8
    (ExcusedPolicy.ATTENDED, 100.0, 3, 8, 2, Standing.ON_TRACK),     # 3 + 7 = 10 ≥ 8
])
def test_excused_absences_under_each_policy(policy, percent, counted, needed, can_miss, standing):
    s = summary({1: S.PRESENT, 2: S.EXCUSED, 3: S.PRESENT}, now=after(3), policy=policy)
    assert s.excused == 1 and s.missed == 0
    assert (s.percent, s.counted_so_far, s.needed, s.can_miss, s.standing) == (
        percent, counted, needed, can_miss, standing)


def test_the_minimum_reached_early_is_met_whatever_comes():
    records = {i: S.PRESENT for i in range(1, 9)}
    s = summary(records, now=after(8))
    assert s.standing is Standing.MET and s.can_miss == 2 and not s.at_risk


def test_a_finished_cycle_below_the_minimum_is_unreachable():
    records = {i: S.PRESENT for i in range(1, 8)}
    s = summary(records, now=after(10))
    assert (s.attended, s.percent, s.ahead) == (7, 70.0, 0)
    assert s.standing is Standing.UNREACHABLE and s.can_miss == 0


def test_a_zero_minimum_is_always_met():
    s = summary({1: S.ABSENT}, now=after(1), minimum=0)
    assert s.standing is Standing.MET and s.can_still_reach
