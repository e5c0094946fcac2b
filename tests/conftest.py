"""Fixtures shared by every test: an app on each database, clients per role, and factories.

Every test that uses `app` runs twice: on SQLite and on PostgreSQL (TEST_DATABASE_URL). Without a
PostgreSQL server the second run skips, except under CI=true, where it fails.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from flask import g, request_started
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing on a laptop; fail in CI, where every tool must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql_only` run only with the PostgreSQL database, not skipped on SQLite."""
    selected, deselected = [], []
    for item in items:
        on_sqlite = getattr(item, "callspec", None) and item.callspec.params.get("database_url") == "sqlite"
        (deselected if on_sqlite and item.get_closest_marker("postgresql_only") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


SHIPPED_CONTENT = Path(__file__).resolve().parents[1] / "courses_content"


def _content_copy(tmp_path: Path) -> str:
    """A copy of courses_content/ for one app: the course editor and uploads write into it, never
    into the checkout (the hostile-input walk reaches them too)."""
    copy = tmp_path.parent / f"{tmp_path.name}-content"  # beside tmp_path: tests that list it see only theirs
    if not copy.exists():
        shutil.copytree(SHIPPED_CONTENT, copy)
    return str(copy)


def base_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "LMS_CONTENT_DIR": _content_copy(tmp_path),
        "TESTING": True,
        "LMS_MODE": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "LMS_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LMS_CREDENTIAL_KEY_FILE": str(tmp_path / "credential-keys.json"),
        "LMS_BASE_URL": "http://localhost",
        "LMS_ARGON2_TIME_COST": 1,
        "LMS_ARGON2_MEMORY_COST": 8,
        "LMS_ARGON2_PARALLELISM": 1,
        "LMS_PAGE_CACHE_SECONDS": 0,  # tests/core/test_page_cache.py turns it on
        "LMS_DASHBOARD_FIGURES_SECONDS": 0,  # and tests/reports/test_pages.py this one
    }


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A database with the current schema, created once per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lms-test.sqlite3'}"
    else:
        url = os.environ.get("TEST_DATABASE_URL", "")
        need(bool(url), "PostgreSQL tests need TEST_DATABASE_URL (make test starts a server)")
    app = create_app(base_config(url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture
def app(request, database_url, tmp_path):
    """The app on the current database; `@pytest.mark.config(KEY=value)` changes settings."""
    config = base_config(database_url, tmp_path)
    for marker in request.node.iter_markers("config"):
        config.update(marker.kwargs)
    app = create_app(config)
    request_started.connect(_forget_previous_request, app)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _forget_previous_request(sender, **extra) -> None:
    """Requests reuse the test's app context, and so its `g`: clear what a real request would not see.

    Without this, Flask-Login's cached user of one test client leaks into the next client's request.
    """
    for name in list(vars(g)):
        delattr(g, name)


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app) -> "Outbox":
    return Outbox(Path(app.config["LMS_OUTBOX_DIR"]))


class Outbox:
    """The .eml files the app wrote, parsed."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self):
        import email
        import email.policy

        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def links(self) -> list[str]:
        found = []
        for message in self.messages():
            body = message.get_body(("plain",)).get_content()
            found += re.findall(r"https?://\S+", body)
        return found


def log_in(client, email: str, password: str = DEFAULT_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login(client):
    def _login(user, password: str = DEFAULT_PASSWORD):
        response = log_in(client, user.email, password)
        assert response.status_code == 302, "log-in failed"
        return client

    return _login


def _client_for(app, roles):
    user = make_user(roles=roles, locale="en")
    db.session.commit()
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    client.user = user
    return client


@pytest.fixture
def learner_client(app):
    return _client_for(app, ["learner"])


@pytest.fixture
def trainer_client(app):
    return _client_for(app, ["trainer"])


@pytest.fixture
def coordinator_client(app):
    return _client_for(app, ["coordinator"])


@pytest.fixture
def admin_client(app):
    return _client_for(app, ["admin"])


@pytest.fixture
def fresh_database_url(database_url, tmp_path):
    """An empty database on the same server as `database_url`, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    import secrets

    name = f"lms_empty_{secrets.token_hex(4)}"
    admin_engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = database_url.rpartition("/")
    yield f"{base}/{name}"
    with admin_engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


def run_in_threads(app, count: int, work) -> list[BaseException]:
    """Run `work(index)` in `count` threads at once, each in its own app context (own connection)."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                work(index)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001  (reported by the test)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return errors
