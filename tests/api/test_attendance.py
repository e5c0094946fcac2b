"""Roll call through the API: who may read and record, what is recorded, attendance per cycle."""
import pytest
from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceMethod
from lms.audit.models import AuditEvent
from lms.enrolment.service import enrol
from lms.extensions import db
from tests.api.conftest import FIRST_START, PLANNED_AT, token_for
from tests.factories import make_user


@pytest.fixture
def enrolled(center):
    """The learner and the other learner hold seats from before the first session."""
    for person in (center.learner, center.other_learner):
        enrol(person.id, center.cycle, now=PLANNED_AT)
    db.session.commit()
    return center


def _first(center):
    return center.sessions[0].id


ROLES = [(None, 401), ("learner", 403), ("other_trainer", 403), ("trainer", 200), ("coordinator", 200),
         ("admin", 200)]


@pytest.mark.parametrize("who, status", ROLES)
def test_who_may_read_a_roll_call(api, enrolled, who, status):
    response = api.as_(enrolled.secrets[who] if who else None).get(f"/sessions/{_first(enrolled)}/roll-call")
    assert response.status_code == status
    if status == 200:
        body = response.json
        assert [e["learner"]["name"] for e in body["learners"]] == ["Learner", "Other Learner"]
        assert body["learners"][0]["status"] is None and body["session"]["starts_at"] == "2030-01-08T17:00:00+00:00"


@pytest.mark.parametrize("who, status", [(w, 200 if s == 200 else s) for w, s in ROLES])
def test_who_may_record(api, enrolled, clock, who, status):
    clock(FIRST_START)
    response = api.as_(enrolled.secrets[who] if who else None).put(
        f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}", json={"status": "present"})
    assert response.status_code == status
    recorded = db.session.execute(select(Attendance)).scalars().all()
    assert len(recorded) == (1 if status == 200 else 0)


def test_a_trainer_token_without_the_attendance_scope_is_403(api, enrolled, clock):
    clock(FIRST_START)
    read_only = token_for(enrolled.trainer, ["read"])
    response = api.as_(read_only).put(f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}",
                                      json={"status": "present"})
    assert response.status_code == 403 and response.json["type"].endswith("#problem-insufficient-scope")


def test_recording_is_audited_and_recording_again_changes_nothing(api, enrolled, clock):
    clock(FIRST_START)
    trainer = api.as_(enrolled.secrets["trainer"])
    path = f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}"
    first = trainer.put(path, json={"status": "late", "note": "Tåget var sent"}).json
    assert first["changed"] is True and first["status"] == "late" and first["method"] == "roll_call"
    assert trainer.put(path, json={"status": "late", "note": "Tåget var sent"}).json["changed"] is False
    row = db.session.execute(select(Attendance)).scalar_one()
    assert row.recorded_by_id == enrolled.trainer.id and row.method is AttendanceMethod.ROLL_CALL
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "attendance.recorded")).scalars().all()
    assert len(events) == 1 and events[0].actor_id == enrolled.trainer.id
    roll = trainer.get(f"/sessions/{_first(enrolled)}/roll-call").json["learners"]
    assert [(e["learner"]["name"], e["status"], e["note"]) for e in roll] == [
        ("Learner", "late", "Tåget var sent"), ("Other Learner", None, "")]


def test_only_an_excused_absence_is_recorded_before_the_session(api, enrolled, clock):
    trainer = api.as_(enrolled.secrets["trainer"])
    path = f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}"
    early = trainer.put(path, json={"status": "present"})
    assert early.status_code == 409 and early.json["type"].endswith("#problem-conflict")
    assert trainer.put(path, json={"status": "excused"}).status_code == 200


def test_learners_not_enrolled_or_unknown_are_refused(api, enrolled, clock):
    clock(FIRST_START)
    stranger = make_user()
    db.session.commit()
    trainer = api.as_(enrolled.secrets["trainer"])
    assert trainer.put(f"/sessions/{_first(enrolled)}/roll-call/{stranger.id}",
                       json={"status": "present"}).status_code == 409
    assert trainer.put(f"/sessions/{_first(enrolled)}/roll-call/99999", json={"status": "present"}).status_code == 404
    assert trainer.put("/sessions/99999/roll-call/1", json={"status": "present"}).status_code == 404
    bad = trainer.put(f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}", json={"status": "here"})
    assert bad.status_code == 422 and "status" in bad.json["errors"]


@pytest.mark.parametrize("who, status", ROLES)
def test_attendance_per_cycle(api, enrolled, clock, who, status):
    clock(FIRST_START)
    api.as_(enrolled.secrets["trainer"]).put(f"/sessions/{_first(enrolled)}/roll-call/{enrolled.learner.id}",
                                             json={"status": "present"})
    response = api.as_(enrolled.secrets[who] if who else None).get(f"/cycles/{enrolled.cycle.id}/attendance")
    assert response.status_code == status
    if status == 200:
        body = response.json
        assert body["min_attendance_percent"] == 80 and body["excused_policy"] == "not_counted"
        assert len(body["sessions"]) == 4
        learner = body["learners"][0]
        assert learner["learner"]["name"] == "Learner" and learner["sessions"][0]["status"] == "present"
        # four sessions at 80 %: all four are needed, so the learner has no absence to spare
        assert learner["summary"]["attended"] == 1 and learner["summary"]["needed"] == 4
        assert learner["summary"]["standing"] == "one_away"
