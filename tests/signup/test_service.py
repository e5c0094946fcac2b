"""The sign-up rules without HTTP: requests, open registration, decisions and the home page's cycles."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.auth.service import find_user_by_email
from lms.extensions import db
from lms.signup import service
from lms.signup.models import AccountRequest, AccountRequestStatus
from tests.factories import make_course, make_cycle, make_organisation, make_user

NOW = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)


def _request(email="ny@example.org", organisation=None, **extra):
    return service.request_account(name="Nina Ny", email=email, message=extra.get("message", "Hej"),
                                   organisation_id=organisation.id if organisation else None, locale="sv", now=NOW)


def test_a_request_is_stored_pending_with_its_organisation(app):
    organisation = make_organisation("Lokalföreningen")
    request = _request("Nina@Example.org", organisation)
    assert request.status is AccountRequestStatus.PENDING
    assert request.email == "nina@example.org"
    assert request.organisation_id == organisation.id


def test_no_request_for_an_existing_account_or_a_second_pending_one(app):
    make_user("finns@example.org")
    assert _request("FINNS@example.org") is None
    assert _request("ny@example.org") is not None
    assert _request("ny@example.org") is None
    assert db.session.execute(select(AccountRequest)).scalars().all().__len__() == 1


def test_an_inactive_organisation_counts_as_none(app):
    closed = make_organisation("Nedlagda föreningen")
    closed.active = False
    assert _request(organisation=closed).organisation_id is None


def test_approving_creates_a_learner_account_in_the_organisation_once(app):
    organisation = make_organisation()
    coordinator = make_user(roles=["coordinator"])
    request = _request(organisation=organisation)
    user = service.approve(request, actor_id=coordinator.id, now=NOW)
    assert user.roles == {Role.LEARNER} and user.organisation_id == organisation.id
    assert user.password_hash is None
    assert (request.status, request.decided_by_id, request.decided_at, request.user_id) == (
        AccountRequestStatus.APPROVED, coordinator.id, NOW, user.id)
    with pytest.raises(service.SignupError):
        service.decline(request, actor_id=coordinator.id, now=NOW)
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"account_request.created", "account_request.approved"} <= actions


def test_declining_records_who_and_when_and_creates_no_account(app):
    coordinator = make_user(roles=["coordinator"])
    request = _request()
    service.decline(request, actor_id=coordinator.id, now=NOW)
    assert (request.status, request.decided_by_id, request.decided_at) == (
        AccountRequestStatus.DECLINED, coordinator.id, NOW)
    assert find_user_by_email("ny@example.org") is None
    assert "account_request.declined" in set(db.session.execute(select(AuditEvent.action)).scalars())


def test_approving_is_refused_when_the_address_got_an_account_meanwhile(app):
    request = _request()
    make_user("ny@example.org")
    with pytest.raises(service.SignupError):
        service.approve(request, actor_id=make_user(roles=["coordinator"]).id, now=NOW)
    assert request.status is AccountRequestStatus.PENDING


def test_who_decides_and_sees_which_requests(app):
    own, other = make_organisation(), make_organisation()
    contact = make_user(roles=["organisation_contact"], organisation=own)
    other_contact = make_user(roles=["organisation_contact"], organisation=other)
    coordinator = make_user(roles=["coordinator"])
    mine, unaffiliated = _request("a@example.org", own), _request("b@example.org")
    assert service.can_decide(contact, mine) and not service.can_decide(other_contact, mine)
    assert not service.can_decide(contact, unaffiliated) and service.can_decide(coordinator, unaffiliated)
    assert service.pending_requests_for(contact) == [mine]
    assert service.pending_requests_for(other_contact) == []
    assert service.pending_requests_for(coordinator) == [mine, unaffiliated]


def test_open_registration_creates_a_learner_without_password_unless_taken(app):
    user = service.register_openly(name="Öppen Person", email="open@example.org", organisation_id=None, locale="en")
    assert user.roles == {Role.LEARNER} and user.password_hash is None and user.locale == "en"
    assert service.register_openly(name="X", email="OPEN@example.org", organisation_id=None, locale="sv") is None


def test_the_home_page_offers_the_soonest_upcoming_cycles_of_published_courses(app):
    planned = datetime(2029, 12, 1, tzinfo=timezone.utc)
    later = make_cycle(make_course(title="Senare kursen"), first_date=date(2030, 3, 4), now=planned)
    sooner = make_cycle(make_course(title="Tidigare kursen"), first_date=date(2030, 2, 4), now=planned)
    make_cycle(make_course(title="Dold kurs", published=False), first_date=date(2030, 2, 5), now=planned)
    make_cycle(make_course(title="Redan igång"), first_date=date(2029, 12, 3), now=planned)
    offers = service.upcoming_offers(NOW, limit=6)
    assert [(o.course_title, o.offer.id) for o in offers] == [
        ("Tidigare kursen", sooner.id), ("Senare kursen", later.id)]
    assert service.upcoming_offers(NOW, limit=1)[0].offer.id == sooner.id
