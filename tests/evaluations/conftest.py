from datetime import datetime, timezone

import pytest

from lms.evaluations.service import ensure_standard_questions, questionnaire
from lms.extensions import db

#: after the cycles of make_finished_cycle (early 2027) ended, while their evaluation is open
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def standard_questions(app):
    ensure_standard_questions()
    db.session.commit()


def ratings(cycle, overall: str = "4", **extra) -> dict[int, str]:
    """An answer sheet: the given rating for every scale question, plus `extra` by builtin key."""
    answers = {}
    for question in questionnaire(cycle.course_id):
        if question.kind.value == "rating":
            answers[question.id] = extra.get(question.builtin or "", overall)
        elif question.builtin in extra:
            answers[question.id] = extra[question.builtin]
    return answers
