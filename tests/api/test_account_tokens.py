"""The token section of the account page: create (shown once), scopes by role, revoke, CSRF."""
import pytest
from sqlalchemy import select

from lms.api.models import ApiToken
from lms.extensions import db
from tests.factories import make_user


def _create(client, **data):
    form = {"name": "Incheckningskiosk", "scopes": ["read"], "expires_in_days": "90", **data}
    prefixed = {key if key == "csrf_token" else f"token-{key}": value for key, value in form.items()}
    return client.post("/account/tokens", data=prefixed)


def test_the_account_page_offers_the_scopes_the_roles_allow(learner_client, trainer_client):
    page = learner_client.get("/account").get_data(as_text=True)
    assert "Access tokens for the API" in page and 'value="enrol"' in page and 'value="attendance"' not in page
    page = trainer_client.get("/account").get_data(as_text=True)
    assert 'value="attendance"' in page and 'value="admin"' not in page


def test_a_new_token_is_shown_once_and_then_works(learner_client):
    response = _create(learner_client, scopes=["read", "enrol"])
    assert response.status_code == 201
    secret = response.get_data(as_text=True).split('id="new-token" type="text" value="')[1].split('"')[0]
    assert secret.startswith("kc_")
    assert learner_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    account = learner_client.get("/account").get_data(as_text=True)
    assert secret not in account and secret[:10] in account and "Incheckningskiosk" in account


def test_a_learner_cannot_create_an_attendance_token(learner_client):
    response = _create(learner_client, scopes=["read", "attendance"])
    assert response.status_code == 422
    assert db.session.execute(select(ApiToken)).first() is None


def test_a_token_needs_a_name_and_a_scope(learner_client):
    assert _create(learner_client, name="").status_code == 422
    assert _create(learner_client, scopes=[]).status_code == 422


def test_never_expiring_tokens_may_be_chosen(coordinator_client):
    assert _create(coordinator_client, scopes=["admin"], expires_in_days="0").status_code == 201
    assert db.session.execute(select(ApiToken)).scalar_one().expires_at is None


def test_revoking_a_token_stops_it(learner_client):
    page = _create(learner_client).get_data(as_text=True)
    secret = page.split('id="new-token" type="text" value="')[1].split('"')[0]
    token = db.session.execute(select(ApiToken)).scalar_one()
    response = learner_client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert learner_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "revoked" in learner_client.get("/account").get_data(as_text=True)


def test_nobody_revokes_another_persons_token(learner_client, admin_client):
    _create(learner_client)
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert admin_client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.post("/account/tokens", data={"token-name": "x"}).status_code == 302
    assert client.post("/account/tokens/1/revoke").status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_token_forms_need_the_csrf_token(app):
    user = make_user(locale="en")
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": csrf})
    assert _create(client).status_code == 400
    assert db.session.execute(select(ApiToken)).first() is None
    assert client.post("/account/tokens/1/revoke").status_code == 400
    account = client.get("/account").get_data(as_text=True)
    fresh = account.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert _create(client, csrf_token=fresh).status_code == 201
