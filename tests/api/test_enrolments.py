"""My enrolments, enrolling (wait-list, 409s), withdrawing, my schedule, and enrolling others."""

import pytest
from sqlalchemy import func, select

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.offers import offers_waiting
from lms.extensions import db
from tests.api.conftest import PLANNED_AT, at
from tests.factories import make_organisation, make_user


def _enrol(api, secret, cycle_id, **extra):
    return api.as_(secret).post("/me/enrolments", json={"cycle_id": cycle_id, **extra})


def _fill(center, seats: int):
    """`seats` other learners take seats (through the API)."""
    from lms.enrolment.service import enrol

    for _ in range(seats):
        enrol(make_user().id, center.cycle, now=PLANNED_AT)
    db.session.commit()


def test_a_learner_enrols_and_sees_it(api, center, clock):
    response = _enrol(api, center.secrets["learner"], center.cycle.id)
    assert response.status_code == 201 and response.headers["Location"].endswith("/api/v1/me/enrolments")
    assert response.json["status"] == "enrolled" and response.json["enrolled_at"] == "2029-12-01T12:00:00+00:00"
    listed = api.as_(center.secrets["learner"]).get("/me/enrolments").json["items"]
    assert [(e["cycle_title"], e["status"]) for e in listed] == [("Vintern 2030", "enrolled")]
    assert api.as_(center.secrets["other_learner"]).get("/me/enrolments").json["items"] == []


def test_enrolling_twice_is_409_already_enrolled(api, center, clock):
    _enrol(api, center.secrets["learner"], center.cycle.id)
    response = _enrol(api, center.secrets["learner"], center.cycle.id)
    assert response.status_code == 409 and response.json["type"].endswith("#problem-already-enrolled")
    assert db.session.execute(select(func.count(Enrolment.id))).scalar_one() == 1


def test_a_full_cycle_puts_people_on_the_wait_list_as_the_web_form_does(api, center, clock):
    _fill(center, 3)
    response = _enrol(api, center.secrets["learner"], center.cycle.id)
    assert response.status_code == 201
    assert response.json["status"] == "waitlisted" and response.json["waitlist_position"] == 1


def test_a_full_cycle_is_409_when_the_wait_list_is_declined(api, center, clock):
    _fill(center, 3)
    response = _enrol(api, center.secrets["learner"], center.cycle.id, join_waitlist=False)
    assert response.status_code == 409 and response.json["type"].endswith("#problem-cycle-full")
    assert db.session.execute(select(func.count(Enrolment.id)).where(
        Enrolment.status == EnrolmentStatus.WAITLISTED)).scalar_one() == 0


def test_enrolment_after_the_last_session_is_409(api, center, clock):
    clock(at(days=90))
    response = _enrol(api, center.secrets["learner"], center.cycle.id)
    assert response.status_code == 409 and response.json["type"].endswith("#problem-conflict")


@pytest.mark.parametrize("body, field", [({}, "cycle_id"), ({"cycle_id": "1"}, "cycle_id"),
                                         ({"cycle_id": 99999}, "cycle_id"), ({"cycle_id": 1, "x": 1}, "x")])
def test_invalid_enrolment_requests_are_422_with_field_errors(api, center, body, field):
    response = api.as_(center.secrets["learner"]).post("/me/enrolments", json=body)
    assert response.status_code == 422 and field in response.json["errors"]


def test_a_body_that_is_not_json_is_400(api, center):
    client = api.as_(center.secrets["learner"])
    assert client.post("/me/enrolments", data="cycle_id=1").status_code == 400
    assert client.post("/me/enrolments", data="{", headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize("who, status", [(None, 401), ("trainer", 403), ("coordinator", 403), ("admin", 201),
                                         ("learner", 201), ("contact", 201)])
def test_who_may_enrol_themselves(api, center, clock, who, status):
    response = _enrol(api, center.secrets[who] if who else None, center.cycle.id)
    assert response.status_code == status


def test_withdrawing_offers_the_seat_to_the_wait_list(api, center, clock):
    _fill(center, 2)
    mine = _enrol(api, center.secrets["learner"], center.cycle.id).json
    waiting = _enrol(api, center.secrets["other_learner"], center.cycle.id).json
    assert waiting["status"] == "waitlisted"
    response = api.as_(center.secrets["learner"]).post(f"/me/enrolments/{mine['id']}/withdraw")
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert api.as_(center.secrets["other_learner"]).get("/me/enrolments").json["items"][0]["status"] == "waitlisted"
    [offer] = offers_waiting(center.people["other_learner"].id, PLANNED_AT)
    assert offer.enrolment_id == waiting["id"]
    again = api.as_(center.secrets["learner"]).post(f"/me/enrolments/{mine['id']}/withdraw")
    assert again.status_code == 409


def test_nobody_withdraws_another_persons_enrolment(api, center, clock):
    mine = _enrol(api, center.secrets["learner"], center.cycle.id).json
    for who in ("other_learner", "coordinator", "admin"):
        assert api.as_(center.secrets[who]).post(f"/me/enrolments/{mine['id']}/withdraw").status_code == 404


def test_my_schedule_lists_my_sessions_between_from_and_to(api, center, clock):
    _enrol(api, center.secrets["learner"], center.cycle.id)
    client = api.as_(center.secrets["learner"])
    items = client.get("/me/schedule").json["items"]
    assert [i["starts_at"][:10] for i in items] == ["2030-01-08", "2030-01-15", "2030-01-22", "2030-01-29"]
    assert items[0]["course_title"] == "Styrelsearbete" and items[0]["cycle_title"] == "Vintern 2030"
    some = client.get("/me/schedule", query_string={"from": "2030-01-10T00:00:00+01:00",
                                                    "to": "2030-01-23T00:00:00Z"}).json["items"]
    assert [i["starts_at"][:10] for i in some] == ["2030-01-15", "2030-01-22"]
    assert client.get("/me/schedule?from=2030-01-10T00:00:00").status_code == 422  # no offset
    assert api.as_(center.secrets["other_learner"]).get("/me/schedule").json["items"] == []


def test_my_enrolments_filter_by_status(api, center, clock):
    _enrol(api, center.secrets["learner"], center.cycle.id)
    client = api.as_(center.secrets["learner"])
    assert len(client.get("/me/enrolments?status=enrolled").json["items"]) == 1
    assert client.get("/me/enrolments?status=waitlisted").json["items"] == []
    assert client.get("/me/enrolments?status=nonsense").status_code == 422


# --- enrolling others --------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [(None, 401), ("learner", 403), ("trainer", 403),
                                         ("coordinator", 201), ("admin", 201), ("contact", 201)])
def test_who_may_enrol_a_member(api, center, clock, who, status):
    response = api.as_(center.secrets[who] if who else None).post(
        f"/cycles/{center.cycle.id}/enrolments", json={"email": center.learner.email})
    assert response.status_code == status
    if status == 201:
        assert response.json["status"] == "enrolled"


def test_a_contact_enrols_only_their_own_members_and_learns_nothing_of_other_accounts(api, center, clock):
    stranger = make_user("annan@example.org", organisation=make_organisation("Annan förening"))
    db.session.commit()
    contact, path = api.as_(center.secrets["contact"]), f"/cycles/{center.cycle.id}/enrolments"
    other_member = contact.post(path, json={"email": stranger.email}, headers={"Accept-Language": "en"})
    nobody = contact.post(path, json={"email": "nobody@example.org"}, headers={"Accept-Language": "en"})
    assert other_member.status_code == nobody.status_code == 422
    assert other_member.json["errors"] == nobody.json["errors"] == {
        "email": ["No member of your organisation has this e-mail address or id."]}
    by_id = contact.post(path, json={"user_id": stranger.id})
    assert by_id.status_code == 422 and by_id.json["errors"]["user_id"]


def test_a_contact_does_not_enrol_a_staff_account_of_their_organisation(api, center, clock):
    trainer = make_user("tranare@example.org", roles=["trainer", "learner"], organisation=center.organisation)
    db.session.commit()
    response = api.as_(center.secrets["contact"]).post(
        f"/cycles/{center.cycle.id}/enrolments", json={"user_id": trainer.id}, headers={"Accept-Language": "en"})
    assert response.status_code == 403 and "staff account" in response.json["detail"]
    assert api.as_(center.secrets["coordinator"]).post(
        f"/cycles/{center.cycle.id}/enrolments", json={"user_id": trainer.id}).status_code == 201


def test_enrolling_someone_twice_or_unknown_is_refused(api, center, clock):
    client = api.as_(center.secrets["coordinator"])
    path = f"/cycles/{center.cycle.id}/enrolments"
    assert client.post(path, json={"user_id": center.learner.id}).status_code == 201
    assert client.post(path, json={"user_id": center.learner.id}).json["type"].endswith("#problem-already-enrolled")
    assert client.post(path, json={"email": "nobody@example.org"}).status_code == 422
    assert client.post(path, json={"email": "a@example.org", "user_id": 1}).status_code == 422
    assert client.post("/cycles/99999/enrolments", json={"user_id": center.learner.id}).status_code == 404


def _offered(api, center) -> tuple[dict, dict]:
    """The learner holds a seat, the other learner waits; the learner withdraws, so the other is offered it."""
    _fill(center, 2)
    mine = _enrol(api, center.secrets["learner"], center.cycle.id).json
    waiting = _enrol(api, center.secrets["other_learner"], center.cycle.id).json
    api.as_(center.secrets["learner"]).post(f"/me/enrolments/{mine['id']}/withdraw")
    return mine, waiting


def test_an_offer_from_the_wait_list_shows_with_its_deadline_and_is_taken(api, center, clock):
    _, waiting = _offered(api, center)
    other = api.as_(center.secrets["other_learner"])
    [listed] = other.get("/me/enrolments").json["items"]
    [offer] = offers_waiting(center.people["other_learner"].id, PLANNED_AT)
    assert listed["status"] == "waitlisted" and listed["offer_expires_at"] is not None
    assert listed["offer_expires_at"].startswith(offer.expires_at.strftime("%Y-%m-%dT%H:%M"))
    response = other.post(f"/me/enrolments/{waiting['id']}/offer/accept")
    assert response.status_code == 200 and response.json["status"] == "enrolled"
    assert response.json["offer_expires_at"] is None
    again = other.post(f"/me/enrolments/{waiting['id']}/offer/accept")
    assert again.status_code == 409 and again.json["type"].endswith("#problem-conflict")


def test_declining_an_offer_leaves_the_wait_list(api, center, clock):
    _, waiting = _offered(api, center)
    response = api.as_(center.secrets["other_learner"]).post(f"/me/enrolments/{waiting['id']}/offer/decline")
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert offers_waiting(center.people["other_learner"].id, PLANNED_AT) == []


def test_an_offer_is_answered_only_by_its_holder_and_only_while_open(api, center, clock):
    mine, waiting = _offered(api, center)
    for who in ("learner", "coordinator", "admin"):
        assert api.as_(center.secrets[who]).post(f"/me/enrolments/{waiting['id']}/offer/accept").status_code == 404
    withdrawn = api.as_(center.secrets["learner"]).post(f"/me/enrolments/{mine['id']}/offer/accept")
    assert withdrawn.status_code == 409
    clock(at(days=30))  # long past the offer's time
    late = api.as_(center.secrets["other_learner"]).post(f"/me/enrolments/{waiting['id']}/offer/accept")
    assert late.status_code == 409
