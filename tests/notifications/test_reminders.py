"""Reminders: computed from the sessions with frozen time (DST weeks too), queued exactly once,
following moves, skipping cancellations and withdrawals, honouring preferences, in the person's language.
"""
from datetime import date, datetime, time, timedelta, timezone

from lms.enrolment.service import enrol, find_enrolment, withdraw
from lms.extensions import db
from lms.notifications import service
from lms.notifications.models import MessageStatus
from lms.notifications.reminders import due_reminders, planned_reminders, queue_due_reminders
from lms.planning import service as planning
from tests.factories import make_cycle, make_user
from tests.notifications.conftest import NOW, STOCKHOLM, ics_of, notifications_of, outbox_rows, run_in_threads

FIRST_START = datetime(2027, 3, 2, 17, 0, tzinfo=timezone.utc)  # Tuesday 18:00 in Stockholm


def _due(now):
    return sorted((r.hours, r.user.email, r.session.starts_at) for r in due_reminders(now))


def test_the_24_hour_reminder_is_due_from_24_hours_before_and_goes_to_learners_and_trainer(world):
    assert _due(FIRST_START - timedelta(hours=24, minutes=1)) == []
    due = _due(FIRST_START - timedelta(hours=24))
    assert due == [(24, "anna@example.org", FIRST_START), (24, "bo@example.org", FIRST_START),
                   (24, "tove@example.org", FIRST_START)]


def test_the_same_reminder_is_queued_once_however_often_the_tick_runs(world):
    at = FIRST_START - timedelta(hours=23)
    assert len(queue_due_reminders(at)) == 3
    db.session.commit()
    assert queue_due_reminders(at) == []
    assert queue_due_reminders(at + timedelta(minutes=1)) == []
    db.session.commit()
    keys = [r.dedupe_key for r in outbox_rows(kind="reminder")]
    assert len(keys) == 3 and keys[0].startswith(f"reminder:24h:session:{world.sessions[0].id}:user:")


def test_the_two_hour_reminder_follows_and_an_overdue_24_hour_one_is_skipped(world):
    queue_due_reminders(FIRST_START - timedelta(hours=24))
    queue_due_reminders(FIRST_START - timedelta(hours=2))
    db.session.commit()
    hours = sorted(r.dedupe_key.split(":")[1] for r in outbox_rows(user_id=world.anna.id))
    assert hours == ["24h", "2h"]
    late = make_user("late@example.org")  # enrols 90 minutes before: only the 2-hour reminder
    enrol(late.id, world.cycle, now=FIRST_START - timedelta(minutes=90))
    queue_due_reminders(FIRST_START - timedelta(minutes=89))
    db.session.commit()
    assert [r.dedupe_key.split(":")[1] for r in outbox_rows(user_id=late.id)] == ["2h"]


def test_the_tick_commits_every_few_reminders_and_each_batch_holds_what_it_queued(world):
    rows_at_each_commit = []

    def commit():
        db.session.commit()
        rows_at_each_commit.append(len(outbox_rows(kind="reminder")))

    queued = queue_due_reminders(FIRST_START - timedelta(hours=20), after_each=commit, batch=2)
    assert sorted(r.user.email for r in queued) == ["anna@example.org", "bo@example.org", "tove@example.org"]
    assert rows_at_each_commit == [2, 3]
    assert queue_due_reminders(FIRST_START - timedelta(hours=20), after_each=commit, batch=2) == []
    assert rows_at_each_commit == [2, 3]  # nothing due: no commit either


def test_two_ticks_at_the_same_moment_queue_each_reminder_once(app, world):
    at = FIRST_START - timedelta(hours=20)
    errors = run_in_threads(app, 2, lambda _i: queue_due_reminders(at))
    assert errors == []
    assert len(outbox_rows(kind="reminder")) == 3
    assert len(notifications_of(world.anna)) == 1


def test_no_reminders_for_cancelled_sessions_cancelled_cycles_or_withdrawn_learners(world):
    first, second, _third = world.sessions
    planning.cancel_session(first, actor_id=None, now=NOW)
    withdraw(find_enrolment(world.bo.id, world.cycle.id), actor_id=world.bo.id, now=NOW)
    db.session.commit()
    assert _due(FIRST_START - timedelta(hours=1)) == []
    assert [email for _, email, _ in _due(second.starts_at - timedelta(hours=1))] == [
        "anna@example.org", "tove@example.org"]
    planning.cancel_cycle(world.cycle, actor_id=None, now=NOW)
    db.session.commit()
    assert _due(second.starts_at - timedelta(hours=1)) == []


def test_a_moved_session_gets_reminders_for_its_new_time(world):
    first = world.sessions[0]
    queue_due_reminders(FIRST_START - timedelta(hours=20))
    db.session.commit()
    planning.move_session(first, day=date(2027, 3, 4), start=time(18, 0), duration_minutes=120,
                          room_id=first.room_id, actor_id=None, now=FIRST_START - timedelta(hours=19))
    db.session.commit()
    assert _due(FIRST_START - timedelta(hours=1)) == []  # nothing at the old time
    new_start = datetime(2027, 3, 4, 17, 0, tzinfo=timezone.utc)
    assert len(queue_due_reminders(new_start - timedelta(hours=24))) == 3
    db.session.commit()
    assert len(outbox_rows(user_id=world.anna.id, kind="reminder")) == 2


def test_across_the_spring_dst_change_reminders_keep_to_local_time(app):
    learner = make_user("dst@example.org", locale="en")
    cycle = make_cycle(first_date=date(2027, 3, 21), weekdays=(6,), sessions=2, now=NOW)  # Sundays 18:00
    enrol(learner.id, cycle, now=NOW)
    db.session.commit()
    after_change = sorted(cycle.sessions, key=lambda s: s.starts_at)[1]
    assert after_change.starts_at == datetime(2027, 3, 28, 16, 0, tzinfo=timezone.utc)  # 18:00 CEST
    assert [r.hours for r in due_reminders(datetime(2027, 3, 27, 16, 0, tzinfo=timezone.utc))] == [24]
    assert due_reminders(datetime(2027, 3, 27, 15, 59, tzinfo=timezone.utc)) == []
    queue_due_reminders(datetime(2027, 3, 27, 16, 0, tzinfo=timezone.utc))
    db.session.commit()
    [row] = outbox_rows(kind="reminder")
    assert "18:00" in row.body_text and "Sunday 28 March 2027" in row.body_text
    _, [event] = ics_of(row)
    assert event.decoded("DTSTART").astimezone(STOCKHOLM).strftime("%H:%M") == "18:00"


def test_reminders_are_written_in_the_recipients_language(world):
    queue_due_reminders(FIRST_START - timedelta(hours=20))
    db.session.commit()
    [anna] = outbox_rows(user_id=world.anna.id)
    [bo] = outbox_rows(user_id=world.bo.id)
    assert anna.subject.startswith("Påminnelse: Föreningsekonomi") and "tisdag 2 mars 2027" in anna.body_text
    assert bo.subject.startswith("Reminder: Föreningsekonomi") and "Tuesday 2 March 2027" in bo.body_text
    assert '<html lang="sv" dir="ltr">' in anna.body_html and '<html lang="en" dir="ltr">' in bo.body_html
    assert anna.locale == "sv" and bo.locale == "en"


def test_a_reminder_carries_the_sessions_ics_and_an_unsubscribe_link(world):
    queue_due_reminders(FIRST_START - timedelta(hours=20))
    db.session.commit()
    [row] = outbox_rows(user_id=world.anna.id)
    calendar, [event] = ics_of(row)
    assert str(calendar["METHOD"]) == "REQUEST" and row.ics_method == "REQUEST"
    assert str(event["UID"]) == f"session-{world.sessions[0].id}@kompetenscentret"
    assert event["SEQUENCE"] == 0
    assert str(event["ATTENDEE"]) == "mailto:anna@example.org"
    assert row.unsubscribe_url.startswith("http://localhost/notifications/unsubscribe/")


def test_preferences_turn_email_off_choose_lead_times_or_stop_reminders(world):
    service.save_preferences(world.anna.id, email_reminders=False, reminder_hours=None, now=NOW)
    service.save_preferences(world.bo.id, email_reminders=True, reminder_hours=[48], now=NOW)
    service.save_preferences(world.trainer.id, email_reminders=True, reminder_hours=[], now=NOW)
    db.session.commit()
    assert [r.user.email for r in due_reminders(FIRST_START - timedelta(hours=48))] == ["bo@example.org"]
    queue_due_reminders(FIRST_START - timedelta(hours=48))
    queue_due_reminders(FIRST_START - timedelta(hours=20))
    db.session.commit()
    assert outbox_rows(user_id=world.anna.id) == []  # no e-mail ...
    assert [n.kind for n in notifications_of(world.anna)] == ["reminder"]  # ... but in the app
    assert [r.dedupe_key.split(":")[1] for r in outbox_rows(user_id=world.bo.id)] == ["48h"]
    assert outbox_rows(user_id=world.trainer.id) == [] and notifications_of(world.trainer) == []


def test_a_trainers_own_lead_times_reach_further_than_the_cycles(world):
    service.save_preferences(world.trainer.id, email_reminders=True, reminder_hours=[72, 2], now=NOW)
    db.session.commit()
    assert _due(FIRST_START - timedelta(hours=72, minutes=1)) == []
    assert _due(FIRST_START - timedelta(hours=72)) == [(72, "tove@example.org", FIRST_START)]


def test_a_cycle_can_have_its_own_lead_times(world):
    service.set_cycle_reminder_hours(world.cycle.id, [72], now=NOW)
    db.session.commit()
    assert {r.hours for r in due_reminders(FIRST_START - timedelta(hours=72))} == {72}
    assert due_reminders(FIRST_START - timedelta(hours=73)) == []


def test_the_plan_lists_coming_reminders_with_their_times(world):
    planned = planned_reminders(NOW, NOW + timedelta(days=7))
    firsts = [r for r in planned if r.session.id == world.sessions[0].id and r.user.id == world.anna.id]
    assert [(r.hours, r.send_at) for r in firsts] == [(24, FIRST_START - timedelta(hours=24)),
                                                       (2, FIRST_START - timedelta(hours=2))]
    assert all(r.send_at <= NOW + timedelta(days=7) for r in planned)
    assert outbox_rows() == []  # planning writes nothing
    assert {r.status for r in outbox_rows()} <= {MessageStatus.PENDING}
