"""The weekly digest: for those who chose it, on Monday morning local time, once per person per week,
in their language, with the sessions of their week and the sections other packages register."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import current_app

from lms.core.digest_parts import DigestItem, DigestSection, Week
from lms.enrolment.service import find_enrolment, withdraw
from lms.extensions import db
from lms.notifications import service
from lms.notifications.digest import DigestSections, due_week, queue_weekly_digests
from lms.notifications.kinds import Kind
from tests.notifications.conftest import STOCKHOLM, outbox_rows

#: Monday 1 March 2027, 07:30 in Stockholm; the world's cycle meets on Tuesdays at 18:00 from 2 March
MONDAY_MORNING = datetime(2027, 3, 1, 6, 30, tzinfo=timezone.utc)


def _choose(*people, choice=True):
    for person in people:
        service.save_preferences(person.id, email_reminders=True, reminder_hours=None, now=MONDAY_MORNING,
                                 weekly_digest=choice)
    db.session.commit()


def _digests():
    return outbox_rows(kind=Kind.WEEKLY_DIGEST.value)


def test_only_those_who_chose_it_get_the_digest_in_their_language(world):
    assert queue_weekly_digests(MONDAY_MORNING) == 0
    _choose(world.anna, world.bo)
    assert queue_weekly_digests(MONDAY_MORNING) == 2
    db.session.commit()
    anna, bo = sorted(_digests(), key=lambda row: row.recipient)
    assert anna.dedupe_key == f"weekly-digest:{world.anna.id}:2027-W09" and anna.locale == "sv"
    assert "Dina tillfällen den här veckan" in anna.body_text and "tisdag 2 mars 2027, 18:00–20:00" in anna.body_text
    assert "Föreningsekonomi: Våren 2027" in anna.body_html and "Verkstaden" in anna.body_text
    assert "9 mars" not in anna.body_text  # next week's session is next week's digest
    assert "Your sessions this week" in bo.body_text and "Tuesday 2 March 2027, 18:00–20:00" in bo.body_text
    assert bo.subject == "Your week from Monday 1 March" and bo.unsubscribe_url


def test_a_trainer_gets_the_sessions_they_teach(world):
    _choose(world.trainer)
    assert queue_weekly_digests(MONDAY_MORNING) == 1
    [row] = _digests()
    assert row.recipient == "tove@example.org" and "Föreningsekonomi: Våren 2027" in row.body_text


def test_it_goes_out_once_per_person_per_week_on_monday_morning_only(world):
    _choose(world.anna)
    assert queue_weekly_digests(MONDAY_MORNING - timedelta(minutes=31)) == 0  # 06:59 local
    assert queue_weekly_digests(MONDAY_MORNING) == 1
    db.session.commit()
    assert queue_weekly_digests(MONDAY_MORNING + timedelta(hours=1)) == 0  # the next tick: already queued
    assert queue_weekly_digests(MONDAY_MORNING + timedelta(hours=4, minutes=30)) == 0  # noon: no more
    assert queue_weekly_digests(MONDAY_MORNING + timedelta(days=1)) == 0  # Tuesday
    assert queue_weekly_digests(MONDAY_MORNING + timedelta(days=7)) == 1
    db.session.commit()
    assert [row.dedupe_key.rsplit(":", 1)[1] for row in _digests()] == ["2027-W09", "2027-W10"]


def test_nothing_in_any_section_means_no_email(world):
    _choose(world.anna)
    withdraw(find_enrolment(world.anna.id, world.cycle.id), actor_id=world.anna.id, now=MONDAY_MORNING)
    db.session.commit()
    assert queue_weekly_digests(MONDAY_MORNING) == 0


def test_a_section_registered_by_another_package_follows_the_sessions(world):
    def offers(people, week):
        assert week.label == "2027-W09"
        return {p.id: DigestSection("Offers waiting", [DigestItem("A seat in Styrelsearbete", detail="Until Wednesday")])
                for p in people if p.id == world.bo.id}

    current_app.extensions["digest_sections"].register("elsewhere", offers)
    _choose(world.bo)
    withdraw(find_enrolment(world.bo.id, world.cycle.id), actor_id=world.bo.id, now=MONDAY_MORNING)
    db.session.commit()
    assert queue_weekly_digests(MONDAY_MORNING) == 1
    [row] = _digests()
    assert "Offers waiting" in row.body_text and "Your sessions this week" not in row.body_text
    with pytest.raises(ValueError):
        current_app.extensions["digest_sections"].register("elsewhere", offers)
    names = [name for name, _ in current_app.extensions["digest_sections"].builders]
    assert names == ["sessions", "offers", "renewals", "elsewhere"]


def test_the_unsubscribe_link_stops_the_digest(world, client):
    _choose(world.bo)
    queue_weekly_digests(MONDAY_MORNING)
    db.session.commit()
    [row] = _digests()
    assert client.post(row.unsubscribe_url.replace("http://localhost", "")).status_code == 200
    db.session.expire_all()
    assert service.preferences_for(world.bo.id).weekly_digest is False
    assert service.preferences_for(world.bo.id).email_reminders is True


def test_the_week_is_local_midnight_to_midnight_across_daylight_saving(app):
    week = Week.of(date(2027, 3, 24), STOCKHOLM)  # the clocks go forward on Sunday 28 March
    assert week.monday == date(2027, 3, 22) and week.label == "2027-W12"
    assert week.starts_at == datetime(2027, 3, 21, 23, 0, tzinfo=timezone.utc)
    assert week.ends_at == datetime(2027, 3, 28, 22, 0, tzinfo=timezone.utc)
    assert due_week(datetime(2027, 3, 29, 5, 0, tzinfo=timezone.utc)).label == "2027-W13"  # 07:00 CEST
    assert due_week(datetime(2027, 3, 29, 4, 59, tzinfo=timezone.utc)) is None


def test_a_person_chooses_the_digest_in_their_preferences(world, client):
    from tests.conftest import log_in

    assert log_in(client, world.bo.email).status_code == 302
    page = client.get("/notifications/preferences").text
    assert "weekly_digest" in page
    response = client.post("/notifications/preferences", data={"email_reminders": "y", "reminder_plan": "cycle",
                                                               "weekly_digest": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert service.preferences_for(world.bo.id).weekly_digest is True
    client.post("/notifications/preferences", data={"email_reminders": "y", "reminder_plan": "cycle"})
    db.session.expire_all()
    assert service.preferences_for(world.bo.id).weekly_digest is False


def test_a_section_name_is_registered_once():
    sections = DigestSections()
    sections.register("sessions", lambda people, week: {})
    with pytest.raises(ValueError):
        sections.register("sessions", lambda people, week: {})


def test_the_scheduler_job_sends_it_once(world, app):
    from lms.notifications.scheduler import JOBS, run_job

    _choose(world.anna)
    job = next(job for job in JOBS if job.id == "weekly-digest")
    assert run_job(app, job, now=MONDAY_MORNING) == 1
    assert run_job(app, job, now=MONDAY_MORNING + timedelta(minutes=15)) == 0
    db.session.expire_all()
    assert len(_digests()) == 1
