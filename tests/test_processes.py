"""Two web processes and one scheduler on one PostgreSQL database, started here on loopback.

A log-in made on one web process works on the other (sessions live in the database), an
enrolment made there is confirmed by the scheduler exactly once, and a second scheduler waits.
"""
from __future__ import annotations

import email
import http.cookiejar
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db
from tests.conftest import need
from tests.factories import DEFAULT_PASSWORD, make_course, make_cycle, make_user

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.fixture
def database():
    server = os.environ.get("TEST_DATABASE_URL", "")
    need(bool(server), "several processes on one PostgreSQL server need TEST_DATABASE_URL")
    name = f"lms_processes_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def environment(database, tmp_path):
    return {**os.environ, "DATABASE_URL": database, "SECRET_KEY": secrets.token_hex(32), "LMS_MODE": "production",
            "LMS_SESSION_COOKIE_SECURE": "false", "LMS_WTF_CSRF_ENABLED": "false", "LMS_RATELIMIT_ENABLED": "false",
            "LMS_OUTBOX_DIR": str(tmp_path / "outbox"), "LMS_MAIL_TRANSPORT": "file", "LMS_SCHEDULER": "off",
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"), "LMS_ARGON2_TIME_COST": "1",
            "LMS_ARGON2_MEMORY_COST": "8", "LMS_ARGON2_PARALLELISM": "1", "PYTHONPATH": str(ROOT)}


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def test_two_web_processes_and_a_scheduler_work_together(environment, tmp_path):
    subprocess.run([str(BIN / "lms"), "init-db"], cwd=ROOT, env=environment, check=True, capture_output=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": environment["DATABASE_URL"], "LMS_MODE": "test",
                      "SECRET_KEY": environment["SECRET_KEY"], "LMS_ARGON2_TIME_COST": 1,
                      "LMS_ARGON2_MEMORY_COST": 8, "LMS_ARGON2_PARALLELISM": 1})
    with app.app_context():
        learner = make_user("anna@example.org", name="Anna Berg")
        cycle = make_cycle(make_course("styrelsearbete"), first_date=date.today() + timedelta(days=14))
        db.session.commit()
        cycle_id = cycle.id
        db.engine.dispose()

    ports = [_free_port(), _free_port()]
    processes = [
        _start([str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"], environment,
               tmp_path / f"web-{port}.log")
        for port in ports
    ]
    scheduler_env = dict(environment, LMS_SCHEDULER="inprocess")
    schedulers = [_start([str(BIN / "lms"), "scheduler"], scheduler_env, tmp_path / f"scheduler-{n}.log")
                  for n in (1, 2)]
    try:
        for port in ports:
            _wait_for(f"http://127.0.0.1:{port}/healthz")
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
        time.sleep(35)  # another dispatch round of the leading scheduler (every 30 s)
        messages = [email.message_from_bytes(p.read_bytes()) for p in outbox.glob("*.eml")]
        assert sum(1 for m in messages if m["To"] == "anna@example.org") == 1, "exactly once"
        logs = [(tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2)]
        assert any("another scheduler" in log.lower() for log in logs), logs
    finally:
        for process in processes + schedulers:
            process.terminate()
        for process in processes + schedulers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
