"""The last reserved seat is given exactly once when 50 requests for it come at the same moment.

As in test_seat_race.py: each thread has its own app context (its own session and connection),
and a barrier lines them up; each request is one unit of work, committed or rolled back.
"""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from lms.auth.models import User
from lms.enrolment import reservations
from lms.enrolment.models import Enrolment, EnrolmentError, EnrolmentStatus
from lms.enrolment.reservation_models import ReservedSeat, SeatReservation
from lms.extensions import db
from lms.planning.models import Cycle
from tests.conftest import run_in_threads
from tests.factories import make_cycle, make_organisation, make_user
from tests.seats import assert_no_seat_drift

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
REQUESTS = 50


def _run_at_once(app, count: int, attempt) -> list[str]:
    """Each request's outcome: given (committed), refused (an EnrolmentError) or the error's name."""
    errors = run_in_threads(app, count, attempt)
    db.session.expire_all()
    return ["given"] * (count - len(errors)) + [
        "refused" if isinstance(error, EnrolmentError) else type(error).__name__ for error in errors]


def test_fifty_requests_for_the_last_reserved_seat_give_it_exactly_once(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=10, now=NOW)
    organisation = make_organisation()
    contact = make_user(roles=("learner", "organisation_contact"), organisation=organisation)
    block = reservations.reserve(cycle, [organisation.id], 3, NOW + timedelta(days=30), actor_id=None, now=NOW)
    early = [make_user(organisation=organisation) for _ in range(2)]
    for member in early:
        reservations.give_seat(block, member, actor=contact, now=NOW)
    member_ids = [make_user(organisation=organisation).id for _ in range(REQUESTS)]
    db.session.commit()
    block_id, contact_id = block.id, contact.id

    def attempt(index: int) -> None:
        reservation = db.session.get(SeatReservation, block_id)
        reservations.give_seat(reservation, db.session.get(User, member_ids[index]),
                               actor=db.session.get(User, contact_id), now=NOW)

    outcomes = _run_at_once(app, REQUESTS, attempt)
    assert outcomes.count("given") == 1, outcomes
    assert outcomes.count("refused") == REQUESTS - 1, outcomes
    assert db.session.execute(select(SeatReservation.seats_assigned)).scalar_one() == 3
    assert db.session.execute(select(func.count(ReservedSeat.id))).scalar_one() == 3
    assert db.session.execute(select(func.count(Enrolment.id)).where(
        Enrolment.status == EnrolmentStatus.ENROLLED)).scalar_one() == 3
    assert db.session.execute(select(Cycle.seats_taken)).scalar_one() == 3
    assert_no_seat_drift()


def test_a_seat_given_while_the_block_is_released_is_counted_once(app):
    """The deadline's release and requests for the block's seats race: every seat is either given or returned."""
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=10, now=NOW)
    organisation = make_organisation()
    contact = make_user(roles=("learner", "organisation_contact"), organisation=organisation)
    deadline = NOW + timedelta(days=30)
    reservations.reserve(cycle, [organisation.id], 5, deadline, actor_id=None, now=NOW)
    member_ids = [make_user(organisation=organisation).id for _ in range(10)]
    db.session.commit()
    block_id, contact_id = db.session.execute(select(SeatReservation.id)).scalar_one(), contact.id
    moment = deadline - timedelta(seconds=1)

    def attempt(index: int) -> None:
        if index == 0:
            reservations.release(block_id, now=moment, actor_id=contact_id)
            return
        reservations.give_seat(db.session.get(SeatReservation, block_id), db.session.get(User, member_ids[index - 1]),
                               actor=db.session.get(User, contact_id), now=moment)

    outcomes = _run_at_once(app, 11, attempt)
    assert set(outcomes) <= {"given", "refused"}, outcomes
    block = db.session.get(SeatReservation, block_id)
    assert block.released_at is not None and block.seats_assigned + block.released_seats == 5
    assert db.session.execute(select(func.count(ReservedSeat.id))).scalar_one() == block.seats_assigned
    assert_no_seat_drift()
