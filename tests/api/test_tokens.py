"""Personal access tokens: hashed, scoped by roles, refused when revoked, expired or wrong."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.api import tokens
from lms.api.models import ApiToken, TokenScope
from lms.auth.models import Role
from lms.auth.service import set_active, set_roles
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import CycleStatus
from tests.api.conftest import token_for
from tests.conftest import log_in
from tests.factories import make_user

NOW = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("roles, allowed", [
    (["learner"], ["read", "enrol"]),
    (["trainer"], ["read", "attendance"]),
    (["organisation_contact"], ["read", "enrol"]),
    (["coordinator"], ["read", "enrol", "attendance", "admin"]),
    (["admin"], ["read", "enrol", "attendance", "admin"]),
])
def test_scopes_are_limited_by_roles(app, roles, allowed):
    user = make_user(roles=roles)
    assert [scope.value for scope in tokens.allowed_scopes(user)] == allowed


def test_a_learner_cannot_get_the_attendance_or_admin_scope(app):
    learner = make_user()
    for scope in (TokenScope.ATTENDANCE, TokenScope.ADMIN):
        with pytest.raises(tokens.TokenError):
            tokens.create_token(learner, name="kiosk", scopes=[TokenScope.READ, scope], expires_at=None, now=NOW)


def test_only_the_hash_is_stored_and_the_secret_is_recognisable(app):
    user = make_user()
    token, secret = tokens.create_token(user, name="Skript", scopes=[TokenScope.READ], expires_at=None, now=NOW)
    db.session.commit()
    assert secret.startswith("kc_") and len(secret) > 40
    stored = db.session.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash == tokens.hash_secret(secret) and secret not in stored.token_hash
    assert stored.hint == secret[:10]
    assert tokens.find_usable_token(secret, NOW) == token
    assert tokens.find_usable_token(secret[:-1] + ("A" if secret[-1] != "A" else "B"), NOW) is None


def test_a_token_needs_a_name_a_scope_and_an_expiry_ahead(app):
    user = make_user()
    for kwargs in ({"name": " ", "scopes": [TokenScope.READ], "expires_at": None},
                   {"name": "x", "scopes": [], "expires_at": None},
                   {"name": "x", "scopes": [TokenScope.READ], "expires_at": NOW - timedelta(days=1)}):
        with pytest.raises(tokens.TokenError):
            tokens.create_token(user, now=NOW, **kwargs)


def test_revoked_expired_and_deactivated_tokens_stop_working(app):
    user = make_user()
    revoked, revoked_secret = tokens.create_token(user, name="a", scopes=[TokenScope.READ], expires_at=None, now=NOW)
    _expiring, expiring_secret = tokens.create_token(user, name="b", scopes=[TokenScope.READ],
                                                     expires_at=NOW + timedelta(days=30), now=NOW)
    tokens.revoke_token(revoked, actor_id=user.id, now=NOW)
    assert tokens.find_usable_token(revoked_secret, NOW) is None
    assert tokens.find_usable_token(expiring_secret, NOW + timedelta(days=29)) is not None
    assert tokens.find_usable_token(expiring_secret, NOW + timedelta(days=30)) is None
    set_active(user, False, actor_id=None)
    assert tokens.find_usable_token(expiring_secret, NOW) is None
    with pytest.raises(tokens.TokenError):
        tokens.revoke_token(revoked, actor_id=user.id, now=NOW)


def test_a_token_loses_the_scopes_its_owner_loses(app):
    trainer = make_user(roles=["trainer"])
    token, _secret = tokens.create_token(trainer, name="Surfplatta", scopes=[TokenScope.READ, TokenScope.ATTENDANCE],
                                         expires_at=None, now=NOW)
    set_roles(trainer, [Role.LEARNER], actor_id=None)
    db.session.flush()
    db.session.expire(trainer)
    assert tokens.effective_scopes(token) == {TokenScope.READ}


def test_last_use_is_written_at_most_once_a_minute(app):
    user = make_user()
    token, _secret = tokens.create_token(user, name="a", scopes=[TokenScope.READ], expires_at=None, now=NOW)
    assert tokens.note_use(token, NOW) is True
    assert tokens.note_use(token, NOW + timedelta(seconds=30)) is False
    assert tokens.note_use(token, NOW + timedelta(minutes=2)) is True
    assert token.last_used_at == NOW + timedelta(minutes=2)


# --- over HTTP ---------------------------------------------------------------------------------

def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert {"type", "title", "status", "detail", "instance"} <= set(body) and body["status"] == status
    return body


def test_no_token_on_a_private_endpoint_is_401_with_a_bearer_challenge(api, center):
    response = api.get("/me")
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer kc_short", "Bearer kc_" + "x" * 43,
                                    "Token kc_" + "x" * 43])
def test_malformed_and_unknown_tokens_are_401_everywhere(client, center, header):
    for path in ("/api/v1/me", "/api/v1/courses"):
        response = client.get(path, headers={"Authorization": header})
        _problem(response, 401)
        assert 'Bearer realm="kompetenscentret"' in response.headers["WWW-Authenticate"]


def test_a_revoked_token_is_401(api, center):
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == center.learner.id)).scalar_one()
    assert api.as_(center.secrets["learner"]).get("/me").status_code == 200
    tokens.revoke_token(token, actor_id=center.learner.id, now=utcnow())
    db.session.commit()
    response = api.as_(center.secrets["learner"]).get("/me")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    _problem(response, 401)


def test_an_expired_token_is_401(api, center):
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == center.learner.id)).scalar_one()
    token.created_at = utcnow() - timedelta(days=2)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _problem(api.as_(center.secrets["learner"]).get("/me"), 401)


def test_a_missing_scope_is_403_insufficient_scope(api, center):
    read_only = token_for(center.learner, ["read"])
    response = api.as_(read_only).post("/me/enrolments", json={"cycle_id": center.cycle.id})
    body = _problem(response, 403)
    assert body["type"].endswith("#problem-insufficient-scope")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="enrol"' in response.headers["WWW-Authenticate"]


def test_me_tells_who_the_token_belongs_to_and_what_it_may_do(api, center):
    body = api.as_(token_for(center.trainer, ["read"])).get("/me").json
    assert body["name"] == "Trainer" and body["roles"] == ["trainer"] and body["scopes"] == ["read"]
    assert body["token_expires_at"] is None


def test_using_a_token_records_when(api, center):
    api.as_(center.secrets["learner"]).get("/me")
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == center.learner.id)).scalar_one()
    db.session.refresh(token)
    assert token.last_used_at is not None and utcnow() - token.last_used_at < timedelta(minutes=1)


def test_a_logged_in_browser_session_gives_no_access(app, center):
    browser = app.test_client()
    assert log_in(browser, center.coordinator.email).status_code == 302
    assert browser.get("/account").status_code == 200
    _problem(browser.get("/api/v1/me"), 401)
    _problem(browser.get("/api/v1/cycles"), 401)
    _problem(browser.post("/api/v1/cycles/%d/publish" % center.cycle.id), 401)


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_bearer_requests_need_no_csrf_token(api, center, clock):
    response = api.as_(center.secrets["learner"]).post("/me/enrolments", json={"cycle_id": center.cycle.id})
    assert response.status_code == 201


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_API_RATE_LIMIT="3 per minute")
def test_the_rate_limit_counts_per_token(api, center):
    learner = api.as_(center.secrets["learner"])
    assert [learner.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    response = learner.get("/me")
    body = _problem(response, 429)
    assert "3 per 1 minute" in body["detail"] and response.headers.get("Retry-After")
    assert api.as_(center.secrets["trainer"]).get("/me").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_API_FAILED_TOKEN_RATE_LIMIT="3 per minute")
def test_unknown_tokens_are_limited_per_address(api, center):
    here = {"REMOTE_ADDR": "203.0.113.5"}
    guesses = [api.as_(tokens.PREFIX + f"guess{number:040d}").get("/me", environ_base=here) for number in range(4)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    assert guesses[-1].headers.get("Retry-After")
    learner = api.as_(center.secrets["learner"])
    assert learner.get("/me", environ_base=here).status_code == 429
    assert learner.get("/me", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_the_use_of_a_token_is_kept_when_the_call_is_refused(api, center, clock):
    """The last use is its own unit of work: the refusal's rollback does not take it back."""
    center.cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    response = api.as_(center.secrets["coordinator"]).post(f"/cycles/{center.cycle.id}/publish")
    assert response.status_code == 409
    db.session.expire_all()
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == center.coordinator.id)).scalar_one()
    assert token.last_used_at is not None
