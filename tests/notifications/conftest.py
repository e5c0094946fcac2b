"""A small center for the notification tests: one weekly cycle, two learners, a trainer."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from lms.enrolment.service import enrol
from lms.extensions import db
from lms.notifications.models import MessageStatus, Notification, OutboxMessage
from lms.notifications.outbox import Email, queue_email
from tests.conftest import run_in_threads
from tests.factories import make_course, make_cycle, make_room, make_user

#: a Monday; the cycle meets on Tuesdays at 18:00 local (17:00 UTC in winter)
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass
class World:
    cycle: object
    anna: object  # learner, Swedish
    bo: object  # learner, English
    trainer: object

    @property
    def sessions(self):
        return sorted(self.cycle.sessions, key=lambda s: s.starts_at)


@pytest.fixture
def world(app) -> World:
    trainer = make_user("tove@example.org", name="Tove Utbildare", roles=["trainer"], locale="sv")
    course = make_course(title="Föreningsekonomi")
    cycle = make_cycle(course, title="Våren 2027", first_date=date(2027, 3, 2), weekdays=(1,),
                       sessions=3, room=make_room("Verkstaden"), trainers=[trainer], now=NOW)
    anna = make_user("anna@example.org", name="Anna Berg", locale="sv")
    bo = make_user("bo@example.org", name="Bo Smith", locale="en")
    for learner in (anna, bo):
        enrol(learner.id, cycle, now=NOW)
    db.session.commit()
    return World(cycle, anna, bo, trainer)


def outbox_rows(**where) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.execute(query).scalars())


def notifications_of(user) -> list[Notification]:
    return list(db.session.execute(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).scalars())


def queue_plain(count: int, now: datetime = NOW, prefix: str = "test") -> list[int]:
    ids = [queue_email(Email(f"person{i}@example.org", f"Message {i}", f"Body {i}"),
                       kind="reminder", dedupe_key=f"{prefix}:{i}", user_id=None, now=now)
           for i in range(count)]
    db.session.commit()
    return ids


def ics_of(row: OutboxMessage):
    calendar = icalendar.Calendar.from_ical(row.ics)
    return calendar, calendar.walk("VEVENT")


class RecordingTransport:
    """Collects what it is given; thread-safe; can be told to fail."""

    def __init__(self, fail: BaseException | None = None, delay: float = 0.0):
        self.sent: list[str] = []
        self.messages = []
        self.fail = fail
        self.delay = delay
        self._lock = threading.Lock()

    def send(self, message, *, name: str) -> None:
        if self.fail is not None:
            raise self.fail
        if self.delay:
            threading.Event().wait(self.delay)
        with self._lock:
            self.sent.append(name)
            self.messages.append(message)


__all__ = ["NOW", "STOCKHOLM", "MessageStatus", "run_in_threads", "timedelta"]
