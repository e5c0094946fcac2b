"""The ticks that run every few minutes make as many SQL queries with three times the data.

The reminder sweep with nothing due reads neither the people nor their reminders, and one with
everything already queued loads no object.
bench/notifications.py measures the same ticks at ×30.
"""
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from sqlalchemy import event

from bench.datagen import Size, generate
from lms.extensions import db
from lms.notifications.reminders import planned_reminders, queue_due_reminders
from tests.conftest import _empty_all_tables

#: a Wednesday noon in Stockholm: the generated cycles meet on Tuesdays at 18:00
NOW = datetime(2027, 3, 3, 11, 0, tzinfo=timezone.utc)
TUESDAY_NOON = NOW + timedelta(days=6)  # the 24-hour reminders of Tuesday's sessions are due
SMALL = Size(organisations=3, people=90, courses=3, cycles=10, sessions_per_cycle=30, enrolled_per_cycle=6,
             timeline_slots=10)
LARGER = Size(organisations=9, people=270, courses=9, cycles=30, sessions_per_cycle=30, enrolled_per_cycle=18,
              timeline_slots=10)


class StatementLog:
    """The SQL statements run while it is open."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __enter__(self) -> "StatementLog":
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, connection, cursor, statement, *args) -> None:
        self.statements.append(statement)


def _tick(run, now) -> tuple[list[str], int]:
    with StatementLog() as log:
        result = run(now)
    db.session.commit()
    return log.statements, result


def _reminder_sweep(now) -> int:
    return len(queue_due_reminders(now))


def _costs() -> dict[str, int]:
    assert planned_reminders(NOW, NOW + timedelta(days=7))  # sessions ahead, just not due yet
    quiet, none = _tick(_reminder_sweep, NOW)
    assert none == 0
    assert not [s for s in quiet if "users" in s or "notifications" in s]
    _, queued = _tick(_reminder_sweep, TUESDAY_NOON)
    all_queued, none = _tick(_reminder_sweep, TUESDAY_NOON + timedelta(minutes=1))
    assert queued > 0 and none == 0
    return {"sweep, nothing due": len(quiet), "sweep, all queued": len(all_queued)}


def costs_with_three_times_the_data(costs: Callable[[], dict[str, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """`costs()` on the small data set, then again on one three times larger."""
    generate(SMALL, NOW)
    small = costs()
    db.session.remove()
    _empty_all_tables()
    generate(LARGER, NOW)
    return small, costs()


@pytest.mark.config(LMS_ARGON2_TIME_COST=1)
def test_the_ticks_make_as_many_queries_with_three_times_the_data(app):
    small, larger = costs_with_three_times_the_data(_costs)
    assert larger == small
