"""Invitations and password resets by e-mailed, signed, expiring, single-use links."""
import time
from urllib.parse import urlsplit

import pytest

from lms.auth import service
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_user

NEW_PASSWORD = "kastanjer vid möllan"


@pytest.fixture
def anna(app):
    user = make_user("anna@example.org", name="Anna Berg")
    db.session.commit()
    return user


def _path(link: str) -> str:
    return urlsplit(link).path


def _ask_for_reset(client, email):
    return client.post("/password/forgot", data={"email": email}, headers={"Accept-Language": "en"})


def test_reset_link_sets_a_new_password_once(client, anna, outbox):
    _ask_for_reset(client, "ANNA@example.org")
    [message] = outbox.messages()
    assert message["To"] == "anna@example.org"
    [link] = outbox.links()
    assert client.get(_path(link)).status_code == 200
    response = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert log_in(client, anna.email, NEW_PASSWORD).status_code == 302
    client.post("/logout")
    reused = client.post(_path(link), data={"password": "en annan fras igen", "confirm": "en annan fras igen"})
    assert reused.status_code == 400
    assert log_in(client, anna.email, NEW_PASSWORD).status_code == 302


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, anna, outbox):
    known = _ask_for_reset(client, anna.email)
    unknown = _ask_for_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    known_page = client.get(known.headers["Location"]).text
    assert "If an account exists" in known_page
    assert len(outbox.messages()) == 1


def test_an_expired_reset_link_is_refused(client, anna, outbox, monkeypatch):
    _ask_for_reset(client, anna.email)
    [link] = outbox.links()
    later = time.time() + 61 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(_path(link), headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The link does not work" in response.text


def test_a_tampered_link_is_refused(client, anna, outbox):
    _ask_for_reset(client, anna.email)
    [link] = outbox.links()
    path = _path(link)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400


def test_a_reset_link_is_not_an_invitation(client, anna, outbox):
    _ask_for_reset(client, anna.email)
    token = _path(outbox.links()[0]).rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 400


def test_a_weak_new_password_is_refused(client, anna, outbox):
    _ask_for_reset(client, anna.email)
    path = _path(outbox.links()[0])
    response = client.post(path, data={"password": "password123", "confirm": "password123"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "too common" in response.text


def test_resetting_the_password_logs_out_other_devices(app, client, anna, outbox):
    other = app.test_client()
    log_in(other, anna.email)
    _ask_for_reset(client, anna.email)
    client.post(_path(outbox.links()[0]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other.get("/account").status_code == 302


def test_an_invited_person_chooses_a_password_and_logs_in(app, admin_client, outbox):
    response = admin_client.post("/admin/users/invite", data={
        "email": "Ny.Person@Example.org", "name": "Ny Person", "organisation_id": 0,
        "roles": ["learner", "trainer"], "locale": "en",
    })
    assert response.status_code == 302
    [message] = outbox.messages()
    assert message["To"] == "ny.person@example.org"
    assert message["Subject"] == "Welcome to Kompetenscentret", "written in the invitee's language"
    path = _path(outbox.links()[0])
    visitor = app.test_client()
    assert log_in(visitor, "ny.person@example.org", NEW_PASSWORD).status_code == 200
    assert visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert log_in(visitor, "ny.person@example.org", NEW_PASSWORD).status_code == 302
    visitor.post("/logout")
    assert visitor.get(path).status_code == 400


def test_an_invitation_expires(app, anna):
    invited = service.create_user("sen@example.org", "Sen Person")
    db.session.commit()
    token = service.make_token(invited, service.INVITATION)
    days = app.config["LMS_INVITATION_DAYS"]
    real_time = time.time
    try:
        time.time = lambda: real_time() + days * 86400 + 60
        with pytest.raises(service.InvalidToken, match="expired"):
            service.read_token(token, service.INVITATION)
    finally:
        time.time = real_time
    assert service.read_token(token, service.INVITATION) == invited


def test_choosing_a_password_by_the_link_logs_the_person_in(client, anna, outbox):
    _ask_for_reset(client, anna.email)
    [link] = outbox.links()
    response = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    account = client.get("/account", headers={"Accept-Language": "en"})
    assert account.status_code == 200 and anna.email in account.text, "no second log-in with an empty form"
    assert "Ditt lösenord är sparat och du är inloggad." in account.text  # in Anna's language
