"""The seat race through the API: many learners enrol in the last seats at the same moment.

Each thread sends its request through its own test client (so its own app context, database
session and connection); a barrier lines them up. As with the web form, the last seat is taken
exactly once: the others are wait-listed, or get 409 cycle-full when they decline the wait-list.
"""
import threading
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle
from tests.api.conftest import token_for
from tests.factories import make_cycle, make_user
from tests.seats import assert_no_seat_drift

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
    assert_no_seat_drift()
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


def test_two_withdrawals_at_once_offer_the_seat_to_the_next_on_the_wait_list_once(app, monkeypatch):
    """Issue #19: A holds the only seat, B and C wait; A and B withdraw at the same instant."""
    from lms.enrolment.offers import offers_waiting
    from lms.enrolment.service import enrol

    monkeypatch.setattr("lms.api.common.utcnow", lambda: PLANNED)
    for _ in range(3):
        cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=PLANNED)
        people = [make_user() for _ in range(3)]
        ids = [enrol(person.id, cycle, now=PLANNED).id for person in people]
        secrets = [token_for(person) for person in people[:2]]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def run(secret: str, enrolment_id: int) -> None:
            client = app.test_client()
            barrier.wait(timeout=30)
            statuses.append(client.post(f"/api/v1/me/enrolments/{enrolment_id}/withdraw",
                                        headers={"Authorization": f"Bearer {secret}"}).status_code)

        threads = [threading.Thread(target=run, args=args) for args in zip(secrets, ids)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        db.session.expire_all()
        assert statuses == [200, 200]
        assert [db.session.get(Enrolment, i).status for i in ids] == [
            EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.WAITLISTED]
        [offer] = offers_waiting(people[2].id, PLANNED)  # the seat is held for C, offered once
        assert offer.enrolment_id == ids[2]
        assert db.session.get(Cycle, cycle.id).seats_taken == 1
    assert_no_seat_drift()
