"""Role gates, object-level checks and CSRF on every form."""
import pytest

from lms.auth.models import Role
from lms.auth.permissions import can_manage_user, has_any_role
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_organisation, make_user

ADMIN_PAGES = ["/admin/users", "/admin/users/invite", "/admin/organisations", "/admin/organisations/new"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_learners_trainers_and_coordinators_are_refused(learner_client, trainer_client,
                                                        coordinator_client, path):
    for client in (learner_client, trainer_client, coordinator_client):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admins_get_in(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_admin_cannot_post_as_a_learner(learner_client):
    response = learner_client.post("/admin/users/invite", data={
        "email": "x@example.org", "name": "X", "organisation_id": 0, "roles": ["admin"], "locale": "sv",
    })
    assert response.status_code == 403


def test_object_level_organisation_contact_sees_only_own_members(app):
    own, other = make_organisation("Egna föreningen"), make_organisation("Andra föreningen")
    contact = make_user(roles=["organisation_contact"], organisation=own)
    member = make_user(organisation=own)
    stranger = make_user(organisation=other)
    assert can_manage_user(contact, member)
    assert not can_manage_user(contact, stranger)
    assert not can_manage_user(member, contact)


def test_admins_hold_every_role_for_gates(app):
    admin = make_user(roles=["admin"])
    learner = make_user(roles=["learner"])
    db.session.commit()
    assert has_any_role(admin, Role.COORDINATOR)
    assert not has_any_role(learner, Role.COORDINATOR)


CSRF_FORMS = [
    ("/login", {"email": "a@example.org", "password": "whatever pass"}),
    ("/password/forgot", {"email": "a@example.org"}),
    ("/language", {"locale": "en"}),
    ("/logout", {}),
    ("/account/profile", {"name": "X", "locale": "sv"}),
    ("/account/password", {"current": "a", "password": "b", "confirm": "b"}),
    ("/admin/users/invite", {"email": "x@example.org", "name": "X", "roles": ["learner"]}),
    ("/admin/organisations/new", {"name": "Ny förening", "sector": "non_profit"}),
]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path, data", CSRF_FORMS)
def test_forms_without_a_csrf_token_are_rejected(app, path, data):
    admin = make_user(roles=["admin"])
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": admin.email, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    response = client.post(path, data=data)
    assert response.status_code == 400
    if path == "/login":
        assert client.get("/account").status_code == 200, "still logged in: nothing happened"
