"""The sign-up pages over HTTP: modes, no enumeration, decisions by the right people, CSRF and the home page."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.extensions import db
from lms.signup.models import AccountRequest, AccountRequestStatus
from tests.conftest import log_in
from tests.factories import make_cycle, make_course, make_organisation, make_user

EN = {"Accept-Language": "en"}


def _sign_up(client, email="nina@example.org", organisation_id=0, **extra):
    data = {"name": "Nina Ny", "email": email, "organisation": organisation_id, "message": "Hej", **extra}
    return client.post("/signup", data=data, headers=EN)


def _requests():
    return db.session.execute(select(AccountRequest).order_by(AccountRequest.id)).scalars().all()


def test_approval_mode_stores_a_request_and_sends_nothing(client, outbox):
    organisation = make_organisation("Lokalföreningen")
    db.session.commit()
    page = client.get("/signup", headers=EN).text
    assert "Lokalföreningen" in page and "approves the request" in page
    response = _sign_up(client, organisation_id=organisation.id)
    assert response.status_code == 302
    [request] = _requests()
    assert (request.email, request.organisation_id, request.status) == (
        "nina@example.org", organisation.id, AccountRequestStatus.PENDING)
    assert find_user_by_email("nina@example.org") is None
    assert outbox.messages() == []


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client):
    make_user("finns@example.org")
    db.session.commit()
    known, unknown = _sign_up(client, "finns@example.org"), _sign_up(client, "ny@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    known_page = client.get(known.headers["Location"], headers=EN).text
    assert "Your request has been sent" in known_page
    assert [r.email for r in _requests()] == ["ny@example.org"]


@pytest.mark.config(LMS_SIGNUP="open")
def test_open_mode_creates_the_account_and_emails_an_invitation(client, outbox):
    response = _sign_up(client, "open@example.org")
    assert response.status_code == 302
    user = find_user_by_email("open@example.org")
    assert user is not None and user.password_hash is None
    [message] = outbox.messages()
    assert message["To"] == "open@example.org"
    [link] = outbox.links()
    assert "/invitation/" in link
    assert client.get(link.replace("http://localhost", "")).status_code == 200
    again = _sign_up(client, "OPEN@example.org")
    assert again.headers["Location"] == response.headers["Location"]
    assert len(outbox.messages()) == 1
    assert _requests() == []


@pytest.mark.config(LMS_SIGNUP="off", LMS_CENTER_ADDRESS="Testgatan 1, 211 11 Malmö")
def test_off_mode_shows_the_contact_details_and_creates_nothing(client):
    page = client.get("/signup", headers=EN)
    assert page.status_code == 200
    assert "closed" in page.text and "Testgatan 1, 211 11 Malmö" in page.text
    assert 'name="email"' not in page.text
    _sign_up(client)
    assert _requests() == [] and find_user_by_email("nina@example.org") is None


@pytest.fixture
def pending(app):
    own, other = make_organisation("Egna"), make_organisation("Andra")
    people = {
        "contact": make_user(roles=["organisation_contact"], organisation=own, locale="en"),
        "other_contact": make_user(roles=["organisation_contact"], organisation=other, locale="en"),
        "coordinator": make_user(roles=["coordinator"], locale="en"),
    }
    request = AccountRequest(name="Nina Ny", email="nina@example.org", organisation_id=own.id, message="Hej",
                             requested_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    db.session.add(request)
    db.session.commit()
    return people, request


@pytest.mark.parametrize("who", ["coordinator", "contact"])
def test_the_coordinator_or_the_organisations_contact_approves(client, outbox, pending, who):
    people, request = pending
    log_in(client, people[who].email)
    assert "nina@example.org" in client.get("/signup/requests").text
    response = client.post(f"/signup/requests/{request.id}/approve")
    assert response.status_code == 302
    user = find_user_by_email("nina@example.org")
    assert user is not None and user.organisation_id == request.organisation_id
    db.session.refresh(request)
    assert request.status is AccountRequestStatus.APPROVED and request.decided_by_id == people[who].id
    [message] = outbox.messages()
    assert message["To"] == "nina@example.org" and "/invitation/" in outbox.links()[0]
    client.get("/signup/requests")  # the flash message
    assert "nina@example.org" not in client.get("/signup/requests").text


def test_another_organisations_contact_neither_sees_nor_decides(client, outbox, pending):
    people, request = pending
    log_in(client, people["other_contact"].email)
    assert "nina@example.org" not in client.get("/signup/requests").text
    assert client.post(f"/signup/requests/{request.id}/approve").status_code == 404
    assert client.post(f"/signup/requests/{request.id}/decline").status_code == 404
    db.session.refresh(request)
    assert request.status is AccountRequestStatus.PENDING
    assert find_user_by_email("nina@example.org") is None and outbox.messages() == []


def test_a_learner_is_refused_the_requests_page(learner_client, pending):
    _, request = pending
    assert learner_client.get("/signup/requests").status_code == 403
    assert learner_client.post(f"/signup/requests/{request.id}/approve").status_code == 403


def test_declining_creates_no_account_and_sends_nothing(client, outbox, pending):
    people, request = pending
    log_in(client, people["coordinator"].email)
    assert client.post(f"/signup/requests/{request.id}/decline").status_code == 302
    db.session.refresh(request)
    assert request.status is AccountRequestStatus.DECLINED and request.decided_by_id == people["coordinator"].id
    assert find_user_by_email("nina@example.org") is None and outbox.messages() == []
    again = client.post(f"/signup/requests/{request.id}/approve", headers=EN)
    assert "already been decided" in client.get(again.headers["Location"], headers=EN).text


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_sign_up_and_decisions_without_a_csrf_token_are_refused(client, pending):
    people, request = pending
    assert _sign_up(client, "csrf@example.org").status_code == 400
    assert [r.email for r in _requests()] == ["nina@example.org"]
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": people["coordinator"].email, "password": "correct horse battery",
                                "csrf_token": token})
    assert client.get("/signup/requests").status_code == 200
    assert client.post(f"/signup/requests/{request.id}/approve").status_code == 400
    assert find_user_by_email("nina@example.org") is None


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_SIGNUP_RATE_LIMIT="2 per hour")
def test_sign_up_is_rate_limited(client):
    assert _sign_up(client, "a@example.org").status_code == 302
    assert _sign_up(client, "b@example.org").status_code == 302
    assert _sign_up(client, "c@example.org").status_code == 429
    assert len(_requests()) == 2


@pytest.mark.config(LMS_CENTER_ADDRESS="Testgatan 1, 211 11 Malmö", LMS_OPENING_HOURS="Tisdagar 10–12")
def test_the_home_page_shows_address_hours_an_upcoming_cycle_and_how_to_sign_up(client):
    cycle = make_cycle(make_course(title="Styrelsearbete i praktiken"), first_date=date(2099, 3, 3), capacity=12,
                       now=datetime(2099, 1, 1, tzinfo=timezone.utc))
    db.session.commit()
    page = client.get("/", headers=EN).text
    assert "Testgatan 1, 211 11 Malmö" in page and "Tisdagar 10–12" in page
    assert "Styrelsearbete i praktiken" in page and f'href="/cycles/{cycle.id}"' in page
    assert "12 free seats" in page
    assert 'href="/signup"' in page


@pytest.mark.config(LMS_SIGNUP="off")
def test_the_home_page_links_no_sign_up_when_it_is_off(client):
    assert 'href="/signup"' not in client.get("/", headers=EN).text


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_SIGNUP_RATE_LIMIT="2 per hour")
def test_a_sign_up_form_with_errors_uses_up_no_attempt(client):
    for _ in range(4):
        assert _sign_up(client, "not an address").status_code == 200
    assert _sign_up(client, "a@example.org").status_code == 302
    assert _sign_up(client, "b@example.org").status_code == 302
    refused = _sign_up(client, "c@example.org", name="Cecilia Ek")
    assert refused.status_code == 429
    assert 'value="Cecilia Ek"' in refused.text and 'value="c@example.org"' in refused.text
    assert "Try again in" in refused.text


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_SIGNUP_ADDRESS_RATE_LIMIT="1 per hour")
def test_sign_ups_count_per_normalised_address_and_not_per_shared_wifi(app):
    for number in range(5):  # a class signing up together on the center's wifi
        assert _sign_up(app.test_client(), f"deltagare{number}@example.org").status_code == 302
    again = app.test_client().post(
        "/signup", data={"name": "Nina Ny", "email": "DELTAGARE0@\uff45xample.org", "organisation": 0},
        environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers=EN)
    assert again.status_code == 429


def test_an_approval_refused_halfway_leaves_the_request_pending(client, outbox, pending, monkeypatch):
    """The request is marked approved before the account is made; a refusal then undoes both."""
    from lms.auth.service import AccountError
    from lms.signup import service

    def refuse(*args, **kwargs):
        raise AccountError("No account can be made now.")

    monkeypatch.setattr(service, "create_user", refuse)
    people, request = pending
    log_in(client, people["coordinator"].email)
    response = client.post(f"/signup/requests/{request.id}/approve", headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/signup/requests")
    assert "No account can be made now." in client.get("/signup/requests", headers=EN).text
    db.session.refresh(request)
    assert request.status is AccountRequestStatus.PENDING and request.decided_at is None
    assert find_user_by_email("nina@example.org") is None and outbox.messages() == []
