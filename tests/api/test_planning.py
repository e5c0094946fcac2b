"""Coordinators plan and publish cycles and read their enrolments through the API."""
import pytest
from sqlalchemy import select

from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle
from tests.api.conftest import PLANNED_AT
from tests.factories import make_room


def _plan(center, **changes):
    body = {"course_id": center.course.id, "title": "Våren 2030", "capacity": 12,
            "trainer_ids": [center.trainer.id],
            "recurrence": {"first_date": "2030-03-19", "start_time": "18:00", "duration_minutes": 120,
                           "weekdays": [1], "count": 3}}
    body.update(changes)
    return body


def test_a_coordinator_plans_a_cycle_in_local_time_across_the_summer_time_change(api, center, clock):
    response = api.as_(center.secrets["coordinator"]).post("/cycles", json=_plan(center))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "draft" and response.headers["Location"].endswith(f"/api/v1/cycles/{body['id']}")
    starts = [s.starts_at.isoformat() for s in db.session.execute(
        select(ClassSession).where(ClassSession.cycle_id == body["id"]).order_by(ClassSession.starts_at)).scalars()]
    # 18:00 in Stockholm: 17:00 UTC in winter, 16:00 UTC after the change on 31 March 2030
    assert starts == ["2030-03-19T17:00:00+00:00", "2030-03-26T17:00:00+00:00", "2030-04-02T16:00:00+00:00"]


def test_a_monthly_and_an_rrule_recurrence(api, center, clock):
    coordinator = api.as_(center.secrets["coordinator"])
    monthly = coordinator.post("/cycles", json=_plan(center, recurrence={
        "kind": "monthly", "first_date": "2030-02-01", "start_time": "10:00", "duration_minutes": 180,
        "weekdays": [5], "nth": -1, "count": 2}))
    assert monthly.status_code == 201 and monthly.json["recurrence"]["rrule"] == "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1SA"
    rrule = coordinator.post("/cycles", json=_plan(center, recurrence={
        "kind": "rrule", "first_date": "2030-02-04", "start_time": "18:00", "duration_minutes": 90,
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=3"}))
    assert rrule.status_code == 201 and rrule.json["recurrence"]["kind"] == "rrule"


@pytest.mark.parametrize("change, field", [
    ({"capacity": 0}, "capacity"),
    ({"title": "   "}, "title"),
    ({"recurrence": {"first_date": "2030-03-19", "start_time": "18:00", "duration_minutes": 5,
                     "weekdays": [1], "count": 3}}, "recurrence.duration_minutes"),
    ({"recurrence": {"first_date": "9999-01-01", "start_time": "18:00", "duration_minutes": 60,
                     "weekdays": [1], "count": 3}}, "recurrence.first_date"),
    ({"trainer_ids": ["x"]}, "trainer_ids.0"),
])
def test_invalid_plans_are_422_with_field_errors(api, center, clock, change, field):
    response = api.as_(center.secrets["coordinator"]).post("/cycles", json=_plan(center, **change))
    assert response.status_code == 422 and field in response.json["errors"], response.json


@pytest.mark.parametrize("change, message", [
    ({"recurrence": {"first_date": "2030-03-19", "start_time": "18:00", "duration_minutes": 60,
                     "weekdays": [1]}}, "Say when the cycle ends"),
    ({"recurrence": {"kind": "rrule", "first_date": "2030-03-19", "start_time": "18:00",
                     "duration_minutes": 60, "rrule": "FREQ=SOMETIMES"}}, "FREQ"),
    ({"trainer_ids": [1]}, "Only people with the trainer role"),
    ({"course_id": 99999}, "Choose a course"),
])
def test_plans_the_planning_rules_refuse_are_422_with_their_message(api, center, clock, change, message):
    response = api.as_(center.secrets["coordinator"]).post("/cycles", json=_plan(center, **change))
    assert response.status_code == 422 and message in response.json["detail"], response.json
    assert db.session.execute(select(Cycle).where(Cycle.title == "Våren 2030")).first() is None


@pytest.mark.parametrize("who, status", [(None, 401), ("learner", 403), ("trainer", 403), ("contact", 403),
                                         ("coordinator", 201), ("admin", 201)])
def test_who_may_plan(api, center, clock, who, status):
    response = api.as_(center.secrets[who] if who else None).post("/cycles", json=_plan(center))
    assert response.status_code == status


def test_publishing_opens_the_cycle_once(api, center, clock):
    coordinator = api.as_(center.secrets["coordinator"])
    cycle_id = coordinator.post("/cycles", json=_plan(center, room_id=make_room("Stora salen").id)).json["id"]
    db.session.commit()
    assert api.get(f"/cycles/{cycle_id}").status_code == 404
    published = coordinator.post(f"/cycles/{cycle_id}/publish")
    assert published.status_code == 200 and published.json["status"] == "published"
    assert published.json["enrolment_open"] is True
    assert api.get(f"/cycles/{cycle_id}").json["status"] == "published"
    again = coordinator.post(f"/cycles/{cycle_id}/publish")
    assert again.status_code == 409 and again.json["type"].endswith("#problem-conflict")
    assert coordinator.post("/cycles/99999/publish").status_code == 404
    assert api.as_(center.secrets["trainer"]).post(f"/cycles/{cycle_id}/publish").status_code == 403


def test_the_cycle_list_filters_by_status_and_course(api, center, clock):
    coordinator = api.as_(center.secrets["coordinator"])
    coordinator.post("/cycles", json=_plan(center))
    assert [c["status"] for c in coordinator.get("/cycles").json["items"]] == ["published", "draft"]
    assert [c["title"] for c in coordinator.get("/cycles?status=draft").json["items"]] == ["Våren 2030"]
    assert coordinator.get("/cycles?course_id=99999").json["items"] == []
    assert api.as_(center.secrets["trainer"]).get("/cycles").status_code == 403


@pytest.mark.parametrize("who, status", [(None, 401), ("learner", 403), ("trainer", 403), ("other_trainer", 403),
                                         ("contact", 403), ("coordinator", 200), ("admin", 200)])
def test_who_may_read_a_cycles_enrolments(api, center, who, status):
    for person in (center.learner, center.other_learner, center.contact, center.admin):
        enrol(person.id, center.cycle, now=PLANNED_AT)
    db.session.commit()
    response = api.as_(center.secrets[who] if who else None).get(f"/cycles/{center.cycle.id}/enrolments")
    assert response.status_code == status
    if status == 200:
        items = response.json["items"]
        assert [e["status"] for e in items] == ["enrolled"] * 3 + ["waitlisted"]
        assert items[3]["waitlist_position"] == 1 and items[0]["learner"]["organisation"] == "Möllevångens Kulturförening"
        only = api.as_(center.secrets[who]).get(f"/cycles/{center.cycle.id}/enrolments?status=waitlisted").json
        assert [e["learner"]["name"] for e in only["items"]] == ["Admin"]


def test_a_rule_with_sessions_millennia_ahead_is_a_422_with_the_reason(api, center, clock):
    response = api.as_(center.secrets["coordinator"]).post("/cycles", json=_plan(center, recurrence={
        "kind": "rrule", "first_date": "2030-03-19", "start_time": "18:00", "duration_minutes": 60,
        "rrule": "FREQ=YEARLY;INTERVAL=3000;COUNT=4"}))
    assert response.status_code == 422 and "at most 5 years" in response.json["detail"], response.json
    assert db.session.execute(select(Cycle).where(Cycle.title == "Våren 2030")).first() is None
