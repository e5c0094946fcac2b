"""The seat race through the API: many learners enrol in the last seats at the same moment.

Each thread sends its request through its own test client (so its own app context, database
session and connection); a barrier lines them up. As with the web form, the last seat is taken
exactly once: the others are wait-listed, or get 409 cycle-full when they decline the wait-list.
"""
import threading
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from lms.enrollment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle
from tests.api.conftest import token_for
from tests.factories import make_cycle, make_user

PLANNED = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
PEOPLE, SEATS = 12, 3


def _race(app, monkeypatch, body: dict) -> list[int]:
    monkeypatch.setattr("lms.api.common.utcnow", lambda: PLANNED)
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=SEATS, now=PLANNED)
    db.session.commit()
    secrets = [token_for(make_user()) for _ in range(PEOPLE)]
    cycle_id = cycle.id
    barrier = threading.Barrier(PEOPLE)
    statuses: list[int] = []

    def run(secret: str) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post("/api/v1/me/enrolments", json={"cycle_id": cycle_id, **body},
                               headers={"Authorization": f"Bearer {secret}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=run, args=(secret,)) for secret in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    assert db.session.execute(select(Cycle.seats_taken)).scalar_one() == SEATS
    return statuses


def _count(status: EnrolmentStatus) -> int:
    return db.session.execute(select(func.count(Enrolment.id)).where(Enrolment.status == status)).scalar_one()


def test_the_last_seat_is_taken_once_and_the_rest_are_wait_listed(app, monkeypatch):
    statuses = _race(app, monkeypatch, {})
    assert statuses == [201] * PEOPLE
    assert _count(EnrolmentStatus.ENROLLED) == SEATS
    assert _count(EnrolmentStatus.WAITLISTED) == PEOPLE - SEATS


def test_those_who_decline_the_wait_list_get_409(app, monkeypatch):
    statuses = _race(app, monkeypatch, {"join_waitlist": False})
    assert sorted(statuses) == [201] * SEATS + [409] * (PEOPLE - SEATS)
    assert _count(EnrolmentStatus.ENROLLED) == SEATS
    assert _count(EnrolmentStatus.WAITLISTED) == 0
