"""The dashboard's and the organisation report's numbers, against the hand-computed center in conftest."""
import random
from datetime import date

import pytest
from sqlalchemy import select

from lms.attendance import service as attendance_service
from lms.attendance.models import AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.attendance.queries import cycles_attendance
from lms.enrolment.models import Enrolment
from lms.enrolment.service import find_enrolment, withdraw
from lms.extensions import db
from lms.planning.service import cancel_session
from lms.reports import queries, roll_ups, service
from lms.reports.queries import Tally
from lms.reports.service import Period
from tests.attendance.conftest import BEFORE, enrol_at, minutes
from tests.factories import make_cycle, make_user
from tests.reports.conftest import NOW


def _line(board, cycle):
    return next(line for line in board.cycles if line.cycle.id == cycle.id)


def test_the_dashboard_counts_the_sessions_of_this_week(center):
    board = service.dashboard(NOW)
    assert board.week_start == date(2030, 1, 28)
    assert [(s.cycle_id, s.starts_at.day) for s in board.sessions] == [(center.a.id, 29), (center.b.id, 31)]


def test_the_dashboard_sorts_cycles_by_their_seats(center):
    board = service.dashboard(NOW)
    assert _line(board, center.a).availability == "waitlisted"
    assert _line(board, center.a).waitlisted == 1
    assert _line(board, center.b).availability == "free" and _line(board, center.b).free_seats == 1
    assert _line(board, center.c).availability == "full"
    assert _line(board, center.d).availability == "over"
    assert board.figures.availability == {"free": 1, "full": 1, "waitlisted": 1}


def test_the_attendance_rate_and_its_trend_follow_the_rule(center):
    line = _line(service.dashboard(NOW), center.a)
    assert (line.attended, line.counted, line.rate) == (7, 11, 63.6)
    assert [rate for _when, rate in line.trend] == [100.0, 33.3, 50.0, 66.7]
    finished = _line(service.dashboard(NOW), center.d)
    assert (finished.attended, finished.counted) == (3, 4)


def test_completions_certificates_and_learners_at_risk(center):
    board = service.dashboard(NOW)
    d = _line(board, center.d)
    assert (d.completed, d.certificates, d.revoked) == (2, 1, 1)
    assert (board.figures.completed, board.figures.certificates) == (2, 1)
    december = dict(board.figures.certificates_by_month)[date(2029, 12, 1)]
    assert december == 1  # the revoked one is not counted
    assert len(board.figures.certificates_by_month) == 12
    at_risk = {row.user.name for _cycle, row in board.at_risk}
    assert at_risk == {"Lärande 2", "Lärande 3"}


def test_the_report_of_one_organisation_this_year(center):
    report = service.organisation_report(center.org1, Period(date(2030, 1, 1), date(2030, 12, 31)), NOW)
    assert report.members == 5  # four learners and the contact
    total = report.total
    assert (len(total.enrolments), len(total.learners), total.attended, total.counted) == (3, 3, 6, 7)
    assert total.rate == 85.7 and total.hours == 12.0
    assert (total.completed, total.certificates) == (0, 0)
    courses = {line.label: (len(line.enrolments), line.attended, line.counted, line.hours) for line in report.by_course}
    assert courses == {"Styrelsearbete": (2, 6, 7, 12.0), "Ekonomi": (1, 0, 0, 0.0)}
    areas = {line.label: len(line.learners) for line in report.by_area}
    assert areas == {"Föreningsstyrning": 2, "Ekonomi": 1}
    goals = {line.key: (len(line.enrolments), line.attended, line.counted) for line in report.by_sdg}
    assert goals == {16: (3, 6, 7), 17: (2, 6, 7)}
    people = {(p.fact.user_name, p.fact.cycle_title): (p.attended, p.counted) for p in report.people}
    assert people == {("Lärande 1", "Vintern 2030"): (4, 4), ("Lärande 2", "Vintern 2030"): (2, 3),
                      ("Lärande 5", "Torsdagar"): (0, 0)}


def test_the_report_counts_completions_and_only_valid_certificates(center):
    december = Period(date(2029, 12, 1), date(2029, 12, 31))
    first = service.organisation_report(center.org1, december, NOW).total
    second = service.organisation_report(center.org2, december, NOW).total
    assert (first.completed, first.certificates, first.attended, first.counted) == (1, 1, 2, 2)
    assert (second.completed, second.certificates, second.attended, second.counted) == (1, 0, 1, 2)


def test_the_report_across_all_organisations(center):
    report = service.organisation_report(None, Period(date(2029, 12, 1), date(2030, 12, 31)), NOW)
    by_org = {line.label: (len(line.enrolments), line.attended, line.counted) for line in report.by_organisation}
    # org 1: L1 in A (4/4) and D (2/2), L2 (2/3), L5 (0/0); org 2: L3 in A (1/4) and D (1/2), L6 (0/0)
    assert by_org == {"Möllevångens Kulturförening": (4, 8, 9), "Rosengårds Läxhjälp": (3, 2, 6)}
    assert report.total.attended == 10 and report.total.counted == 15


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dashboard_rolls_up_each_session_as_the_sql_tallies_count_it(app, seed):
    """The dashboard rolls a page of cycles up in Python (lms/reports/roll_ups.py);
    the organisation report counts the same rule in SQL. Late joiners, learners who left, cancelled
    sessions and records of every kind must come out the same, session by session."""
    chance = random.Random(seed)
    trainer = make_user(roles=["trainer"])
    cycle = make_cycle(first_date=date(2030, 1, 8), sessions=8, trainers=[trainer], capacity=20, now=BEFORE)
    sessions = sorted(cycle.sessions, key=lambda s: s.starts_at)
    cancel_session(sessions[chance.randrange(8)], actor_id=None, now=BEFORE)
    policy = chance.choice(list(ExcusedPolicy))
    attendance_service.set_excused_policy(cycle, policy, actor_id=trainer.id, now=BEFORE)
    for n in range(12):
        learner = make_user(name=f"Deltagare {n}")
        joined = BEFORE if chance.random() < 0.6 else sessions[chance.randrange(1, 6)].starts_at - minutes(30)
        enrol_at(learner, cycle, joined)
        for session in sessions:
            status = chance.choice([*AttendanceStatus, None])
            if status is not None and session.status.value != "cancelled" and session.starts_at >= joined:
                attendance_service.record_attendance(session, learner.id, status, method=AttendanceMethod.ROLL_CALL,
                                                     actor_id=trainer.id, now=session.starts_at)
        if chance.random() < 0.25:
            withdraw(find_enrolment(learner.id, cycle.id), actor_id=learner.id,
                     now=sessions[chance.randrange(2, 7)].starts_at - minutes(10))
    db.session.commit()
    now = sessions[5].ends_at + minutes(1)
    enrolment_ids = [e.id for e in db.session.execute(select(Enrolment).where(Enrolment.cycle_id == cycle.id)).scalars()]

    def sql_tally(start, end):
        return sum(queries.enrolment_tallies(enrolment_ids, now, start, end).values(), Tally())

    (attendance,) = cycles_attendance([cycle])
    rolled_up = roll_ups.session_tallies(attendance, now)
    expected = [(s.starts_at, sql_tally(s.starts_at, s.starts_at + minutes(1))) for s in sessions[:6]]
    assert rolled_up == [(when, tally) for when, tally in expected if tally.expected]
    line = service.cycle_lines([cycle], [roll_ups.roll_up(attendance, now)])[0]
    assert (line.attended, line.counted) == sql_tally(None, None).counted(policy)
    assert line.counted > 0
