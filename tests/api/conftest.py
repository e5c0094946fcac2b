"""A center with one cycle and a person for every role, each with a token, and a bearer client.

The cycle has four Tuesday sessions from 8 January 2030 (18:00–20:00 local, 17:00 UTC). API
views read the time through lms.api.common.utcnow, which `clock` freezes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from lms.api import tokens
from lms.api.models import TokenScope
from lms.db_types import utcnow
from lms.extensions import db
from tests.factories import make_course, make_cycle, make_organisation, make_user

PLANNED_AT = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)
FIRST_START = datetime(2030, 1, 8, 17, 0, tzinfo=timezone.utc)
ALL = list(TokenScope)


def token_for(user, scopes=None, *, expires_at=None) -> str:
    """A fresh token of `user` with `scopes` (default: every scope their roles allow)."""
    wanted = tokens.allowed_scopes(user) if scopes is None else [TokenScope(s) for s in scopes]
    _token, secret = tokens.create_token(user, name="test", scopes=wanted, expires_at=expires_at, now=utcnow())
    db.session.commit()
    return secret


class Api:
    """The test client with a bearer token; `as_(secret)` switches whose."""

    def __init__(self, client, secret: str | None = None):
        self.client, self.secret = client, secret

    def as_(self, secret: str | None) -> "Api":
        return Api(self.client, secret)

    def _headers(self, headers):
        base = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**base, **(headers or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get("/api/v1" + path, headers=self._headers(headers), **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(headers), **kwargs)

    def put(self, path, json=None, headers=None, **kwargs):
        return self.client.put("/api/v1" + path, json=json, headers=self._headers(headers), **kwargs)


@dataclass
class Center:
    course: object
    cycle: object
    organisation: object
    people: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)

    def __getattr__(self, name):
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    @property
    def sessions(self):
        return sorted(self.cycle.sessions, key=lambda s: s.starts_at)


#: role name in the tests → roles of the person
PEOPLE = {
    "learner": ["learner"],
    "other_learner": ["learner"],
    "trainer": ["trainer"],
    "other_trainer": ["trainer"],
    "coordinator": ["coordinator"],
    "admin": ["admin"],
    "contact": ["organisation_contact", "learner"],
}


@pytest.fixture
def center(app) -> Center:
    organisation = make_organisation("Möllevångens Kulturförening")
    people = {name: make_user(name=name.replace("_", " ").title(), roles=roles, locale="en",
                              organisation=organisation if name in ("learner", "contact") else None)
              for name, roles in PEOPLE.items()}
    course = make_course("styrelsearbete", title="Styrelsearbete", modules=0)
    cycle = make_cycle(course, title="Vintern 2030", first_date=date(2030, 1, 8), sessions=4, capacity=3,
                       trainers=[people["trainer"]], now=PLANNED_AT)
    db.session.commit()
    found = Center(course=course, cycle=cycle, organisation=organisation, people=people)
    found.secrets = {name: token_for(person) for name, person in people.items()}
    return found


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the API's clock: `clock(moment)`."""

    def set_time(moment: datetime) -> None:
        monkeypatch.setattr("lms.api.common.utcnow", lambda: moment)

    set_time(PLANNED_AT)
    return set_time


def at(days: float = 0, hours: float = 0) -> datetime:
    return PLANNED_AT + timedelta(days=days, hours=hours)


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """The app served on 127.0.0.1 with a small center of its own (SQLite), for HTTP clients."""
    import logging

    from lms import create_app
    from tests.conftest import base_config
    from tests.e2e.conftest import LiveServer
    from tests.factories import make_room

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise here
    folder = tmp_path_factory.mktemp("live-api")
    config = base_config(f"sqlite:///{folder / 'api.sqlite3'}", folder)
    config.update(TESTING=False, LMS_BASE_URL="http://127.0.0.1")
    app = create_app(config)
    with app.app_context():
        db.create_all()
        people = {name: make_user(name=name.title(), roles=roles, locale="en")
                  for name, roles in (("trainer", ["trainer"]), ("admin", ["admin"]),
                                      ("coordinator", ["coordinator"]), ("anna", ["learner"]),
                                      ("ali", ["learner"]))}
        course = make_course("styrelsearbete", modules=0)
        make_cycle(course, first_date=date.today() + timedelta(days=60), trainers=[people["trainer"]],
                   room=make_room(), now=utcnow())
        db.session.commit()
        server = LiveServer(app)
        server.people = {name: (person.id, person.email) for name, person in people.items()}
        server.secrets = {name: token_for(people[name]) for name in ("admin", "coordinator")}
    server.start()
    yield server
    server.stop()
