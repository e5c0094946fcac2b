"""Reserved seats over HTTP: the coordinator's planning page and form, the contact's members page,
who may do what (403 for another organisation's contact and for a learner), CSRF."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.db_types import utcnow
from lms.enrolment import reservations
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.reservation_models import SeatReservation
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_course, make_cycle, make_organisation, make_user
from tests.seats import assert_no_seat_drift

EN = {"Accept-Language": "en"}


def _world(app):
    ours, theirs = make_organisation("Möllans kultur"), make_organisation("Rosengårds IF")
    contact = make_user("kontakt@example.org", roles=["learner", "organisation_contact"], organisation=ours,
                        locale="en")
    other_contact = make_user("annan@example.org", roles=["learner", "organisation_contact"], organisation=theirs,
                              locale="en")
    anna = make_user("anna@example.org", name="Anna Berg", organisation=ours)
    stranger = make_user("cecilia@example.org", name="Cecilia Annan", organisation=theirs)
    cycle = make_cycle(make_course(title="Föreningsekonomi"), title="Våren 2030", first_date=date(2030, 3, 5),
                       capacity=6)
    block = reservations.reserve(cycle, [ours.id], 3, utcnow() + timedelta(days=30), actor_id=None, now=utcnow())
    db.session.commit()
    return dict(ours=ours, theirs=theirs, contact=contact, other_contact=other_contact, anna=anna,
                stranger=stranger, cycle=cycle, block=block)


def _client(app, user):
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def test_a_coordinator_reserves_seats_for_two_organisations_and_sees_them(app, coordinator_client):
    w = _world(app)
    give_by = (date.today() + timedelta(days=10)).isoformat()
    response = coordinator_client.post(f"/planning/cycles/{w['cycle'].id}/reservations", data={
        "organisation_ids": [w["ours"].id, w["theirs"].id], "seats": 2, "give_by": give_by})
    assert response.status_code == 302
    page = coordinator_client.get(f"/planning/cycles/{w['cycle'].id}", headers=EN).text
    assert "Reserved seats" in page and "Möllans kultur, Rosengårds IF" in page and "2 seats reserved" in page
    assert "5 of 6 taken" in page  # 3 + 2 reserved, not open to others
    too_many = coordinator_client.post(f"/planning/cycles/{w['cycle'].id}/reservations", data={
        "organisation_ids": [w["ours"].id], "seats": 2, "give_by": give_by}, headers=EN, follow_redirects=True)
    assert "Only 1 seat is free in this cycle." in too_many.text
    assert db.session.execute(select(SeatReservation).where(SeatReservation.seats == 2)).scalar_one()
    assert_no_seat_drift()


def test_a_coordinator_releases_a_block_now(app, coordinator_client):
    w = _world(app)
    response = coordinator_client.post(f"/reservations/{w['block'].id}/release", headers=EN, follow_redirects=True)
    assert "3 seats returned to the open pool." in response.text
    db.session.expire_all()
    assert w["cycle"].seats_taken == 0


def test_a_contact_gives_a_reserved_seat_from_the_members_page(app):
    w = _world(app)
    client = _client(app, w["contact"])
    page = client.get("/organisation/members", headers=EN).text
    assert "Seats reserved for you" in page and "3 seats left to give" in page and "Anna Berg" in page
    assert "Cecilia Annan" not in page
    response = client.post(f"/reservations/{w['block'].id}/give", data={f"block{w['block'].id}-member_id": w["anna"].id},
                           headers=EN, follow_redirects=True)
    assert "Anna Berg has a reserved seat in Föreningsekonomi: Våren 2030." in response.text
    assert "2 seats left to give" in response.text
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == w["anna"].id)).scalar_one()
    assert enrolment.status is EnrolmentStatus.ENROLLED
    assert_no_seat_drift()


def test_a_contact_cannot_give_a_seat_to_another_organisations_member(app):
    w = _world(app)
    client = _client(app, w["contact"])
    response = client.post(f"/reservations/{w['block'].id}/give",
                           data={f"block{w['block'].id}-member_id": w["stranger"].id}, headers=EN, follow_redirects=True)
    assert "Choose a member who has no seat in this cycle yet." in response.text
    assert db.session.execute(select(Enrolment)).scalars().all() == []


def test_another_organisations_contact_and_a_learner_are_refused(app, learner_client, trainer_client):
    w = _world(app)
    block_id = w["block"].id
    other = _client(app, w["other_contact"])
    assert other.post(f"/reservations/{block_id}/give", data={f"block{block_id}-member_id": w["stranger"].id}
                      ).status_code == 403
    assert "Seats reserved for you" not in other.get("/organisation/members", headers=EN).text
    assert learner_client.post(f"/reservations/{block_id}/give", data={}).status_code == 403
    assert trainer_client.post(f"/reservations/{block_id}/give", data={}).status_code == 403
    contact = _client(app, w["contact"])
    assert contact.post(f"/reservations/{block_id}/release").status_code == 403
    assert contact.post(f"/planning/cycles/{w['cycle'].id}/reservations",
                        data={"organisation_ids": [w["ours"].id], "seats": 1, "give_by": "2030-01-01"}).status_code == 403
    assert learner_client.post(f"/reservations/{block_id}/release").status_code == 403
    assert contact.post("/reservations/999999/give", data={}).status_code == 404
    db.session.expire_all()
    assert w["block"].seats_assigned == 0 and w["block"].released_at is None


def test_a_coordinator_gives_a_seat_for_an_organisation(app, coordinator_client):
    w = _world(app)
    block_id = w["block"].id
    page = coordinator_client.get(f"/organisation/members?organisation_id={w['ours'].id}", headers=EN).text
    assert "Seats reserved for you" in page
    assert coordinator_client.post(f"/reservations/{block_id}/give", data={
        f"block{block_id}-member_id": w["anna"].id}).status_code == 400  # whose members: not said
    response = coordinator_client.post(f"/reservations/{block_id}/give", data={
        "organisation_id": w["ours"].id, f"block{block_id}-member_id": w["anna"].id}, headers=EN, follow_redirects=True)
    assert "Anna Berg has a reserved seat" in response.text


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_reserved_seat_forms_need_a_csrf_token(app):
    w = _world(app)
    coordinator = make_user(roles=["coordinator"])
    db.session.commit()
    for user, path, data in (
        (w["contact"], f"/reservations/{w['block'].id}/give", {f"block{w['block'].id}-member_id": w["anna"].id}),
        (coordinator, f"/reservations/{w['block'].id}/release", {}),
        (coordinator, f"/planning/cycles/{w['cycle'].id}/reservations",
         {"organisation_ids": [w["ours"].id], "seats": 1, "give_by": "2030-01-01"}),
    ):
        client = app.test_client()
        token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                           "csrf_token": token}).status_code == 302
        assert client.post(path, data=data).status_code == 400
    db.session.expire_all()
    assert w["block"].seats_assigned == 0 and w["block"].released_at is None
    assert db.session.execute(select(SeatReservation)).scalars().all() == [w["block"]]
