"""Fixtures of the growth tests: a course mapped to two competences and a cycle of it with people."""
from dataclasses import dataclass

import pytest

from lms.extensions import db
from tests.factories import make_competence, make_course, make_finished_cycle, map_course


@dataclass
class Setting:
    course: object
    cycle: object
    people: list
    first: object  # competences
    second: object


@pytest.fixture
def setting(app):
    """A finished cycle (early 2027) of a course that builds two competences, with six participants."""
    course = make_course("hallbarhet")
    first, second = make_competence("systems-thinking"), make_competence("futures-literacy")
    map_course(course, first, second)
    cycle, people = make_finished_cycle(course, learners=6)
    db.session.commit()
    return Setting(course, cycle, people, first, second)
