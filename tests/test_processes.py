"""Two web processes and one scheduler on one PostgreSQL database, started here on loopback.

A log-in made on one web process works on the other (sessions live in the database), an
enrolment made there is confirmed by the scheduler exactly once, and a second scheduler waits.
"""
from __future__ import annotations

import email
import http.cookiejar
import os
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from lms.extensions import db
from tests.conftest import need
from tests.factories import DEFAULT_PASSWORD, make_course, make_cycle, make_user
from tests.processes_support import (
    BIN, free_port, init_db, process_environment, scratch_database, seeding_app, start, start_scheduler, stop,
    wait_for,
)


@pytest.fixture
def database():
    server = os.environ.get("TEST_DATABASE_URL", "")
    need(bool(server), "several processes on one PostgreSQL server need TEST_DATABASE_URL")
    with scratch_database(server, "lms_processes") as url:
        yield url


@pytest.fixture
def environment(database, tmp_path):
    return process_environment(database, tmp_path)


def test_two_web_processes_and_a_scheduler_work_together(environment, tmp_path):
    init_db(environment)
    app = seeding_app(environment)
    with app.app_context():
        learner = make_user("anna@example.org", name="Anna Berg")
        cycle = make_cycle(make_course("styrelsearbete"), first_date=date.today() + timedelta(days=14))
        db.session.commit()
        cycle_id = cycle.id
        db.engine.dispose()

    ports = [free_port(), free_port()]
    processes = [
        start([str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"], environment,
              tmp_path / f"web-{port}.log")
        for port in ports
    ]
    scheduler_env = dict(environment, LMS_SCHEDULER="inprocess",  # and the ticks this test waits for every second
                         LMS_SCHEDULER_INTERVALS='{"outbox-dispatch": 1, "domain-events": 1}')
    schedulers = [start_scheduler(scheduler_env, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        form = urllib.parse.urlencode({"email": "anna@example.org", "password": DEFAULT_PASSWORD}).encode()
        browser.open(f"{first}/login", data=form)
        schedule = browser.open(f"{second}/my/schedule")
        assert schedule.geturl().endswith("/my/schedule"), "the log-in made on the first process works on the second"
        browser.open(f"{second}/cycles/{cycle_id}/enrol", data=b"")

        outbox = Path(environment["LMS_OUTBOX_DIR"])
        deadline = time.monotonic() + 180
        confirmations: list[Path] = []
        while time.monotonic() < deadline and not confirmations:
            time.sleep(2)
            confirmations = [p for p in outbox.glob("*.eml")
                             if "anna@example.org" in email.message_from_bytes(p.read_bytes())["To"]]
        assert confirmations, "the scheduler sent the confirmation"
        time.sleep(5)  # more rounds of the leading scheduler
        messages = [email.message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml")]
        assert sum(1 for m in messages if m["To"] == "anna@example.org") == 1, "exactly once"
        logs = [(tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2)]
        assert any("another scheduler" in log.lower() for log in logs), logs
    finally:
        stop(*processes, *schedulers)
