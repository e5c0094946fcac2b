"""The organisation contact's members page: search, one member's enrolments and certificates,
enrolling and inviting; a contact sees only their own organisation; constant queries."""
from datetime import date

from sqlalchemy import event, select

from lms.auth.models import User
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.service import enrol
from lms.db_types import utcnow
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_course, make_cycle, make_organisation, make_user

EN = {"Accept-Language": "en"}


def _contact_world(app):
    own, other = make_organisation("Möllans förening"), make_organisation("Annan förening")
    contact = make_user("kontakt@example.org", roles=["organisation_contact"], organisation=own, locale="en")
    anna = make_user("anna@example.org", name="Anna Berg", organisation=own)
    bo = make_user("bo@example.org", name="Bo Ek", organisation=own)
    stranger = make_user("annan@example.org", name="Cecilia Annan", organisation=other)
    cycle = make_cycle(make_course(title="Föreningsekonomi"), title="Våren 2030", first_date=date(2030, 3, 5))
    enrol(anna.id, cycle, now=utcnow(), check_window=False, decided=True)
    db.session.commit()
    client = app.test_client()
    assert log_in(client, contact.email).status_code == 302
    return client, own, other, contact, anna, bo, stranger, cycle


def test_a_contact_searches_their_members_and_sees_who_is_enrolled_where(app):
    client, own, _other, _contact, anna, bo, stranger, _cycle = _contact_world(app)
    page = client.get("/organisation/members", headers=EN).text
    assert "Anna Berg" in page and "Bo Ek" in page and "Cecilia Annan" not in page
    assert "<bdi>Föreningsekonomi</bdi>: <bdi>Våren 2030</bdi>" in page and "3 members" in page  # the contact is a member too
    found = client.get("/organisation/members?q=ANNA", headers=EN).text
    assert "Anna Berg" in found and "Bo Ek" not in found and "1 member matches" in found
    assert client.get("/organisation/members?q=bo@example", headers=EN).text.count("Bo Ek") >= 1


def test_another_organisations_member_is_404_and_staff_see_any(app, coordinator_client, learner_client):
    client, own, other, _contact, anna, _bo, stranger, _cycle = _contact_world(app)
    assert client.get(f"/organisation/members/{anna.id}").status_code == 200
    assert client.get(f"/organisation/members/{stranger.id}").status_code == 404
    assert client.post(f"/organisation/members/{stranger.id}/enrol", data={"cycle_id": 1}).status_code == 404
    assert client.get(f"/organisation/members?organisation_id={other.id}", headers=EN).text.count("Cecilia") == 0
    assert learner_client.get("/organisation/members").status_code == 403
    assert coordinator_client.get(f"/organisation/members/{stranger.id}").status_code == 200
    assert "Cecilia Annan" in coordinator_client.get(f"/organisation/members?organisation_id={other.id}").text


def test_a_contact_enrols_a_member_from_their_page(app):
    client, _own, _other, _contact, _anna, bo, _stranger, cycle = _contact_world(app)
    page = client.get(f"/organisation/members/{bo.id}", headers=EN).text
    assert "Not enrolled anywhere." in page and f'value="{cycle.id}"' in page
    response = client.post(f"/organisation/members/{bo.id}/enrol", data={"cycle_id": cycle.id}, headers=EN)
    assert response.status_code == 302
    status = db.session.execute(select(Enrolment.status).where(Enrolment.user_id == bo.id)).scalar_one()
    assert status is EnrolmentStatus.ENROLLED
    page = client.get(f"/organisation/members/{bo.id}", headers=EN).text
    assert "is enrolled in Föreningsekonomi: Våren 2030" in page


def test_a_contact_invites_a_new_member_into_their_organisation(app, mail_outbox=None):
    client, own, *_ = _contact_world(app)
    response = client.post("/organisation/members/invite", data={"name": "Dana Ny", "email": "Dana@Example.org"})
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "dana@example.org")).scalar_one()
    assert user.organisation_id == own.id and user.password_hash is None


def test_the_report_counts_the_members_the_members_page_lists(app):
    client, own, *_ = _contact_world(app)
    report = client.get("/reports/organisation", headers=EN).text
    assert '<span class="key-figure">3</span>' in report and "All 3 members" in report


def test_the_members_page_needs_a_fixed_number_of_queries(app):
    client, own, *_rest, cycle = _contact_world(app)

    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/organisation/members").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries()
    for n in range(12):
        person = make_user(f"fler{n}@example.org", organisation=own)
        enrol(person.id, cycle, now=utcnow(), check_window=False, decided=True)
    db.session.commit()
    assert count_queries() == few
