"""Admins invite people, give roles, deactivate accounts and keep organisations."""
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import Organisation, Role, User
from lms.extensions import db
from tests.factories import make_organisation, make_user


def _invite(client, **overrides):
    data = {"email": "ny@example.org", "name": "Ny Person", "organisation_id": 0,
            "roles": ["learner"], "locale": "sv"}
    data.update(overrides)
    return client.post("/admin/users/invite", data=data, headers={"Accept-Language": "en"})


def test_invite_creates_an_account_without_a_password(admin_client):
    organisation = make_organisation("Språkvänner i Malmö")
    db.session.commit()
    assert _invite(admin_client, organisation_id=organisation.id, roles=["trainer", "learner"]).status_code == 302
    user = db.session.execute(select(User).where(User.email == "ny@example.org")).scalar_one()
    assert user.password_hash is None
    assert user.roles == {Role.TRAINER, Role.LEARNER}
    assert user.organisation_id == organisation.id
    page = admin_client.get("/admin/users?q=ny", headers={"Accept-Language": "en"}).text
    assert "Ny Person" in page and "Invited" in page


def test_an_e_mail_already_used_in_another_case_is_refused(admin_client):
    make_user("anna@example.org")
    db.session.commit()
    response = _invite(admin_client, email="ANNA@example.org")
    assert response.status_code == 200
    assert "already exists" in response.text


def test_role_changes_are_audited(admin_client):
    user = make_user(roles=["learner"])
    db.session.commit()
    admin_client.post(f"/admin/users/{user.id}", data={
        "name": user.name, "organisation_id": 0, "roles": ["learner", "coordinator"],
        "locale": "sv", "active": "y",
    })
    db.session.expire_all()
    assert user.roles == {Role.LEARNER, Role.COORDINATOR}
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "user.roles_changed", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id.desc())
    ).scalars().first()
    assert event.actor_id == admin_client.user.id
    assert event.details == {"before": ["learner"], "after": ["coordinator", "learner"]}


def test_an_admin_cannot_lock_themselves_out(admin_client):
    me = admin_client.user
    response = admin_client.post(f"/admin/users/{me.id}", data={
        "name": me.name, "organisation_id": 0, "roles": ["learner"], "locale": "sv", "active": "y",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "cannot take the administrator role from yourself" in response.text
    db.session.expire_all()
    assert Role.ADMIN in me.roles


def test_user_list_filters_by_role_and_search(admin_client):
    make_user(name="Tove Utbildare", roles=["trainer"])
    make_user(name="Lars Lärande", roles=["learner"])
    db.session.commit()
    trainers = admin_client.get("/admin/users?role=trainer").text
    assert "Tove Utbildare" in trainers and "Lars Lärande" not in trainers
    found = admin_client.get("/admin/users?q=lärande").text
    assert "Lars Lärande" in found and "Tove Utbildare" not in found


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_organisations_are_created_listed_with_member_counts_and_edited(admin_client):
    response = admin_client.post("/admin/organisations/new", data={
        "name": "Fosie Matkasse", "sector": "non_profit", "organisation_number": "8025196620",
        "contact_email": "Info@Fosie.example", "active": "y",
    })
    assert response.status_code == 302
    organisation = db.session.execute(select(Organisation)).scalar_one()
    assert organisation.organisation_number == "802519-6620"
    assert organisation.contact_email == "info@fosie.example"
    make_user(organisation=organisation)
    make_user(organisation=organisation)
    db.session.commit()
    page = admin_client.get("/admin/organisations").text
    assert "Fosie Matkasse" in page and '<td class="num">2</td>' in page
    admin_client.post(f"/admin/organisations/{organisation.id}", data={
        "name": "Fosie Matkasse ideell förening", "sector": "non_profit", "organisation_number": "",
    })
    db.session.expire_all()
    assert organisation.name == "Fosie Matkasse ideell förening"
    assert organisation.active is False


def test_duplicate_organisation_names_and_numbers_are_refused(admin_client):
    make_organisation("Hyllie Idrottsallians")
    db.session.commit()
    response = admin_client.post("/admin/organisations/new", data={
        "name": "hyllie idrottsallians", "sector": "non_profit",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "already exists" in response.text


def test_a_bad_organisation_number_is_explained(admin_client):
    response = admin_client.post("/admin/organisations/new", data={
        "name": "Nya föreningen", "sector": "non_profit", "organisation_number": "12-34",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "802000-0000" in response.text


@pytest.mark.parametrize("wildcard", ["%", "_"])
def test_the_user_search_takes_like_wildcards_literally(admin_client, wildcard):
    make_user(name="Lars Lärande", roles=["learner"])
    make_user(name="Procent 100%_", roles=["learner"])
    db.session.commit()
    found = admin_client.get("/admin/users", query_string={"q": wildcard}).text
    assert "Procent 100%_" in found and "Lars Lärande" not in found


def test_a_duplicate_organisation_number_is_reported_under_the_number_field(admin_client):
    make_organisation("Hyllie Idrottsallians").organisation_number = "802519-6620"
    db.session.commit()
    response = admin_client.post("/admin/organisations/new", data={
        "name": "Annan förening", "sector": "non_profit", "organisation_number": "8025196620",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert '<div class="error" id="organisation_number-error"><p>Another organisation has the number' in response.text
    assert 'id="name-error"' not in response.text


def test_an_invitation_refused_after_the_account_was_written_leaves_no_account(admin_client, outbox, monkeypatch):
    """The form is shown again and the request then commits: the refused part must be undone first."""
    from lms.auth import service as accounts

    create_user = accounts.create_user

    def refuse_after_writing(*args, **kwargs):
        create_user(*args, **kwargs)
        raise accounts.AccountError("Refused after the account was written.")

    monkeypatch.setattr(accounts, "create_user", refuse_after_writing)
    response = _invite(admin_client)
    assert response.status_code == 200 and "Refused after the account was written." in response.text
    db.session.expire_all()
    assert db.session.execute(select(User).where(User.email == "ny@example.org")).scalar_one_or_none() is None
    assert outbox.messages() == []
