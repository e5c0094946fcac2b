"""Messages still true when they leave, claims of dead dispatchers reclaimed at once, the leader
lock checked from many threads, and failed mail shown to the people who can act on it.
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading
import warnings
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.notifications import outbox
from lms.notifications.failed_mail import panel_for, queue_failed_mail_digest
from lms.notifications.models import MessageStatus, Notification
from lms.notifications.notices import queue_change_notices
from lms.notifications.outbox import claim_due, claimer_id, dispatch, reclaim_former_leaders
from lms.notifications.reminders import queue_due_reminders
from lms.notifications.scheduler import JOBS, LeaderLock, _dispatch
from lms.planning import service as planning
from tests.factories import make_room, make_user
from tests.notifications.conftest import NOW, STOCKHOLM, RecordingTransport, ics_of, outbox_rows, queue_plain

DUE = NOW + timedelta(hours=6)  # the 24-hour reminders of Tuesday's 18:00 session are due
DOWN = ConnectionRefusedError("the mail server is away")


def _move(session, day, hour, at):
    planning.move_session(session, day=day, start=time(hour, 0), duration_minutes=120,
                          room_id=session.room_id, actor_id=None, now=at)
    session.changes[-1].created_at = at  # planning stamps changes with the wall clock; freeze it


def _reminders(world):
    queue_due_reminders(DUE)
    db.session.commit()
    return outbox_rows(kind="reminder")


# --- a message is checked against the present when it is sent ---------------------------------

def test_a_reminder_whose_session_began_during_an_outage_is_expired_not_sent(world):
    rows = _reminders(world)
    assert len(rows) == 3
    dispatch(RecordingTransport(fail=DOWN), DUE)  # the mail server is away...
    started = world.sessions[0].starts_at
    transport = RecordingTransport()
    report = dispatch(transport, started + timedelta(minutes=1))  # ...until the session began
    assert transport.sent == [] and report.dropped == 3 and report.failed == 0
    db.session.expire_all()
    assert {r.status for r in outbox_rows(kind="reminder")} == {MessageStatus.EXPIRED}
    assert all("session had begun" in r.last_error for r in outbox_rows(kind="reminder"))
    assert outbox.retry(rows[0].id, started + timedelta(minutes=2)) is False  # not worth retrying
    assert outbox.health(started).expired == 3


def test_a_reminder_sent_in_time_still_goes_out(world):
    _reminders(world)
    transport = RecordingTransport()
    assert dispatch(transport, DUE).sent == 3


def test_a_reminder_of_a_session_moved_to_another_time_is_expired(world):
    _reminders(world)
    _move(world.sessions[0], date(2027, 3, 3), 18, DUE)
    db.session.commit()
    transport = RecordingTransport()
    dispatch(transport, DUE + timedelta(minutes=1))
    assert transport.sent == []
    assert {r.status for r in outbox_rows(kind="reminder")} == {MessageStatus.EXPIRED}


def test_a_reminder_of_a_session_in_another_room_leaves_with_the_latest_sequence(world):
    _reminders(world)
    first = world.sessions[0]
    planning.move_session(first, day=first.starts_at.astimezone(STOCKHOLM).date(), start=time(18, 0),
                          duration_minutes=120, room_id=make_room("Salen").id, actor_id=None, now=DUE)
    db.session.commit()
    assert first.revision == 1
    transport = RecordingTransport()
    assert dispatch(transport, DUE + timedelta(minutes=1)).sent == 3
    db.session.expire_all()
    for row in outbox_rows(kind="reminder"):
        _calendar, [event] = ics_of(row)
        assert event["SEQUENCE"] == 1 and "Salen" in str(event["LOCATION"])
        assert "Salen" in row.body_text


def test_a_session_moved_twice_during_an_outage_is_told_once_with_the_final_time(world):
    first = world.sessions[0]
    _move(first, date(2027, 3, 3), 18, NOW)
    db.session.commit()
    queue_change_notices(NOW + timedelta(minutes=10))
    db.session.commit()
    dispatch(RecordingTransport(fail=DOWN), NOW + timedelta(minutes=10))  # the mail server is away
    _move(first, date(2027, 3, 4), 17, NOW + timedelta(minutes=20))  # moved again
    db.session.commit()
    transport = RecordingTransport()
    # the first notice's retry comes before the second is queued: held back, not sent
    assert dispatch(transport, NOW + timedelta(minutes=22)).sent == 0 and transport.sent == []
    queue_change_notices(NOW + timedelta(minutes=30))
    db.session.commit()
    dispatch(transport, NOW + timedelta(hours=1))
    assert len(transport.messages) == 3, "one notice per person"
    rows = outbox_rows(user_id=world.anna.id, kind="session_moved")
    assert [r.status for r in rows] == [MessageStatus.SUPERSEDED, MessageStatus.SENT]
    sent = rows[1]
    assert "torsdag 4 mars 2027, 17:00" in sent.body_text
    assert "tisdag 2 mars 2027, 18:00" in sent.body_text, "before: what Anna last heard of"
    assert "3 mars" not in sent.body_text, "not the time she never received"
    _calendar, [event] = ics_of(sent)
    assert event["SEQUENCE"] == first.revision == 2


# --- claims of a dispatcher that died -----------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_of_a_process_gone_from_this_host_is_reclaimed_at_once(app):
    [message_id] = queue_plain(1)
    dead = claimer_id("leader").rsplit(":", 1)[0] + f":{_dead_pid()}"
    claim_due(NOW, 10, dead)
    db.session.commit()
    report = dispatch(RecordingTransport(), NOW + timedelta(seconds=1))
    assert report.reclaimed == 1 and report.sent == 1


def test_a_claim_whose_heartbeat_went_silent_is_reclaimed_after_the_heartbeat_timeout(app):
    queue_plain(1)
    claim_due(NOW, 10, "leader@elsewhere:7")
    db.session.commit()
    assert dispatch(RecordingTransport(), NOW + timedelta(seconds=80)).sent == 0  # still alive, maybe
    outbox.heartbeat("leader@elsewhere:7", NOW + timedelta(seconds=80))
    assert dispatch(RecordingTransport(), NOW + timedelta(seconds=160)).sent == 0  # it spoke at 80 s
    assert dispatch(RecordingTransport(), NOW + timedelta(seconds=171)).sent == 1


def test_a_new_leader_reclaims_the_former_leaders_claims_and_nobody_elses(app):
    ids = queue_plain(3)
    claim_due(NOW, 1, "leader@elsewhere:1")
    claim_due(NOW, 1, "process@elsewhere:2")  # a web process sending an account e-mail
    db.session.commit()
    assert reclaim_former_leaders("leader@here:3", NOW) == 1
    db.session.commit()
    statuses = {r.id: r.status for r in outbox_rows()}
    assert statuses == {ids[0]: MessageStatus.PENDING, ids[1]: MessageStatus.SENDING, ids[2]: MessageStatus.PENDING}


def test_each_batch_of_a_dispatch_tick_is_claimed_at_its_own_time(app):
    queue_plain(4)
    app.config["LMS_OUTBOX_BATCH"] = 2
    transport = RecordingTransport(delay=0.1)
    from unittest import mock

    with mock.patch("lms.notifications.transports.transport_from_config", return_value=transport):
        total = _dispatch(NOW)
    assert total.sent == 4
    claimed = sorted(r.claimed_at for r in outbox_rows())
    assert claimed[0] == claimed[1] == NOW
    assert claimed[2] == claimed[3] >= NOW + timedelta(seconds=0.2)


# --- the leader lock, asked from the scheduler's threads ----------------------------------------

def test_eight_threads_checking_the_leader_lock_200_times_each_see_no_error(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    lock = LeaderLock(url)
    assert lock.acquire()
    errors: list[BaseException] = []
    answers: list[bool] = []
    barrier = threading.Barrier(8)

    def check() -> None:
        barrier.wait(timeout=30)
        for _ in range(200):
            try:
                answers.append(lock.still_held())
            except BaseException as error:  # noqa: BLE001  (counted by the test)
                errors.append(error)

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            threads = [threading.Thread(target=check) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
    finally:
        lock.release()
    assert errors == []
    assert len(answers) == 1600 and all(answers)
    assert not [w for w in caught if "deassociated" in str(w.message)]


# --- failed mail where admins and coordinators look ----------------------------------------------

def _fail_everything(now=NOW):
    broken = RecordingTransport(fail=ConnectionRefusedError("550 mailbox unavailable"))
    for _ in range(8):
        dispatch(broken, now)
        now += timedelta(days=1)
    return now


def test_the_summary_counts_failed_mail_and_those_still_worth_sending(app, world):
    _reminders(world)  # reminders of Tuesday's session...
    queue_plain(1)  # ...and a message with no session
    app.config["LMS_OUTBOX_MAX_ATTEMPTS"] = 1
    dispatch(RecordingTransport(fail=DOWN), DUE)  # all failed before the session
    assert outbox.failed_summary(DUE).worth_retrying == 4
    after = world.sessions[0].starts_at + timedelta(hours=1)
    summary = outbox.failed_summary(after)
    assert summary.count == 4 and summary.worth_retrying == 1 and summary.oldest_at == NOW
    assert outbox.retry_worth_sending(after) == (1, 3)
    db.session.commit()
    assert outbox.health(after).expired == 3 and outbox.health(after).pending == 1
    assert outbox.failed_summary(after).count == 0


def test_admins_are_told_in_the_app_once_a_day_when_mail_fails(app):
    admin = make_user("admin@example.org", roles=["admin"], locale="sv")
    make_user("coordinator@example.org", roles=["coordinator"])
    queue_plain(2)
    assert queue_failed_mail_digest(NOW) == 0  # nothing failed
    after = _fail_everything()
    assert queue_failed_mail_digest(after) == 1
    assert queue_failed_mail_digest(after + timedelta(minutes=5)) == 0, "once"
    db.session.commit()
    [told] = db.session.execute(select(Notification).where(Notification.kind == "outbox_failed")).scalars()
    assert told.user_id == admin.id and told.title.startswith("2 e-postmeddelanden kunde inte levereras")
    assert told.link.endswith("/notifications/outbox")
    assert "failed-mail-digest" in {job.id for job in JOBS}


def test_the_outbox_page_shows_the_failed_mail_panel_with_its_one_action(admin_client):
    queue_plain(2)
    _fail_everything()
    page = admin_client.get("/notifications/outbox").text
    assert "E-mail not delivered" in page and "2 e-mails could not be delivered after every attempt." in page
    assert 'action="/notifications/outbox/retry-failed"' in page
    response = admin_client.post("/notifications/outbox/retry-failed",
                                 data={"next": "/notifications/outbox"}, follow_redirects=True)
    assert "2 messages will be sent again at the next dispatch." in response.text
    assert {r.status for r in outbox_rows()} == {MessageStatus.PENDING}
    assert "E-mail not delivered" not in admin_client.get("/notifications/outbox").text


def test_coordinators_may_retry_failed_mail_learners_may_not(app, coordinator_client, learner_client):
    queue_plain(1)
    _fail_everything()
    assert learner_client.post("/notifications/outbox/retry-failed").status_code == 403
    response = coordinator_client.post("/notifications/outbox/retry-failed")
    assert response.status_code == 302 and response.location.endswith("/")
    assert {r.status for r in outbox_rows()} == {MessageStatus.PENDING}


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_retry_action_refuses_a_post_without_a_csrf_token(app):
    person = make_user(roles=["admin"])
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": person.email, "password": "correct horse battery", "csrf_token": token})
    assert client.post("/notifications/outbox/retry-failed", data={}).status_code == 400


def test_the_start_page_panel_is_for_admins_and_coordinators_with_failed_mail(app):
    from flask import render_template

    admin = make_user("admin@example.org", roles=["admin"])
    learner = make_user("learner@example.org")
    db.session.commit()
    assert panel_for(admin, NOW) is None  # nothing failed
    queue_plain(1)
    after = _fail_everything()
    summary = panel_for(admin, after)
    assert summary is not None and summary.count == 1 and panel_for(learner, after) is None
    with app.test_request_context("/"):
        html = render_template("notifications/_failed_mail_panel.html", failed_mail=summary,
                               failed_mail_next="/")
    assert "Försök igen med e-posten som fortfarande är värd att skicka" in html and 'name="next" value="/"' in html
    assert re.search(r'name="csrf_token" value="[^"]+"', html)


def test_expired_messages_are_deleted_with_the_sent_ones_after_the_retention(world):
    _reminders(world)
    dispatch(RecordingTransport(), world.sessions[0].starts_at + timedelta(minutes=1))
    assert {r.status for r in outbox_rows(kind="reminder")} == {MessageStatus.EXPIRED}
    assert outbox.purge_old(world.sessions[0].starts_at + timedelta(days=89)) == 0
    assert outbox.purge_old(world.sessions[0].starts_at + timedelta(days=91)) >= 3
    assert outbox_rows(kind="reminder") == []


def test_expired_reminders_are_shown_as_such_on_the_outbox_page_and_by_lms_outbox(world, admin_client, runner):
    _reminders(world)
    dispatch(RecordingTransport(), world.sessions[0].starts_at + timedelta(minutes=1))
    page = admin_client.get("/notifications/outbox").text
    assert "Expired messages" in page and "anna@example.org" in page.split('id="expired-heading"')[1]
    assert "expired" in page
    listed = runner.invoke(args=["lms", "outbox", "list", "--status", "expired"])
    assert listed.exit_code == 0 and listed.output.count("\texpired\t") == 3
    assert "expired 3" in runner.invoke(args=["lms", "outbox"]).output


def test_a_dispatcher_taken_for_dead_does_not_send_what_was_reclaimed_from_it(app):
    queue_plain(2)
    claims = claim_due(NOW, 10, "leader@elsewhere:1")
    db.session.commit()
    assert reclaim_former_leaders("leader@here:2", NOW) == 2  # a new leader took over
    db.session.commit()
    transport = RecordingTransport()
    report = outbox.DispatchReport()
    outbox._send_claims(transport, claims, NOW, "leader@elsewhere:1", report)  # the old one goes on
    assert transport.sent == [] and report.sent == 0
    assert dispatch(transport, NOW, claimer="leader@here:2").sent == 2
