"""A cycle of four Tuesday sessions in January 2030 (18:00–20:00 local, 17:00 UTC), its trainer
and learners enrolled well before it starts."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from lms.enrolment.service import enrol
from lms.extensions import db
from tests.factories import make_cycle, make_user

BEFORE = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)
FIRST_START = datetime(2030, 1, 8, 17, 0, tzinfo=timezone.utc)


@dataclass
class Setup:
    cycle: object
    trainer: object
    learners: list
    sessions: list

    @property
    def first(self):
        return self.sessions[0]


def enrol_at(user, cycle, when):
    return enrol(user.id, cycle, now=when, check_window=False, decided=True)


@pytest.fixture
def setup(app):
    trainer = make_user(roles=["trainer"], name="Tove Utbildare", locale="en")
    cycle = make_cycle(first_date=date(2030, 1, 8), weekdays=(1,), sessions=4, trainers=[trainer], now=BEFORE)
    learners = [make_user(name=f"Deltagare {letter}", locale="en") for letter in "ABC"]
    for learner in learners:
        enrol_at(learner, cycle, BEFORE)
    db.session.commit()
    assert cycle.sessions[0].starts_at == FIRST_START
    return Setup(cycle, trainer, learners, list(cycle.sessions))


def minutes(n):
    return timedelta(minutes=n)
