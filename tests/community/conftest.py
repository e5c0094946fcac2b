from datetime import datetime, timezone

import pytest

from lms.extensions import db
from tests.factories import make_cycle, make_participants, make_user

NOW = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)


class Board:
    """A running cycle with a trainer, three participants and an outsider."""

    def __init__(self):
        self.trainer = make_user(roles=["trainer"], locale="en")
        self.cycle = make_cycle(trainers=[self.trainer], now=NOW)
        self.anna, self.bert, self.cleo = make_participants(self.cycle, 3, now=NOW)
        self.outsider = make_user(locale="en")
        self.other_trainer = make_user(roles=["trainer"], locale="en")
        self.coordinator = make_user(roles=["coordinator"], locale="en")
        for person in (self.anna, self.bert, self.cleo):
            person.locale = "en"
        db.session.commit()


@pytest.fixture
def board(app) -> Board:
    return Board()
