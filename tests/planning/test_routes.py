"""Planning pages through the test client: who gets in, the preview-then-save flow, session changes."""
from datetime import date

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus, Room, SessionChange, SessionStatus
from tests.factories import make_course, make_cycle, make_room, make_user

COORDINATOR_PAGES = ["/planning/", "/planning/cycles/new", "/planning/rooms", "/planning/rooms/new"]


@pytest.mark.parametrize("path", COORDINATOR_PAGES + ["/my/sessions"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", COORDINATOR_PAGES)
def test_learners_and_trainers_are_refused_and_coordinators_and_admins_get_in(
        learner_client, trainer_client, coordinator_client, admin_client, path):
    assert learner_client.get(path).status_code == 403
    assert trainer_client.get(path).status_code == 403
    assert coordinator_client.get(path).status_code == 200
    assert admin_client.get(path).status_code == 200


def test_a_learner_cannot_post_planning_actions(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), published=False)
    db.session.commit()
    for path in (f"/planning/cycles/{cycle.id}/publish", f"/planning/cycles/{cycle.id}/cancel",
                 f"/planning/sessions/{cycle.sessions[0].id}/cancel"):
        assert learner_client.post(path).status_code == 403
    db.session.expire_all()
    assert cycle.status is CycleStatus.DRAFT


def _cycle_form(course, room, trainer, **changes):
    data = {
        "course_id": course.id, "title": "Våren 2030", "first_date": "2030-04-01", "start_time": "18:00",
        "duration_minutes": 120, "recurrence_kind": "weekly", "weekdays": ["0"], "interval": 1,
        "monthly_nth": 1, "monthly_weekday": 0, "rrule": "", "end_kind": "count", "session_count": 6,
        "until_date": "", "skip_holidays": "y", "room_id": room.id, "capacity": 12,
        "trainer_ids": [trainer.id], "opens_on": "", "closes_on": "", "min_attendance_percent": 80,
        "offer_hours": 24, "cancellation_hours": 48,
    }
    data.update(changes)
    return data


def test_a_cycle_is_previewed_then_saved_then_published(app, coordinator_client):
    course, room = make_course(title="Styrelsearbete"), make_room("Stora salen")
    trainer = make_user(roles=["trainer"], name="Tove")
    db.session.commit()
    data = _cycle_form(course, room, trainer, action="preview")
    page = coordinator_client.post("/planning/cycles/new", data=data).text
    assert "Preview: 6 sessions" in page
    assert "Easter Monday" in page  # 2030-04-22 is skipped
    assert db.session.execute(select(Cycle)).first() is None
    digest = page.split('name="preview_digest" type="hidden" value="')[1].split('"')[0]
    response = coordinator_client.post("/planning/cycles/new", data={**data, "action": "save", "preview_digest": digest})
    assert response.status_code == 302
    cycle = db.session.execute(select(Cycle)).scalar_one()
    assert len(cycle.sessions) == 6 and date(2030, 4, 22) not in [s.planned_date for s in cycle.sessions]
    assert cycle.trainer_ids == [trainer.id]
    assert coordinator_client.post(f"/planning/cycles/{cycle.id}/publish").status_code == 302
    db.session.expire_all()
    assert cycle.status is CycleStatus.PUBLISHED
    assert "Våren 2030" in coordinator_client.get("/planning/").text


def test_saving_a_plan_other_than_the_previewed_one_shows_the_preview_again(app, coordinator_client):
    course, room, trainer = make_course(), make_room(), make_user(roles=["trainer"])
    db.session.commit()
    data = _cycle_form(course, room, trainer)
    page = coordinator_client.post("/planning/cycles/new", data={**data, "action": "preview"}).text
    digest = page.split('name="preview_digest" type="hidden" value="')[1].split('"')[0]
    page = coordinator_client.post("/planning/cycles/new", data={
        **data, "session_count": 7, "action": "save", "preview_digest": digest}).text
    assert "Preview: 7 sessions" in page and "The plan changed after the preview" in page
    assert db.session.execute(select(Cycle)).first() is None


def test_form_errors_are_shown_not_raised(app, coordinator_client):
    course, room, trainer = make_course(), make_room(), make_user(roles=["trainer"])
    db.session.commit()
    page = coordinator_client.post("/planning/cycles/new", data=_cycle_form(
        course, room, trainer, weekdays=[], action="preview")).text
    assert "Choose at least one weekday." in page
    page = coordinator_client.post("/planning/cycles/new", data=_cycle_form(
        course, room, trainer, recurrence_kind="rrule", rrule="FREQ=HOURLY", end_kind="rule",
        action="preview")).text
    assert "The RRULE needs FREQ" in page


def test_the_edit_form_is_filled_from_the_cycle(app, coordinator_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), weekdays=(1, 3), sessions=5)
    db.session.commit()
    page = coordinator_client.get(f"/planning/cycles/{cycle.id}/edit").text
    assert 'value="2030-03-05"' in page and 'value="18:00"' in page
    assert 'id="weekdays-1" name="weekdays" type="checkbox" value="1"' in page


def test_moving_and_cancelling_a_session_through_the_pages(app, coordinator_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), sessions=3)
    db.session.commit()
    first, second = cycle.sessions[0], cycle.sessions[1]
    assert coordinator_client.get(f"/planning/sessions/{first.id}/move").status_code == 200
    response = coordinator_client.post(f"/planning/sessions/{first.id}/move", data={
        "day": "2030-03-06", "start_time": "17:00", "duration_minutes": 90, "room_id": 0})
    assert response.status_code == 302
    assert coordinator_client.post(f"/planning/sessions/{second.id}/cancel").status_code == 302
    response = coordinator_client.post(f"/planning/cycles/{cycle.id}/sessions/new", data={
        "day": "2030-05-01", "start_time": "10:00", "duration_minutes": 60, "room_id": 0})
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status is SessionStatus.MOVED and second.status is SessionStatus.CANCELLED
    assert len(cycle.sessions) == 4
    assert len(db.session.execute(select(SessionChange)).all()) == 3
    page = coordinator_client.get(f"/planning/cycles/{cycle.id}").text
    assert "moved" in page and "cancelled" in page


def test_cancelling_the_cycle_through_the_page(app, coordinator_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), sessions=2)
    db.session.commit()
    assert coordinator_client.post(f"/planning/cycles/{cycle.id}/cancel").status_code == 302
    db.session.expire_all()
    assert cycle.status is CycleStatus.CANCELLED
    assert coordinator_client.get(f"/planning/cycles/{cycle.id}/edit").status_code == 404


def test_unknown_objects_are_404(coordinator_client):
    for path in ("/planning/cycles/999", "/planning/cycles/999/edit", "/planning/sessions/999/move",
                 "/planning/rooms/999"):
        assert coordinator_client.get(path).status_code == 404


def test_rooms_are_created_and_edited(app, admin_client):
    response = admin_client.post("/planning/rooms/new", data={
        "name": "Verkstaden", "capacity": 16, "address": "Norra Grängesbergsgatan 26, Malmö",
        "accessibility_notes": "Hörslinga", "active": "y"})
    assert response.status_code == 302
    room = db.session.execute(select(Room)).scalar_one()
    admin_client.post(f"/planning/rooms/{room.id}", data={
        "name": "Verkstaden", "capacity": 18, "address": "Malmö", "accessibility_notes": ""})
    db.session.expire_all()
    assert (room.capacity, room.active) == (18, False)
    assert "Verkstaden" in admin_client.get("/planning/rooms").text


def test_trainers_see_their_own_sessions_only(app, trainer_client):
    mine = make_cycle(first_date=date(2030, 3, 5), sessions=1, trainers=[trainer_client.user], title="Min")
    other_trainer = make_user(roles=["trainer"])
    theirs = make_cycle(first_date=date(2030, 3, 5), sessions=1, trainers=[other_trainer], title="Annans")
    db.session.commit()
    page = trainer_client.get("/my/sessions").text
    assert "Min" in page and "Annans" not in page
    assert trainer_client.get(f"/my/sessions/{mine.sessions[0].id}").status_code == 200
    assert trainer_client.get(f"/my/sessions/{theirs.sessions[0].id}").status_code == 404


def test_learners_cannot_see_the_trainer_pages(learner_client):
    assert learner_client.get("/my/sessions").status_code == 403


CSRF_FORMS = [
    ("/planning/rooms/new", {"name": "Rum", "capacity": 5, "address": "Malmö"}),
    ("/planning/cycles/new", {"title": "X"}),
    ("/planning/cycles/{cycle}/publish", {}),
    ("/planning/cycles/{cycle}/cancel", {}),
    ("/planning/sessions/{session}/cancel", {}),
    ("/planning/sessions/{session}/move", {"day": "2030-03-06", "start_time": "17:00", "duration_minutes": 60, "room_id": 0}),
    ("/cycles/{cycle}/enrol", {}),
    ("/cycles/{cycle}/bulk", {"emails": "a@example.org"}),
    ("/my/calendar", {}),
    ("/my/calendar/revoke", {}),
]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path, data", CSRF_FORMS)
def test_forms_without_a_csrf_token_are_rejected(app, path, data):
    admin = make_user(roles=["admin", "learner"])
    cycle = make_cycle(first_date=date(2030, 3, 5), sessions=2, published=False)
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": admin.email, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    url = path.format(cycle=cycle.id, session=cycle.sessions[0].id)
    assert client.post(url, data=data).status_code == 400
    db.session.expire_all()
    assert cycle.status is CycleStatus.DRAFT


def test_a_rule_with_sessions_millennia_ahead_is_refused_with_the_reason(app, coordinator_client):
    course, room = make_course(title="Styrelsearbete"), make_room("Stora salen")
    trainer = make_user(roles=["trainer"], name="Tove")
    db.session.commit()
    for action in ("preview", "save"):
        response = coordinator_client.post("/planning/cycles/new", data=_cycle_form(
            course, room, trainer, recurrence_kind="rrule", rrule="FREQ=YEARLY;INTERVAL=3000;COUNT=4",
            end_kind="rule", action=action))
        assert response.status_code == 200 and "A cycle may run for at most 5 years" in response.text
    assert db.session.execute(select(Cycle)).first() is None


def test_dates_beyond_the_calendar_are_form_errors(app, coordinator_client):
    course, room = make_course(title="Styrelsearbete"), make_room("Stora salen")
    trainer = make_user(roles=["trainer"], name="Tove")
    db.session.commit()
    page = coordinator_client.post("/planning/cycles/new", data=_cycle_form(
        course, room, trainer, first_date="9999-12-31", action="preview"))
    assert page.status_code == 200 and "Choose a date between 2000-01-01 and 2100-12-31" in page.text
