"""A small center in January 2030 whose figures are worked out by hand in each test.

NOW is Wednesday 30 January 2030, 13:00 local. Sessions are at 18:00-20:00 local (17:00 UTC).

Cycle A "Styrelsearbete" (areas Föreningsstyrning; SDGs 16, 17), Tuesdays 8 Jan - 5 Feb, capacity 3:
  L1 (org 1) present, present, late, present        -> 4 attended of 4
  L2 (org 1) present, absent, excused, present      -> 2 attended of 3 counted (excused left out)
  L3 (org 2) present, absent, absent, (no record)   -> 1 attended of 4
  L4 (org 1) on the wait-list. Sessions: 3/3, 1/3, 1/2, 2/3; the cycle 7/11; one session ahead.
Cycle B "Ekonomi" (area Ekonomi; SDG 16), Thursdays 31 Jan and 7 Feb, capacity 2: L5 (org 1). Free.
Cycle C "Ekonomi", Saturday 9 Feb, capacity 1: L6 (org 2). Full.
Cycle D "Styrelsearbete", Tuesdays 4 and 11 Dec 2029, finished: L1 2/2 (certificate), L3 1/2
  (certificate issued, then revoked). Both completed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.certificates.service import issue_certificate, revoke_certificate
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.models import CycleStatus
from tests.factories import make_course, make_cycle, make_organisation, make_user

NOW = datetime(2030, 1, 30, 12, 0, tzinfo=timezone.utc)
PLANNED = datetime(2029, 11, 1, 9, 0, tzinfo=timezone.utc)
ISSUED = datetime(2029, 12, 20, 9, 0, tzinfo=timezone.utc)
P, L, E, A = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT


@dataclass
class Center:
    org1: object
    org2: object
    contact: object
    learners: dict
    a: object
    b: object
    c: object
    d: object
    board_course: object
    money_course: object


def _record(cycle, learner, statuses):
    for session, status in zip(sorted(cycle.sessions, key=lambda s: s.starts_at), statuses):
        if status is not None:
            db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=status,
                                      method=AttendanceMethod.ROLL_CALL, recorded_at=session.ends_at))


@pytest.fixture
def center(app) -> Center:
    org1, org2 = make_organisation("Möllevångens Kulturförening"), make_organisation("Rosengårds Läxhjälp")
    contact = make_user(name="Oskar Kontakt", roles=["organisation_contact"], organisation=org1, locale="en")
    learners = {n: make_user(name=f"Lärande {n}", email=f"larande{n}@example.org", locale="en",
                             organisation=org1 if n in (1, 2, 4, 5) else org2) for n in range(1, 7)}
    board = make_course("styrelsearbete", title="Styrelsearbete", areas=("Föreningsstyrning",), sdgs=(16, 17))
    money = make_course("ekonomi", title="Ekonomi", areas=("Ekonomi",), sdgs=(16,))
    a = make_cycle(board, title="Vintern 2030", first_date=date(2030, 1, 8), weekdays=(1,), sessions=5,
                   capacity=3, now=PLANNED)
    b = make_cycle(money, title="Torsdagar", first_date=date(2030, 1, 31), weekdays=(3,), sessions=2,
                   capacity=2, now=PLANNED)
    c = make_cycle(money, title="Lördag", first_date=date(2030, 2, 9), weekdays=(5,), sessions=1,
                   capacity=1, now=PLANNED)
    d = make_cycle(board, title="December 2029", first_date=date(2029, 12, 4), weekdays=(1,), sessions=2,
                   capacity=10, now=PLANNED)
    for n in (1, 2, 3, 4):
        enrol(learners[n].id, a, now=PLANNED, check_window=False, decided=True)
    enrol(learners[5].id, b, now=PLANNED, check_window=False, decided=True)
    enrol(learners[6].id, c, now=PLANNED, check_window=False, decided=True)
    for n in (1, 3):
        enrol(learners[n].id, d, now=PLANNED, check_window=False, decided=True)
    _record(a, learners[1], [P, P, L, P])
    _record(a, learners[2], [P, A, E, P])
    _record(a, learners[3], [P, A, A, None])
    _record(d, learners[1], [P, P])
    _record(d, learners[3], [P, A])
    db.session.flush()
    d.change_status(CycleStatus.FINISHED)
    issue_certificate(learners[1].id, d.id, ISSUED, reason="Tested")
    revoke_certificate(issue_certificate(learners[3].id, d.id, ISSUED, reason="Tested"), "A mistake", None, ISSUED)
    db.session.commit()
    return Center(org1, org2, contact, learners, a, b, c, d, board, money)
