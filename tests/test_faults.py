"""Faults while the app runs: PostgreSQL restarted under the web process, the scheduler killed.

The two main tests run the real thing as separate processes (gunicorn, `lms scheduler`, a
PostgreSQL server of their own or the suite's, an SMTP server) and look at what a person or a
mail recipient would see. docs/deployment.md ("What happens when…") says what they prove.
"""
from __future__ import annotations

import email
import email.policy
import http.cookiejar
import os
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import request
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from lms.db_types import utcnow
from lms.extensions import db
from tests.conftest import need
from tests.factories import DEFAULT_PASSWORD, make_course, make_cycle, make_participants, make_user
from tests.processes_support import (
    PostgresCluster, free_port, init_db, postgres_binaries, process_environment, scratch_database, seeding_app,
    start_scheduler, start_web, stop, wait_for, wait_until,
)

UNAVAILABLE_EN = "The service is unavailable for a moment"
UNAVAILABLE_SV = "Tjänsten är inte tillgänglig för tillfället"


# --- PostgreSQL restarted while the app runs -------------------------------------------------

@pytest.fixture
def own_postgres():
    binaries = postgres_binaries()
    need(binaries is not None, "restarting PostgreSQL needs its server binaries (/usr/lib/postgresql/*/bin)")
    cluster = PostgresCluster(binaries)
    try:
        yield cluster
    finally:
        cluster.destroy()


@dataclass
class Answer:
    status: int
    url: str
    body: str
    headers: dict[str, str]


class Browser:
    """One person's browser: a cookie jar, and every answer kept, error pages included."""

    def __init__(self, language: str = "sv"):
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)
        self.language = language

    def get(self, url: str, data: bytes | None = None) -> Answer:
        request = urllib.request.Request(url, data=data, headers={"Accept-Language": self.language})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.geturl(), response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, url, error.read().decode(), dict(error.headers))

    def log_in(self, base: str, address: str) -> None:
        form = urllib.parse.urlencode({"email": address, "password": DEFAULT_PASSWORD}).encode()
        assert self.get(f"{base}/login", data=form).url.rstrip("/") == base, "logged in"


def assert_clean_unavailable(answer: Answer, heading: str = UNAVAILABLE_SV) -> None:
    """What a person sees while the database is away: our 503 page, no traceback, try again later."""
    assert answer.status == 503, (answer.status, answer.body[:300])
    assert heading in answer.body
    assert "Traceback" not in answer.body and "OperationalError" not in answer.body
    assert answer.headers.get("Retry-After") == "30"


def test_without_a_database_pages_and_the_api_answer_503_in_the_visitors_language(tmp_path):
    """In this process, on a PostgreSQL address where nothing listens; as in production, errors
    are not propagated to the test."""
    from lms import create_app
    from tests.conftest import base_config

    config = base_config("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path)
    app = create_app({**config, "TESTING": False})

    @app.after_request
    def read_after_the_view(response):  # as a hook that reads the database would
        if request.path == "/account":
            db.session.execute(text("SELECT 1"))
        return response

    client = app.test_client()
    page = client.get("/")
    assert (page.status_code, page.headers["Retry-After"], page.headers["Cache-Control"]) == (503, "30", "no-store")
    assert UNAVAILABLE_SV in page.text
    assert UNAVAILABLE_EN in client.get("/", headers={"Accept-Language": "en"}).text
    api = client.get("/api/v1/me", headers={"Authorization": "Bearer kc_" + "a" * 43})
    assert (api.status_code, api.mimetype, api.json["status"]) == (503, "application/problem+json", 503)
    assert api.headers["Retry-After"] == "30"
    with client.session_transaction() as session:  # a logged-in browser
        session["_user_id"] = "a-log-in-session-token"
    health = client.get("/healthz")  # nothing after the view asks the database: /healthz's own answer
    assert (health.status_code, health.json) == (503, {"database": "unreachable", "status": "error"})
    with client.session_transaction() as session:
        session.clear()
    account = client.get("/account")  # the view redirects, then the hook fails, outside the view
    assert account.status_code == 503 and UNAVAILABLE_SV in account.text


def waiting_on_a_lock(database_url: str) -> bool:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND backend_type = 'client backend'"
            )).scalar_one())
    finally:
        engine.dispose()


def test_a_postgresql_restart_fails_requests_cleanly_and_the_app_recovers_by_itself(own_postgres, tmp_path):
    """gunicorn as in production, its connection pool checking connections before use; a second
    gunicorn without that check shows that the restart really leaves stale connections behind."""
    database_url = own_postgres.create_database("lms")
    environment = process_environment(database_url, tmp_path)
    init_db(environment)
    with seeding_app(environment).app_context():
        make_user("anna@example.org", name="Anna Berg")
        db.session.commit()
        db.engine.dispose()
    ports = {"checked": free_port(), "unchecked": free_port()}
    no_pre_ping = dict(environment, LMS_SQLALCHEMY_ENGINE_OPTIONS='{"pool_pre_ping": false}')
    logs = {name: tmp_path / f"web-{name}.log" for name in ports}
    web = start_web(environment, ports["checked"], logs["checked"])
    naive = start_web(no_pre_ping, ports["unchecked"], logs["unchecked"])
    checked, unchecked = (f"http://127.0.0.1:{port}" for port in ports.values())
    anna = Browser()
    try:
        for base in (checked, unchecked):
            wait_for(f"{base}/healthz")
        anna.log_in(checked, "anna@example.org")
        for base in (checked, unchecked):  # each process now has a pooled connection
            assert anna.get(f"{base}/my/schedule").status == 200

        own_postgres.restart()
        first = anna.get(f"{checked}/my/schedule")
        assert (first.status, first.url) == (200, f"{checked}/my/schedule"), "pre-ping replaced the stale connection"
        assert_clean_unavailable(anna.get(f"{unchecked}/my/schedule"))  # without pre-ping: the stale one fails...
        assert anna.get(f"{unchecked}/my/schedule").status == 200  # ...once; the pool was thrown away

        # a request in flight: its query waits for a lock held here when the server restarts
        locker = create_engine(database_url, poolclass=NullPool).connect()
        locker.execute(text("LOCK TABLE login_sessions IN ACCESS EXCLUSIVE MODE"))
        in_flight: list[Answer] = []
        request = threading.Thread(target=lambda: in_flight.append(anna.get(f"{checked}/my/schedule")))
        request.start()
        wait_until(lambda: waiting_on_a_lock(database_url), 10, "the request to wait inside PostgreSQL")
        own_postgres.restart()
        request.join(timeout=30)
        locker.invalidate()
        assert in_flight, "the request in flight was answered"
        assert_clean_unavailable(in_flight[0])
        assert anna.get(f"{checked}/my/schedule").status == 200

        own_postgres.stop()
        assert_clean_unavailable(anna.get(f"{checked}/my/schedule"))
        visitor = Browser(language="en")  # Anna's pages stay in her Swedish; a visitor's follow the browser
        assert_clean_unavailable(visitor.get(f"{checked}/"), UNAVAILABLE_EN)
        monitor = visitor.get(f"{checked}/healthz")
        assert (monitor.status, monitor.body.strip()) == (503, '{"database":"unreachable","status":"error"}')
        own_postgres.start()
        back = anna.get(f"{checked}/my/schedule")
        assert (back.status, back.url) == (200, f"{checked}/my/schedule"), "back, and still logged in"
    finally:
        stop(web, naive)
    for name, log in logs.items():
        text_of_log = log.read_text()
        assert "database unavailable (GET /my/schedule)" in text_of_log, name  # one line for the operator
        assert "Traceback" not in text_of_log, f"an unhandled error in the {name} web process:\n{text_of_log}"


# --- the scheduler killed mid-run ------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    recipient: str
    session_uid: str
    message_id: str


@dataclass
class MailServer:
    """An SMTP server that keeps what it accepted, and can SIGKILL the sender at the worst moment:
    after the message is in the server's hands, before the sender hears "250" and marks it sent."""

    deliveries: list[Delivery] = field(default_factory=list)
    victim: subprocess.Popen | None = None
    kill_on: int = 0  # kill the victim while it hands over this many-th delivery
    killed_during: Delivery | None = None

    def kill_while_delivering(self, victim: subprocess.Popen, number: int) -> None:
        self.victim, self.kill_on = victim, number

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        calendar = next(part.get_content() for part in message.walk() if part.get_content_type() == "text/calendar")
        uid = re.search(r"^UID:(\S+)", calendar, re.MULTILINE).group(1)
        delivery = Delivery(envelope.rcpt_tos[0], uid, message["Message-ID"])
        self.deliveries.append(delivery)
        if self.victim is not None and len(self.deliveries) == self.kill_on:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.killed_during, self.victim = delivery, None
        return "250 Message accepted for delivery"


def plan_sessions_starting_soon(cycles: int, learners: int) -> set[tuple[str, str]]:
    """`cycles` cycles whose first session starts in 90 minutes, `learners` seated in each, enrolled
    ten days ago; returns (learner's address, session UID) for every reminder that is due now."""
    from lms.notifications.calendar import session_uid

    starts = (datetime.now(ZoneInfo("Europe/Stockholm")) + timedelta(minutes=90)).replace(second=0, microsecond=0)
    planned_at = utcnow() - timedelta(days=10)
    course = make_course()
    due = set()
    for _ in range(cycles):
        cycle = make_cycle(course, first_date=starts.date(), start=starts.time(), weekdays=(starts.weekday(),),
                           sessions=1, capacity=learners, now=planned_at)
        people = make_participants(cycle, learners, now=planned_at)
        due |= {(person.email, session_uid(cycle.sessions[0].id)) for person in people}
    db.session.commit()
    return due


class Database:
    """Looking at the scheduler's work from outside, on a connection of the test's own."""

    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=NullPool)
        self.postgresql = url.startswith("postgresql")

    def scalar(self, sql: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()

    def statuses(self) -> Counter:
        with self.engine.connect() as connection:
            return Counter(dict(connection.execute(
                text("SELECT status, count(*) FROM outbox_messages GROUP BY status")).all()))

    def reminders(self, status: str | None = None) -> list[tuple[tuple[str, str], int]]:
        """((recipient, session UID), attempts) of each outbox row, of one status or all."""
        from lms.notifications.calendar import session_uid

        where = "" if status is None else f"WHERE status = '{status}'"
        with self.engine.connect() as connection:
            rows = connection.execute(text(f"SELECT recipient, dedupe_key, attempts FROM outbox_messages {where}"))
            return [((recipient, session_uid(int(re.search(r":session:(\d+):", key).group(1)))), attempts)
                    for recipient, key, attempts in rows]

    def uncommitted_writes(self) -> str:
        """The latest statement of a client's transaction that has written rows not committed yet,
        or "" (autovacuum's ANALYZE also holds a transaction id, and is not ours to see)."""
        with self.engine.connect() as connection:
            return connection.execute(text(
                "SELECT coalesce(max(query), '') FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_xid IS NOT NULL "
                "AND backend_type = 'client backend'")).scalar_one()

    def leader_lock_free(self) -> bool:
        """The dead scheduler's session, and with it its advisory lock, is gone (a file lock goes at once)."""
        return not self.postgresql or not self.scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


@pytest.fixture(params=["postgresql", "sqlite"])
def scheduler_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lms.sqlite3'}"
        return
    server = os.environ.get("TEST_DATABASE_URL", "")
    need(bool(server), "the scheduler on PostgreSQL needs TEST_DATABASE_URL (scripts/with-postgres)")
    with scratch_database(server, "lms_faults") as url:
        yield url


def test_a_scheduler_killed_mid_run_loses_no_reminder_and_repeats_only_the_one_in_the_mail_servers_hands(
        scheduler_database, tmp_path):
    """200 reminders due; the scheduler is SIGKILLed in its sweep (PostgreSQL, where the open
    transaction can be seen) and while the SMTP server holds its 60th message, with 41 more rows
    claimed; a fresh scheduler finishes. At-least-once with one known repeat: see
    docs/notifications.md ("Once, and the one exception")."""
    mail = MailServer()
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    environment = process_environment(
        scheduler_database, tmp_path, LMS_MAIL_TRANSPORT="smtp", LMS_SMTP_HOST="127.0.0.1",
        LMS_SMTP_PORT=str(smtp.port), LMS_SMTP_SECURITY="none", LMS_SMTP_TIMEOUT="10",
        LMS_SCHEDULER_INTERVALS='{"outbox-dispatch": 0.5, "reminder-sweep": 1}',
        LMS_OUTBOX_BATCH="100", LMS_OUTBOX_STUCK_MINUTES="0.05",  # a claim is stuck after 3 s
        LMS_NOTICE_LOOKBACK_HOURS="0",  # no enrolment confirmations: this test is about reminders
    )
    init_db(environment)
    with seeding_app(environment).app_context():
        due = plan_sessions_starting_soon(cycles=4, learners=50)
        db.engine.dispose()
    database = Database(scheduler_database)
    logs = iter(tmp_path / f"scheduler-{n}.log" for n in range(1, 4))
    smtp.start()
    running: list[subprocess.Popen] = []

    def run_scheduler() -> subprocess.Popen:
        wait_until(database.leader_lock_free, 10, "the dead scheduler's lock to be released")
        running.append(start_scheduler(environment, next(logs)))
        return running[-1]

    try:
        if database.postgresql:  # killed while the sweep writes its transaction: nothing of it stays
            sweeping = run_scheduler()
            writing = wait_until(database.uncommitted_writes, 30, "the reminder sweep to write", every=0.01)
            sweeping.kill()
            assert writing.startswith("INSERT INTO"), writing  # the sweep's own rows, mid-way
            sweeping.wait()
            assert database.scalar("SELECT count(*) FROM outbox_messages") == 0
            assert database.scalar("SELECT count(*) FROM notifications") == 0

        dispatching = run_scheduler()
        mail.kill_while_delivering(dispatching, number=60)
        wait_until(lambda: dispatching.poll() is not None, 40, "the scheduler to be killed while sending")
        assert database.statuses() == Counter(sent=59, sending=41, pending=100)
        claimed_when_killed = {key for key, _ in database.reminders("sending")}
        assert mail.killed_during is not None
        assert (mail.killed_during.recipient, mail.killed_during.session_uid) in claimed_when_killed

        run_scheduler()
        wait_until(lambda: database.statuses() == Counter(sent=200), 40, "every reminder to be sent", every=0.2)
    finally:
        stop(*running)
        smtp.stop()

    rows = database.reminders()
    assert Counter(key for key, _ in rows) == Counter({key: 1 for key in due}), "one outbox row per learner and session"
    assert Counter(attempts for _, attempts in rows) == {1: 159, 2: 41}, "the killed claims were tried once more"
    assert database.scalar("SELECT count(*) FROM notifications") == 200

    received = Counter((d.recipient, d.session_uid) for d in mail.deliveries)
    in_flight = (mail.killed_during.recipient, mail.killed_during.session_uid)
    assert set(received) == due, "every learner got the reminder of their session, nobody else got one"
    assert {key: n for key, n in received.items() if n > 1} == {in_flight: 2}, "only the message in flight came twice"
    assert len({d.message_id for d in mail.deliveries if (d.recipient, d.session_uid) == in_flight}) == 1, \
        "both copies carry the same Message-ID: one message, delivered twice"
