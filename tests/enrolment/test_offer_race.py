"""Offers under concurrency: two accepts of the same offer, and an offer lapsing at the very moment
it is accepted, give exactly one outcome (SQLite and PostgreSQL; threads as in test_seat_race.py)."""
from datetime import date, datetime, timedelta, timezone

from lms.enrolment import offers, service
from lms.enrolment.models import Enrolment, EnrolmentError, EnrolmentStatus
from lms.enrolment.policy_models import OfferStatus, WaitlistOffer
from lms.extensions import db
from tests.conftest import run_in_threads
from tests.factories import make_cycle, make_user
from tests.seats import assert_no_seat_drift

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
TRIALS = 3


def _offered(app) -> tuple[int, int, int]:
    """A full cycle of one seat whose holder left: the first of two wait-listed holds an open offer."""
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    seated = service.enrol(make_user().id, cycle, now=NOW)
    first = service.enrol(make_user().id, cycle, now=NOW + timedelta(minutes=1))
    second = service.enrol(make_user().id, cycle, now=NOW + timedelta(minutes=2))
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    db.session.commit()
    return offer.id, first.id, second.id


def _accept(offer_id: int, now: datetime) -> None:
    offer = db.session.get(WaitlistOffer, offer_id)
    offers.accept_offer(offer, now=now, actor_id=offer.user_id)


def _state(offer_id: int, first_id: int, second_id: int):
    offer = db.session.get(WaitlistOffer, offer_id)
    passed = offers.open_offer_of(second_id)
    return offer.status, db.session.get(Enrolment, first_id).status, passed is not None, offer.enrolment.cycle.seats_taken


def test_concurrent_accepts_of_one_offer_take_the_seat_once(app):
    for _ in range(TRIALS):
        offer_id, first_id, second_id = _offered(app)
        errors = run_in_threads(app, 6, lambda i: _accept(offer_id, NOW + timedelta(hours=1)))
        assert len(errors) == 5 and all(isinstance(e, EnrolmentError) for e in errors), errors
        assert _state(offer_id, first_id, second_id) == (OfferStatus.ACCEPTED, EnrolmentStatus.ENROLLED, False, 1)
    assert_no_seat_drift()


def test_an_offer_lapsing_as_it_is_accepted_has_exactly_one_outcome(app):
    """The accept's clock says a moment before the end, the job's the end itself: both may act."""
    outcomes = set()
    for _ in range(TRIALS * 2):
        offer_id, first_id, second_id = _offered(app)
        expires = db.session.get(WaitlistOffer, offer_id).expires_at
        work = [lambda: _accept(offer_id, expires - timedelta(seconds=1)), lambda: offers.lapse_offers(expires)]
        errors = run_in_threads(app, 2, lambda i: work[i]())
        status, first, passed, seats = _state(offer_id, first_id, second_id)
        if status is OfferStatus.ACCEPTED:
            assert (first, passed, seats) == (EnrolmentStatus.ENROLLED, False, 1)
        else:
            assert status is OfferStatus.LAPSED and len(errors) == 1 and isinstance(errors[0], EnrolmentError)
            assert (first, passed, seats) == (EnrolmentStatus.WITHDRAWN, True, 1)
        assert len(errors) <= 1
        outcomes.add(status)
    assert_no_seat_drift()
