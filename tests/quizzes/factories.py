"""Quizzes for tests: a course with one module whose quiz is the given GIFT text."""
from __future__ import annotations

import hashlib
from typing import Any

from lms.extensions import db
from lms.quizzes.content import QuizSettings, QuizSource
from lms.quizzes.gift import parse_gift
from lms.quizzes.importing import sync_quiz
from lms.quizzes.demo import right_response, wrong_response  # noqa: F401  (used by the tests)
from lms.quizzes.models import Quiz
from tests.factories import make_course

SAMPLE = """
::Roller::Vem leder styrelsens arbete?{=Ordföranden#Rätt ~Kassören#Nej ~Revisorn}

::Primärfärger::Välj primärfärgerna.{~%50%röd ~%50%blå ~%-100%grön}

::Skåne::Malmö ligger i Skåne.{T}

::Mötet::Vem leder årsmötet?{=mötesordförande =ordförande för mötet}

::Tal::Hur många år sparas räkenskaper?{#7:0}

::Par::Para ihop.{=Ordförande -> leder =Kassör -> räknar =Sekreterare -> skriver}
"""


def make_quiz(gift: str = SAMPLE, *, course_slug: str | None = None, **settings: Any) -> Quiz:
    course = make_course(course_slug, modules=1)
    module = course.modules[0]
    module.quiz_file = "01-modul.gift"
    questions, errors = parse_gift(gift)
    assert not errors, errors
    source = QuizSource(file="01-modul.gift", hash=hashlib.sha256(gift.encode()).hexdigest(),
                        settings=QuizSettings(**settings), questions=questions)
    quiz = sync_quiz(module, source)
    db.session.flush()
    return quiz
