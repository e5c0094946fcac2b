"""Log-in, log-out and server-side sessions, through the HTTP layer."""
import pytest

from lms.extensions import db
from tests.conftest import log_in
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def anna(app):
    user = make_user("anna@example.org", name="Anna Berg")
    db.session.commit()
    return user


def test_log_in_with_any_letter_case_and_see_your_name(client, anna):
    response = log_in(client, "  Anna@Example.ORG ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Anna Berg" in client.get("/").text


@pytest.mark.parametrize("email, password", [
    ("anna@example.org", "wrong password here"),
    ("nobody@example.org", DEFAULT_PASSWORD),
])
def test_wrong_credentials_get_one_answer_for_both_cases(client, anna, email, password):
    response = client.post("/login", data={"email": email, "password": password},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "The e-mail address or the password is wrong." in response.text


def test_a_deactivated_account_cannot_log_in(client, anna):
    anna.active = False
    db.session.commit()
    assert log_in(client, anna.email).status_code == 200


def test_session_cookie_flags(client, anna):
    response = log_in(client, anna.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_log_in_starts_a_fresh_session(client, anna):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, anna.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def _session_cookie(client):
    return client.get_cookie("lms_session").value


def test_log_out_ends_the_session_on_the_server(client, anna):
    log_in(client, anna.email)
    copied = _session_cookie(client)
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302
    client.set_cookie("lms_session", copied)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_log_out_on_one_device_keeps_the_other_logged_in(app, anna):
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, anna.email)
    log_in(laptop, anna.email)
    phone.post("/logout")
    assert laptop.get("/account").status_code == 200


def test_changing_the_password_ends_every_session(app, anna):
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, anna.email)
    log_in(laptop, anna.email)
    response = phone.post("/account/password", data={
        "current": DEFAULT_PASSWORD, "password": "ny fras om kastanjer", "confirm": "ny fras om kastanjer",
    })
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    assert log_in(phone, anna.email, "ny fras om kastanjer").status_code == 302


def test_changing_the_password_needs_the_current_one(client, anna):
    log_in(client, anna.email)
    response = client.post("/account/password", data={
        "current": "not my password", "password": "ny fras om kastanjer", "confirm": "ny fras om kastanjer",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert log_in(client.application.test_client(), anna.email).status_code == 302


def test_deactivating_an_account_ends_its_sessions(app, admin_client, anna):
    client = app.test_client()
    log_in(client, anna.email)
    admin_client.post(f"/admin/users/{anna.id}", data={
        "name": anna.name, "organisation_id": 0, "roles": ["learner"], "locale": "sv",
    })
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example/phish", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", " //evil.example", "\t/\\evil.example", "evil.example",
])
def test_next_never_leaves_the_site(client, anna, target):
    response = client.post("/login", data={"email": anna.email, "password": DEFAULT_PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_next_returns_to_the_page_asked_for(client, anna):
    first = client.get("/account")
    assert first.status_code == 302 and "next=" in first.headers["Location"]
    response = client.post("/login", data={"email": anna.email, "password": DEFAULT_PASSWORD,
                                           "next": "/account"})
    assert response.headers["Location"] == "/account"


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_log_in_is_rate_limited(client, anna):
    statuses = [
        client.post("/login", data={"email": anna.email, "password": "wrong password x"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_session_cookie_changed_by_one_character_is_refused_after_the_genuine_one_was_read(client, anna):
    """The process remembers cookies whose signature it checked: only the exact string."""
    log_in(client, anna.email)
    genuine = _session_cookie(client)
    assert client.get("/account").status_code == 200
    payload, signature = genuine.rsplit(".", 1)
    forged = f"{payload}.{('A' if signature[0] != 'A' else 'B')}{signature[1:]}"
    client.set_cookie("lms_session", forged)
    assert client.get("/account").status_code == 302
    client.set_cookie("lms_session", genuine)
    assert client.get("/account").status_code == 200


def test_each_request_gets_its_own_copy_of_a_remembered_session(app, client, anna):
    log_in(client, anna.email)
    cookie = _session_cookie(client)
    interface = app.session_interface
    with app.test_request_context("/", headers={"Cookie": f"lms_session={cookie}"}) as first:
        session = interface.open_session(app, first.request)
        session.setdefault("_flashes", []).append(("info", "for this request only"))
    with app.test_request_context("/", headers={"Cookie": f"lms_session={cookie}"}) as second:
        assert "_flashes" not in interface.open_session(app, second.request)
