"""Faults on the way out, with real processes: `lms scheduler` and an SMTP server on loopback that
is away for a while. What the mail recipients get must still be true when it arrives, and a
scheduler killed mid-send must not hold the rest of the mail back for LMS_OUTBOX_STUCK_MINUTES.
docs/notifications.md ("Still true when it leaves", "Once, and the one exception") says what
they prove.
"""
from __future__ import annotations

import email
import email.policy
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock_time

from aiosmtpd.controller import Controller
from sqlalchemy import select

from lms.db_types import utcnow
from lms.extensions import db
from tests.factories import make_course, make_cycle, make_participants
from tests.processes_support import (
    free_port, init_db, process_environment, seeding_app, start_scheduler, stop, wait_until,
)
from tests.test_faults import Database, MailServer, plan_sessions_starting_soon, scheduler_database  # noqa: F401

@dataclass
class Inbox:
    """An SMTP server's handler that keeps every message it accepted."""

    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


def _environment(database_url, tmp_path, smtp_port: int, **settings: str) -> dict[str, str]:
    return process_environment(
        database_url, tmp_path, LMS_MAIL_TRANSPORT="smtp", LMS_SMTP_HOST="127.0.0.1",
        LMS_SMTP_PORT=str(smtp_port), LMS_SMTP_SECURITY="none", LMS_SMTP_TIMEOUT="5",
        LMS_NOTICE_LOOKBACK_HOURS="0",  # no enrolment confirmations: these tests are about other mail
        LMS_OUTBOX_RETRY_SECONDS="0.5", LMS_OUTBOX_MAX_ATTEMPTS="30", **settings,
    )


def _calendar(message) -> str:  # type: ignore[no-untyped-def]
    return next(part.get_content() for part in message.walk() if part.get_content_type() == "text/calendar")


def test_a_reminder_due_during_an_outage_that_ends_after_its_session_began_is_never_sent(
        scheduler_database, tmp_path):  # noqa: F811
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())  # not listening yet: the outage
    environment = _environment(scheduler_database, tmp_path, smtp.port,
                               LMS_SCHEDULER_INTERVALS='{"outbox-dispatch": 0.5, "reminder-sweep": 1}')
    init_db(environment)
    with seeding_app(environment).app_context():
        from lms.planning.models import ClassSession

        plan_sessions_starting_soon(cycles=1, learners=5)
        [session] = db.session.execute(select(ClassSession)).scalars()
        starts = (utcnow() + timedelta(seconds=25)).replace(microsecond=0)
        session.starts_at, session.ends_at = starts, starts + timedelta(hours=2)
        db.session.commit()
        db.engine.dispose()
    database = Database(scheduler_database)
    scheduler = start_scheduler(environment, tmp_path / "scheduler.log")
    try:
        wait_until(lambda: database.scalar("SELECT count(*) FROM outbox_messages WHERE attempts >= 1") == 5,
                   30, "the reminders to be tried while the mail server is away", every=0.2)
        wait_until(lambda: utcnow() > starts + timedelta(seconds=1), 40, "the session to begin", every=0.2)
        smtp.start()  # the outage ends after the session began
        wait_until(lambda: database.statuses() == {"expired": 5}, 60, "the reminders to expire", every=0.2)
        time.sleep(1)  # a dispatch tick more: still nothing
    finally:
        stop(scheduler)
        if smtp.server is not None:
            smtp.stop()
    assert inbox.messages == [], "no reminder after its session began"


def test_a_session_moved_twice_during_an_outage_is_told_once_with_the_final_time(scheduler_database, tmp_path):  # noqa: F811
    from lms.planning import service as planning
    from lms.planning.models import ClassSession

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    environment = _environment(
        scheduler_database, tmp_path, smtp.port, LMS_CHANGE_NOTICE_DELAY_MINUTES="0.02",
        LMS_SCHEDULER_INTERVALS='{"outbox-dispatch": 0.5, "change-notices": 0.5}')
    init_db(environment)
    app = seeding_app(environment)
    first_day = date.today() + timedelta(days=10)
    with app.app_context():
        cycle = make_cycle(make_course(), first_date=first_day, weekdays=(first_day.weekday(),), sessions=1,
                           capacity=3, now=utcnow() - timedelta(days=10))
        people = make_participants(cycle, 3, now=utcnow() - timedelta(days=10))
        session_id = cycle.sessions[0].id
        db.session.commit()
        addresses = {person.email for person in people}
        db.engine.dispose()
    database = Database(scheduler_database)

    def move(day: date, hour: int) -> None:
        with app.app_context():
            session = db.session.get(ClassSession, session_id)
            planning.move_session(session, day=day, start=clock_time(hour, 0), duration_minutes=120,
                                  room_id=session.room_id, actor_id=None, now=utcnow())
            db.session.commit()
            db.engine.dispose()

    scheduler = start_scheduler(environment, tmp_path / "scheduler.log")
    try:
        move(first_day + timedelta(days=1), 17)
        wait_until(lambda: database.scalar(
            "SELECT count(*) FROM outbox_messages WHERE kind = 'session_moved' AND attempts >= 1") == 3,
            30, "the first notices to be tried while the mail server is away", every=0.2)
        final_day = first_day + timedelta(days=2)
        move(final_day, 9)
        wait_until(lambda: database.statuses() == {"superseded": 3, "pending": 3}, 30,
                   "the second notices to replace the first", every=0.2)
        smtp.start()
        wait_until(lambda: database.statuses() == {"superseded": 3, "sent": 3}, 60, "the notices to leave",
                   every=0.2)
    finally:
        stop(scheduler)
        if smtp.server is not None:
            smtp.stop()
    assert sorted(message["To"] for message in inbox.messages) == sorted(addresses), "one notice per person"
    for message in inbox.messages:
        calendar = _calendar(message)
        assert re.search(r"^DTSTART;TZID=Europe/Stockholm:" + f"{final_day:%Y%m%d}T090000", calendar, re.MULTILINE)
        assert re.search(r"^SEQUENCE:2\r?$", calendar, re.MULTILINE)


def test_after_a_sigkill_mid_send_the_rest_leaves_within_a_minute_of_a_new_scheduler(scheduler_database, tmp_path):  # noqa: F811
    """LMS_OUTBOX_STUCK_MINUTES keeps its default (15): the new leader reclaims the dead one's claims."""
    mail = MailServer()
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    environment = _environment(
        scheduler_database, tmp_path, smtp.port, LMS_OUTBOX_BATCH="100",
        LMS_SCHEDULER_INTERVALS='{"outbox-dispatch": 0.5, "reminder-sweep": 1}')
    init_db(environment)
    with seeding_app(environment).app_context():
        due = plan_sessions_starting_soon(cycles=1, learners=40)
        db.engine.dispose()
    database = Database(scheduler_database)
    smtp.start()
    running: list[subprocess.Popen] = []
    try:
        running.append(start_scheduler(environment, tmp_path / "scheduler-1.log"))
        mail.kill_while_delivering(running[0], number=10)
        wait_until(lambda: running[0].poll() is not None, 40, "the scheduler to be killed while sending")
        assert database.statuses() == {"sent": 9, "sending": 31}
        wait_until(database.leader_lock_free, 10, "the dead scheduler's lock to be released")
        started = time.monotonic()
        running.append(start_scheduler(environment, tmp_path / "scheduler-2.log"))
        wait_until(lambda: database.statuses() == {"sent": 40}, 60, "the rest to leave", every=0.2)
        took = time.monotonic() - started
    finally:
        stop(*running)
        smtp.stop()
    assert took < 60
    assert {(d.recipient, d.session_uid) for d in mail.deliveries} == due
