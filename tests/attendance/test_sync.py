"""Marks queued on a trainer's device: each applied once whatever the retries, on SQLite and
PostgreSQL; the conflict rule; who may send them (HTTP); what the trainer is told."""
import threading
import uuid

import pytest
from sqlalchemy import func, select

from lms.attendance import queries, service, sync
from lms.attendance.marks import AttendanceMark, MarkOutcome
from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.audit.models import AuditEvent
from lms.core.unit_of_work import unit_of_work
from lms.extensions import db
from tests.attendance.conftest import FIRST_START, minutes
from tests.attendance.test_routes import client_for, client_with_csrf
from tests.factories import make_cycle, make_user

P, A, L = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.LATE


def mark(learner, status, key=None, note=None):
    return sync.Mark(key or str(uuid.uuid4()), learner.id, status, note, False, None)


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def recorded_events():
    return count(AuditEvent, AuditEvent.action == "attendance.recorded")


# --- the service: each mark once ----------------------------------------------------------

def test_a_mark_sent_again_is_applied_once(setup):
    learner = setup.learners[0]
    first = mark(learner, P)
    results = [sync.apply_marks(setup.first, [first], actor_id=setup.trainer.id, now=FIRST_START + minutes(n))
               for n in range(3)]
    db.session.commit()
    assert [r[0].outcome for r in results] == [MarkOutcome.APPLIED] * 3
    assert [r[0].replayed for r in results] == [False, True, True]
    assert count(Attendance) == 1 and count(AttendanceMark) == 1 and recorded_events() == 1
    assert service.records_of(setup.first.id)[learner.id].method is AttendanceMethod.ROLL_CALL


def test_a_batch_interrupted_halfway_and_replayed_lands_each_mark_once(app, setup):
    marks = [mark(learner, status) for learner, status in zip(setup.learners, (P, A, L))]
    with unit_of_work():  # the first request got through with two marks, its answer was lost
        sync.apply_marks(setup.first, marks[:2], actor_id=setup.trainer.id, now=FIRST_START)
    with unit_of_work():  # the device sends its whole queue again
        replay = sync.apply_marks(setup.first, marks, actor_id=setup.trainer.id, now=FIRST_START + minutes(1))
    assert [r.replayed for r in replay] == [True, True, False]
    assert count(Attendance) == 3 and count(AttendanceMark) == 3 and recorded_events() == 3
    records = service.records_of(setup.first.id)
    assert [records[u.id].status for u in setup.learners] == [P, A, L]


def test_a_mark_that_is_refused_is_answered_the_same_when_sent_again(setup):
    stranger = make_user()
    refused = mark(stranger, P)
    first = sync.apply_mark(setup.first, refused, actor_id=setup.trainer.id, now=FIRST_START)
    again = sync.apply_mark(setup.first, refused, actor_id=setup.trainer.id, now=FIRST_START)
    assert first.outcome is again.outcome is MarkOutcome.REFUSED and "antagen" in first.message
    assert again.message == first.message and count(Attendance) == 0 and count(AttendanceMark) == 1


def test_a_key_reused_for_another_mark_or_by_another_person_is_refused(setup):
    key = str(uuid.uuid4())
    sync.apply_mark(setup.first, mark(setup.learners[0], P, key), actor_id=setup.trainer.id, now=FIRST_START)
    other = sync.apply_mark(setup.first, mark(setup.learners[1], A, key), actor_id=setup.trainer.id, now=FIRST_START)
    someone = make_user(roles=["trainer"])
    stolen = sync.apply_mark(setup.first, mark(setup.learners[0], A, key), actor_id=someone.id, now=FIRST_START)
    assert other.outcome is stolen.outcome is MarkOutcome.REFUSED
    assert service.records_of(setup.first.id)[setup.learners[0].id].status is P
    assert setup.learners[1].id not in service.records_of(setup.first.id)


@pytest.mark.postgresql_only
def test_two_requests_with_the_same_key_at_once_apply_it_once(app, setup):
    """Two requests (a retry racing the original) on two connections: UNIQUE(key) lets one in."""
    learner, session_id, trainer_id = setup.learners[0], setup.first.id, setup.trainer.id
    key = str(uuid.uuid4())
    barrier = threading.Barrier(2)
    outcomes = []

    def send():
        with app.app_context():
            with unit_of_work():
                session = db.session.get(type(setup.first), session_id)
                barrier.wait()
                outcomes.append(sync.apply_mark(session, sync.Mark(key, learner.id, P, None, False, None),
                                                actor_id=trainer_id, now=FIRST_START))
    threads = [threading.Thread(target=send) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    db.session.expire_all()
    assert sorted(r.replayed for r in outcomes) == [False, True]
    assert count(Attendance) == 1 and count(AttendanceMark) == 1 and recorded_events() == 1


# --- the conflict rule ----------------------------------------------------------------------

def test_a_trainers_queued_mark_replaces_a_check_in_that_arrived_first(setup):
    learner = setup.learners[0]
    service.check_in(setup.first, learner.id, method=AttendanceMethod.QR, actor_id=learner.id,
                     now=FIRST_START + minutes(1), settings=service.CheckinSettings())
    result = sync.apply_mark(setup.first, mark(learner, A), actor_id=setup.trainer.id, now=FIRST_START + minutes(30))
    assert result.outcome is MarkOutcome.APPLIED
    assert service.records_of(setup.first.id)[learner.id].status is A
    assert recorded_events() == 2  # the check-in and the mark, both in the trail


def test_between_two_trainers_the_later_mark_by_server_time_wins_and_the_first_sees_it(setup):
    learner = setup.learners[0]
    other = make_user(roles=["trainer"], name="Kim Kollega")
    setup.cycle.trainer_ids  # noqa: B018  (loaded)
    sync.apply_mark(setup.first, mark(learner, A), actor_id=setup.trainer.id, now=FIRST_START + minutes(5))
    sync.apply_mark(setup.first, mark(learner, P), actor_id=other.id, now=FIRST_START + minutes(9))
    assert service.records_of(setup.first.id)[learner.id].status is P
    history = queries.session_history(setup.first.id)
    assert [(e.actor_id, e.details["new"]) for e in reversed(history)] == [(setup.trainer.id, "absent"),
                                                                           (other.id, "present")]
    replaced = sync.overridden_marks(history, setup.trainer.id)
    assert (replaced[learner.id].mine, replaced[learner.id].theirs, replaced[learner.id].by) == (
        "absent", "present", "Kim Kollega")
    assert sync.overridden_marks(history, other.id) == {}


def test_marking_again_after_being_overridden_is_no_longer_shown_as_overridden(setup):
    learner, other = setup.learners[0], make_user(roles=["trainer"])
    for actor, status in ((setup.trainer, A), (other, P), (setup.trainer, L)):
        sync.apply_mark(setup.first, mark(learner, status), actor_id=actor.id, now=FIRST_START + minutes(5))
    assert sync.overridden_marks(queries.session_history(setup.first.id), setup.trainer.id) == {}


def test_a_body_that_is_not_a_list_of_marks_is_refused():
    for body in (None, {}, {"marks": []}, {"marks": [{"key": "x", "learner": 1, "status": "present"}]},
                 {"marks": [{"key": str(uuid.uuid4()), "learner": 1, "status": "gone"}]},
                 {"marks": [{"key": str(uuid.uuid4()), "learner": 1, "status": "present"}] * 51}):
        with pytest.raises(sync.MarksUnreadable):
            sync.parse_marks(body)


# --- HTTP: who may send marks -----------------------------------------------------------------

def body(*marks):
    return {"marks": [{"key": str(uuid.uuid4()), "learner": u.id, "status": s.value, "note": ""} for u, s in marks]}


def sync_url(setup):
    return f"/attendance/sessions/{setup.first.id}/sync"


@pytest.fixture
def during(monkeypatch):
    monkeypatch.setattr("lms.attendance.offline_routes._now", lambda: FIRST_START + minutes(3))


def test_the_trainer_sends_marks_and_a_replay_changes_nothing(app, setup, during):
    trainer = client_for(app, setup.trainer)
    sent = body((setup.learners[0], P), (setup.learners[1], A))
    first = trainer.post(sync_url(setup), json=sent)
    again = trainer.post(sync_url(setup), json=sent)
    assert first.status_code == again.status_code == 200
    assert [r["outcome"] for r in first.json["results"]] == ["applied", "applied"]
    assert [r["replayed"] for r in again.json["results"]] == [True, True]
    assert [r["status"] for r in again.json["results"]] == ["present", "absent"]
    assert count(Attendance) == 2 and recorded_events() == 2


def test_a_trainer_of_another_cycle_a_learner_and_nobody_may_not_send_marks(app, setup, during):
    other_trainer = make_user(roles=["trainer"])
    make_cycle(trainers=[other_trainer])
    db.session.commit()
    sent = body((setup.learners[0], P))
    assert client_for(app, other_trainer).post(sync_url(setup), json=sent).status_code == 403
    assert client_for(app, setup.learners[0]).post(sync_url(setup), json=sent).status_code == 403
    assert app.test_client().post(sync_url(setup), json=sent).status_code in (302, 401)
    assert count(Attendance) == 0 and count(AttendanceMark) == 0


def test_unreadable_marks_are_a_bad_request(app, setup, during):
    trainer = client_for(app, setup.trainer)
    assert trainer.post(sync_url(setup), json={"marks": "all"}).status_code == 400


def test_the_offline_list_and_token_are_for_recorders_only(app, setup):
    assert client_for(app, setup.learners[0]).get("/attendance/offline.json").status_code == 403
    assert client_for(app, setup.learners[0]).get("/attendance/sync/token").status_code == 403
    listed = client_for(app, setup.trainer).get("/attendance/offline.json")
    assert listed.status_code == 200 and listed.json["user"] == setup.trainer.id
    assert listed.json["pages"] == ["/attendance/", "/my/sessions"]  # no session today or tomorrow


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_marks_need_the_form_token_which_the_page_can_ask_for_again(app, setup, during):
    trainer = client_with_csrf(app, setup.trainer)
    sent = body((setup.learners[0], P))
    assert trainer.post(sync_url(setup), json=sent).status_code == 400
    token = trainer.get("/attendance/sync/token").json["csrf_token"]
    assert trainer.post(sync_url(setup), json=sent, headers={"X-CSRFToken": token}).status_code == 200
    assert count(Attendance) == 1


def test_the_worker_and_manifest_come_from_the_apps_origin_under_the_strict_policy(client):
    worker = client.get("/attendance/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/"  # the attendance pages and "My sessions"
    assert "script-src 'self'" in worker.headers["Content-Security-Policy"]
    manifest = client.get("/attendance/manifest.webmanifest", headers={"Accept-Language": "en"})
    assert manifest.mimetype == "application/manifest+json"
    assert (manifest.json["start_url"], manifest.json["scope"]) == ("/attendance/", "/")
    assert manifest.json["short_name"] == "Roll call"


def test_logging_out_clears_the_device(app, setup):
    trainer = client_for(app, setup.trainer)
    response = trainer.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_roll_call_shows_a_mark_of_mine_another_trainer_changed(app, setup, at_start):
    other = make_user(roles=["trainer"], name="Kim Kollega")
    learner = setup.learners[1]
    service.record_attendance(setup.first, learner.id, A, method=AttendanceMethod.ROLL_CALL,
                              actor_id=setup.trainer.id, now=FIRST_START)
    service.record_attendance(setup.first, learner.id, P, method=AttendanceMethod.ROLL_CALL,
                              actor_id=other.id, now=FIRST_START + minutes(4))
    db.session.commit()
    page = client_for(app, setup.trainer).get(f"/attendance/sessions/{setup.first.id}",
                                                headers={"Accept-Language": "en"}).text
    assert "Your mark “absent” was changed to “present” by Kim Kollega" in page
    assert "1 of your marks was changed by someone else since" in page
    assert 'data-sync="/attendance/sessions/%d/sync"' % setup.first.id in page


@pytest.fixture
def at_start(monkeypatch):
    monkeypatch.setattr("lms.attendance.routes._now", lambda: FIRST_START + minutes(5))


def test_the_retention_job_deletes_keys_after_thirty_days_and_keeps_the_marks(app, setup):
    from lms.privacy.retention import apply_retention

    sync.apply_mark(setup.first, mark(setup.learners[0], P), actor_id=setup.trainer.id, now=FIRST_START)
    assert apply_retention(FIRST_START + sync.KEEP_KEYS - minutes(1)).marks_deleted == 0
    assert apply_retention(FIRST_START + sync.KEEP_KEYS + minutes(1)).marks_deleted == 1
    assert count(AttendanceMark) == 0 and count(Attendance) == 1
