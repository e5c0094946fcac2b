"""Offers from the wait-list, with frozen time: the queue's order, the window, the last moment,
declines and lapses passed on exactly once, and the signed links."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.enrolment import offers, service
from lms.enrolment.models import EnrolmentError, EnrolmentStatus
from lms.enrolment.policy_models import OfferStatus
from lms.extensions import db
from tests.factories import make_cycle, make_user
from tests.seats import assert_no_seat_drift

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
#: the first session: 2 March 2027, 18:00 in Stockholm
FIRST = datetime(2027, 3, 2, 17, 0, tzinfo=timezone.utc)


def _full_cycle(waiting: int = 2, **kwargs):
    """A cycle of one seat, taken, with people on the wait-list in order."""
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW, **kwargs)
    seated = service.enrol(make_user().id, cycle, now=NOW)
    queue = [service.enrol(make_user().id, cycle, now=NOW + timedelta(minutes=i + 1)) for i in range(waiting)]
    return cycle, seated, queue


def _actions(offer) -> list[str]:
    return list(db.session.execute(
        select(AuditEvent.action).where(AuditEvent.object_type == "enrolment", AuditEvent.object_id == offer.enrolment_id,
                                        AuditEvent.action.like("enrolment.offer%")).order_by(AuditEvent.id)).scalars())


def test_a_freed_seat_is_held_for_the_first_in_the_queue_for_the_cycles_time(app):
    cycle, seated, (first, second) = _full_cycle()
    cycle.offer_hours = 36
    when = NOW + timedelta(days=1)
    [offer] = service.withdraw(seated, actor_id=seated.user_id, now=when)
    assert offer.enrolment_id == first.id and offer.status is OfferStatus.OPEN
    assert offer.expires_at == when + timedelta(hours=36)
    assert cycle.seats_taken == 1 and first.status is EnrolmentStatus.WAITLISTED
    newcomer = service.enrol(make_user().id, cycle, now=when)  # the held seat is not up for grabs
    assert newcomer.status is EnrolmentStatus.WAITLISTED
    assert _actions(offer) == ["enrolment.offered"]
    assert offers.offers_waiting(first.user_id, when) == [offer]
    assert offers.offers_waiting(first.user_id, offer.expires_at) == []
    assert_no_seat_drift()


def test_the_window_is_at_most_half_the_time_left_before_the_first_session(app):
    cycle, seated, (first, _second) = _full_cycle()
    when = FIRST - timedelta(hours=10)
    [offer] = service.withdraw(seated, actor_id=None, now=when)
    assert offer.expires_at == when + timedelta(hours=5)


def test_enrolment_closing_first_is_the_last_moment(app):
    cycle, seated, _queue = _full_cycle(closes_on=date(2027, 2, 1))  # closes 2 Feb 00:00 Stockholm
    closes = datetime(2027, 2, 1, 23, 0, tzinfo=timezone.utc)
    assert offers.last_offer_moment(cycle) == closes
    assert offers.offer_window(cycle, closes - timedelta(hours=4)) == timedelta(hours=2)


@pytest.mark.parametrize("when", [FIRST, FIRST + timedelta(days=1)], ids=["at-the-start", "after"])
def test_no_offer_is_made_from_the_start_on(app, when):
    cycle, seated, (first, _second) = _full_cycle()
    assert service.withdraw(seated, actor_id=None, now=when) == []
    assert cycle.seats_taken == 0 and first.status is EnrolmentStatus.WAITLISTED
    assert_no_seat_drift()


def test_accepting_takes_the_seat_once(app):
    cycle, seated, (first, second) = _full_cycle()
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    enrolment = offers.accept_offer(offer, now=NOW + timedelta(hours=1), actor_id=first.user_id)
    assert enrolment.status is EnrolmentStatus.ENROLLED and enrolment.enrolled_at == NOW + timedelta(hours=1)
    assert offer.status is OfferStatus.ACCEPTED and cycle.seats_taken == 1
    with pytest.raises(EnrolmentError, match="gäller inte längre"):
        offers.accept_offer(offer, now=NOW + timedelta(hours=2), actor_id=first.user_id)
    assert second.status is EnrolmentStatus.WAITLISTED and offers.open_offer_of(second.id) is None
    assert _actions(offer) == ["enrolment.offered", "enrolment.offer_accepted"]
    assert_no_seat_drift()


def test_an_offer_is_not_accepted_once_its_time_is_up(app):
    _cycle, seated, (first, _second) = _full_cycle()
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    with pytest.raises(EnrolmentError, match="har gått ut"):
        offers.accept_offer(offer, now=offer.expires_at, actor_id=first.user_id)
    assert offer.status is OfferStatus.OPEN  # the lapse job ends it and passes it on


def test_declining_leaves_the_wait_list_and_passes_the_seat_to_the_next(app):
    cycle, seated, (first, second) = _full_cycle()
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    [passed] = offers.decline_offer(offer, now=NOW + timedelta(hours=1), actor_id=first.user_id)
    assert offer.status is OfferStatus.DECLINED and first.status is EnrolmentStatus.WITHDRAWN
    assert passed.enrolment_id == second.id and cycle.seats_taken == 1
    with pytest.raises(EnrolmentError):
        offers.decline_offer(offer, now=NOW + timedelta(hours=2), actor_id=first.user_id)
    assert offers.open_offer_of(second.id) == passed
    assert_no_seat_drift()


def test_a_lapsed_offer_passes_on_exactly_once(app):
    cycle, seated, (first, second) = _full_cycle()
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    assert offers.lapse_offers(offer.expires_at - timedelta(seconds=1)) == 0
    assert offers.lapse_offers(offer.expires_at) == 1
    assert offers.lapse_offers(offer.expires_at + timedelta(minutes=1)) == 0  # the job again: nothing
    assert offer.status is OfferStatus.LAPSED and first.status is EnrolmentStatus.WITHDRAWN
    passed = offers.open_offer_of(second.id)
    assert passed is not None and passed.offered_at == offer.expires_at and cycle.seats_taken == 1
    assert _actions(offer) == ["enrolment.offered", "enrolment.offer_lapsed"]
    assert_no_seat_drift()


def test_the_last_lapse_frees_the_seat(app):
    cycle, seated, (first,) = _full_cycle(waiting=1)
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    offers.lapse_offers(offer.expires_at)
    assert cycle.seats_taken == 0
    assert_no_seat_drift()


def test_leaving_the_wait_list_with_an_offer_open_passes_it_on(app):
    cycle, seated, (first, second) = _full_cycle()
    service.withdraw(seated, actor_id=None, now=NOW)
    [passed] = service.withdraw(first, actor_id=first.user_id, now=NOW + timedelta(minutes=5))
    assert passed.enrolment_id == second.id and cycle.seats_taken == 1
    assert_no_seat_drift()


def test_an_offer_link_is_for_that_offer_and_person_only(app):
    _cycle, seated, (first, _second) = _full_cycle()
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    token = offers.offer_token(offer)
    assert offers.read_offer_token(token) == offer
    assert offers.read_offer_token(token[:-2] + "xx") is None
    assert offers.read_offer_token("not-a-token") is None
