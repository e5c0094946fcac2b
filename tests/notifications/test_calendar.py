"""Calendar files: they parse back, local times match the plan, UIDs are stable, SEQUENCE rises."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from lms.enrolment.service import enrol
from lms.extensions import db
from lms.notifications import feeds
from lms.planning import service as planning
from tests.factories import make_cycle, make_room, make_user

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def events(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    return calendar, {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def dst_cycle(app):
    """Sundays at 18:00 across the spring change of 2027, in a room with an address."""
    room = make_room("Verkstaden")
    return make_cycle(first_date=date(2027, 3, 21), weekdays=(6,), sessions=3, room=room, now=NOW)


def test_a_cycle_download_parses_back_to_the_planned_local_times(app, client, dst_cycle):
    db.session.commit()
    response = client.get(f"/cycles/{dst_cycle.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar, by_uid = events(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    starts = [e.decoded("DTSTART") for e in by_uid.values()]
    assert [s.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") for s in sorted(starts)] == [
        "2027-03-21 18:00", "2027-03-28 18:00", "2027-04-04 18:00"]
    assert sorted(starts)[1].astimezone(timezone.utc).hour == 16
    first = by_uid[f"session-{dst_cycle.sessions[0].id}@kompetenscentret"]
    assert str(first["LOCATION"]) == "Verkstaden, Norra Grängesbergsgatan 26, 214 50 Malmö"
    assert first["SEQUENCE"] == 0 and str(first["STATUS"]) == "CONFIRMED"
    assert first.walk("VALARM")[0]["ACTION"] == "DISPLAY"
    assert b"TZID=Europe/Stockholm" in response.data


def test_a_move_raises_sequence_and_a_cancellation_is_sent_as_cancelled(app, client, dst_cycle):
    first, second, _ = dst_cycle.sessions
    planning.move_session(first, day=date(2027, 3, 22), start=time(19, 0), duration_minutes=120,
                          room_id=first.room_id, actor_id=None, now=NOW)
    planning.cancel_session(second, actor_id=None, now=NOW)
    db.session.commit()
    _, by_uid = events(client.get(f"/cycles/{dst_cycle.id}/calendar.ics").data)
    moved = by_uid[f"session-{first.id}@kompetenscentret"]
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART").astimezone(STOCKHOLM).strftime("%d %H:%M") == "22 19:00"
    cancelled = by_uid[f"session-{second.id}@kompetenscentret"]
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled["SEQUENCE"] == 1
    assert len(by_uid) == 3  # the same UIDs: updated, not added


def test_the_personal_feed_has_enrolled_and_taught_sessions_and_can_be_revoked(app, client, dst_cycle):
    learner = make_user()
    other = make_cycle(first_date=date(2027, 5, 3), weekdays=(0,), sessions=2, now=NOW)
    enrol(learner.id, dst_cycle, now=NOW)
    feed = feeds.new_feed(learner.id, now=NOW)
    token = feeds.feed_token(feed)
    db.session.commit()
    _, by_uid = events(client.get(f"/calendar/{token}.ics").data)
    assert set(by_uid) == {f"session-{s.id}@kompetenscentret" for s in dst_cycle.sessions}
    assert all(f"session-{s.id}@kompetenscentret" not in by_uid for s in other.sessions)
    second = feeds.new_feed(learner.id, now=NOW)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{feeds.feed_token(second)}.ics").status_code == 200
    feeds.revoke_feeds(learner.id, now=NOW)
    db.session.commit()
    assert client.get(f"/calendar/{feeds.feed_token(second)}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_a_trainers_feed_has_the_sessions_they_teach(app, client):
    trainer = make_user(roles=["trainer"])
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=2, trainers=[trainer], now=NOW)
    token = feeds.feed_token(feeds.new_feed(trainer.id, now=NOW))
    db.session.commit()
    _, by_uid = events(client.get(f"/calendar/{token}.ics").data)
    assert set(by_uid) == {f"session-{s.id}@kompetenscentret" for s in cycle.sessions}


def test_the_feed_address_is_shown_again_and_made_through_a_form(app, learner_client):
    assert "Calendar address" not in learner_client.get("/my/schedule").text
    response = learner_client.post("/my/calendar", data={"next": "/my/schedule"})
    assert response.status_code == 302
    page = learner_client.get("/my/schedule").text
    assert "http://localhost/calendar/" in page
    token = page.split("http://localhost/calendar/")[1].split(".ics")[0]
    assert learner_client.get(f"/calendar/{token}.ics").status_code == 200
    learner_client.post("/my/calendar/revoke")
    assert learner_client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_address_has_a_copy_button_and_a_webcal_link(app, learner_client):
    learner_client.post("/my/calendar", data={"next": "/my/schedule"})
    page = learner_client.get("/my/schedule", headers={"Accept-Language": "en"}).text
    token = page.split("http://localhost/calendar/")[1].split(".ics")[0]
    assert f'href="webcal://localhost/calendar/{token}.ics"' in page
    assert 'data-copy="feed-url"' in page and 'id="feed-url"' in page
    assert "<script>" not in page, "the copy button is in the static JavaScript (strict CSP)"


def test_an_in_app_notification_keeps_the_path_so_a_new_base_url_does_not_break_it():
    from lms.notifications.compose import app_path

    assert app_path("https://old.example.org/cycles/3?x=1#seats") == "/cycles/3?x=1#seats"
    assert app_path("http://localhost") == "/"
    assert app_path("/already/a/path") == "/already/a/path" and app_path("") == ""
