"""The log-in limits (docs/security.md): nobody can lock an owner out, look-alike spellings count as one."""
from urllib.parse import urlsplit

import pytest

from lms.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

WRONG = "wrong password x"
EN = {"Accept-Language": "en"}
LOOK_ALIKE = "anna@\uff45xample.org"  # a full-width "e" in the domain: the same account after UTS-46


@pytest.fixture
def anna(app):
    user = make_user("anna@example.org", name="Anna Berg")
    db.session.commit()
    return user


def _log_in(client, address, email="anna@example.org", password=DEFAULT_PASSWORD, **headers):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers={**EN, **headers})


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app, anna):
    attacker, owner = app.test_client(), app.test_client()
    statuses = [_log_in(attacker, "203.0.113.1", password=WRONG).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert _log_in(owner, "198.51.100.7").status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_a_look_alike_spelling_counts_against_the_same_account(app, anna):
    attacker = app.test_client()
    for _ in range(10):
        _log_in(attacker, "203.0.113.1", password=WRONG)
    assert _log_in(attacker, "203.0.113.1", email=LOOK_ALIKE).status_code == 429
    assert _log_in(attacker, "203.0.113.1", email="ANNA@EXAMPLE.ORG").status_code == 429


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_LOGIN_ACCOUNT_RATE_LIMIT="5 per hour")
def test_the_account_wide_throttle_counts_look_alikes_and_spares_a_known_device(app, anna):
    laptop = app.test_client()
    assert _log_in(laptop, "198.51.100.7").status_code == 302  # the owner's own device, once
    laptop.post("/logout")
    attacker = app.test_client()
    for number in range(5):
        spelling = LOOK_ALIKE if number % 2 else "anna@example.org"
        assert _log_in(attacker, f"203.0.113.{number}", email=spelling, password=WRONG).status_code == 200
    new_phone = app.test_client()
    refused = _log_in(new_phone, "198.51.100.8", email=LOOK_ALIKE)
    assert refused.status_code == 429
    assert "Forgot your password?" in refused.text
    assert _log_in(laptop, "198.51.100.7").status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_LOGIN_ACCOUNT_RATE_LIMIT="5 per hour")
def test_the_reset_link_lets_the_owner_in_while_the_account_is_throttled(app, anna, outbox):
    attacker, phone = app.test_client(), app.test_client()
    for number in range(5):
        _log_in(attacker, f"203.0.113.{number}", password=WRONG)
    assert _log_in(phone, "198.51.100.8").status_code == 429
    asked = phone.post("/password/forgot", data={"email": "anna@example.org"},
                       environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert asked.status_code == 302
    [link] = outbox.links()
    new = "kastanjer vid möllan"
    chosen = phone.post(urlsplit(link).path, data={"password": new, "confirm": new},
                        environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert chosen.status_code == 302
    assert _log_in(phone, "198.51.100.8", password=new).status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_LOGIN_RATE_LIMIT="2 per 45 minutes")
def test_the_refusal_says_the_real_wait_in_words_and_keeps_the_address(app, anna):
    client = app.test_client()
    for _ in range(2):
        _log_in(client, "203.0.113.1", password=WRONG)
    refused = _log_in(client, "203.0.113.1", password="my secret guess", **{"Accept-Language": "sv"})
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 44 * 60 < seconds <= 45 * 60
    assert "Försök igen om 45 minuter." in refused.text
    assert 'value="anna@example.org"' in refused.text
    assert "my secret guess" not in refused.text


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_LOGIN_RATE_LIMIT="2 per hour")
def test_a_form_with_errors_and_a_successful_log_in_use_up_no_attempt(app, anna):
    client = app.test_client()
    for _ in range(5):
        assert _log_in(client, "203.0.113.1", password="").status_code == 200
    for _ in range(3):
        assert _log_in(client, "203.0.113.1").status_code == 302
        client.post("/logout")
    assert _log_in(client, "203.0.113.1", password=WRONG).status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_LOGIN_CLIENT_RATE_LIMIT="3 per hour")
def test_one_address_cannot_guess_many_accounts(app, anna):
    client = app.test_client()
    for number in range(3):
        _log_in(client, "203.0.113.1", email=f"someone{number}@example.org", password=WRONG)
    assert _log_in(client, "203.0.113.1", email="another@example.org", password=WRONG).status_code == 429
    assert _log_in(app.test_client(), "198.51.100.7").status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_RESET_ADDRESS_RATE_LIMIT="1 per hour")
def test_reset_requests_count_per_normalised_address(app, anna, outbox):
    first = app.test_client().post("/password/forgot", data={"email": "anna@example.org"},
                                   environ_base={"REMOTE_ADDR": "203.0.113.1"})
    again = app.test_client().post("/password/forgot", data={"email": LOOK_ALIKE.upper()},
                                   environ_base={"REMOTE_ADDR": "203.0.113.2"}, headers=EN)
    assert (first.status_code, again.status_code) == (302, 429)
    assert 'value="' + LOOK_ALIKE.upper() + '"' in again.text
    assert len(outbox.messages()) == 1
