"""Trainers hear about essays waiting for their grade, once per attempt."""
from datetime import datetime, timezone

from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.notifications.progress import queue_essay_notices
from lms.quizzes import service as quizzes
from tests.factories import make_cycle, make_user
from tests.quizzes.factories import make_quiz

NOW = datetime(2030, 2, 1, 12, 0, tzinfo=timezone.utc)


def test_the_trainer_of_the_course_is_told_once_per_attempt(app):
    quiz = make_quiz("Reflektera över er förening.{}")
    trainer = make_user(name="Tove Utbildare", roles=["trainer"], locale="en")
    make_user(roles=["coordinator"])
    make_cycle(quiz.module.course, trainers=[trainer])
    learner = make_user(name="Anna Berg")
    attempt = quizzes.start_attempt(quiz, learner.id, NOW)
    [essay] = quizzes.attempt_questions(attempt)
    quizzes.save_answers(attempt, {essay.id: "Vi behöver fler volontärer."}, NOW)
    quizzes.submit_attempt(attempt, NOW)
    assert queue_essay_notices(NOW) == 1
    assert queue_essay_notices(NOW) == 0, "never twice"
    [message] = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "essays_waiting")).scalars().all()
    assert message.recipient == trainer.email and "An essay to grade" in message.subject
    assert db.session.execute(select(Notification.user_id).where(Notification.kind == "essays_waiting")).scalar_one() == trainer.id


def test_nothing_is_sent_when_every_essay_is_graded(app):
    quiz = make_quiz("Reflektera.{}")
    learner, coordinator = make_user(), make_user(roles=["coordinator"])
    attempt = quizzes.start_attempt(quiz, learner.id, NOW)
    [essay] = quizzes.attempt_questions(attempt)
    quizzes.save_answers(attempt, {essay.id: "Svar"}, NOW)
    quizzes.submit_attempt(attempt, NOW)
    [answer] = quizzes.essays_awaiting_grading()
    from decimal import Decimal

    quizzes.grade_essay(answer, Decimal("1"), "Bra", coordinator.id, NOW)
    assert queue_essay_notices(NOW) == 0
