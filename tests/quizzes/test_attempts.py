"""Attempts: resume, shuffle, limits, time, tampering, double submit, completion."""
import random
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms import create_app
from lms.catalog.models import ModuleProgress
from lms.extensions import db
from lms.quizzes import service
from lms.quizzes.models import AttemptAnswer, AttemptStatus, FeedbackPolicy, QuizAttempt
from tests.conftest import base_config
from tests.factories import make_user
from tests.quizzes.factories import make_quiz, right_response, wrong_response

T0 = datetime(2027, 3, 2, 17, 0, tzinfo=timezone.utc)


@pytest.fixture
def learner(app):
    user = make_user()
    db.session.commit()
    return user


def answer_all(attempt, chooser, now=T0):
    questions = service.attempt_questions(attempt)
    return service.save_answers(attempt, {q.id: chooser(q) for q in questions}, now)


def test_an_attempt_in_progress_is_resumed_not_restarted(app, learner):
    quiz = make_quiz()
    first = service.start_attempt(quiz, learner.id, T0)
    again = service.start_attempt(quiz, learner.id, T0 + timedelta(hours=2))
    assert again.id == first.id and again.number == 1


def test_order_is_shuffled_per_attempt_and_stable_within_it(app, learner):
    quiz = make_quiz()
    layouts = set()
    for seed in range(6):
        attempt = service.start_attempt(quiz, learner.id, T0, rng=random.Random(seed))
        layouts.add(tuple(attempt.question_ids))
        assert service.start_attempt(quiz, learner.id, T0).layout == attempt.layout
        service.submit_attempt(attempt, T0)
    assert len(layouts) > 1
    assert all(sorted(layout) == sorted(q.id for q in quiz.current_questions) for layout in layouts)


def test_without_shuffle_the_order_is_the_files(app, learner):
    quiz = make_quiz(shuffle=False)
    attempt = service.start_attempt(quiz, learner.id, T0)
    assert attempt.question_ids == [q.id for q in quiz.current_questions]
    first = attempt.layout[0]
    assert first["options"] == ["o1", "o2", "o3"]


def test_draw_takes_that_many_questions_from_the_pool(app, learner):
    quiz = make_quiz(draw=3)
    attempt = service.start_attempt(quiz, learner.id, T0)
    assert len(attempt.question_ids) == 3


def test_all_right_passes_and_completes_the_module(app, learner):
    quiz = make_quiz(pass_mark=80)
    attempt = service.start_attempt(quiz, learner.id, T0)
    answer_all(attempt, right_response)
    assert service.submit_attempt(attempt, T0 + timedelta(minutes=5))
    assert attempt.status is AttemptStatus.GRADED
    assert attempt.score == Decimal("100.00") and attempt.passed
    done = db.session.execute(select(ModuleProgress.module_id).where(ModuleProgress.user_id == learner.id)).scalars().all()
    assert done == [quiz.module_id]


def test_a_failed_attempt_does_not_complete_the_module(app, learner):
    quiz = make_quiz()
    attempt = service.start_attempt(quiz, learner.id, T0)
    answer_all(attempt, wrong_response)
    service.submit_attempt(attempt, T0)
    assert attempt.score == Decimal("0.00") and attempt.passed is False
    assert db.session.execute(select(ModuleProgress)).first() is None


def test_unanswered_questions_count_as_wrong(app, learner):
    quiz = make_quiz(pass_mark=50)
    attempt = service.start_attempt(quiz, learner.id, T0)
    questions = service.attempt_questions(attempt)
    service.save_answers(attempt, {questions[0].id: right_response(questions[0])}, T0)
    service.submit_attempt(attempt, T0)
    assert attempt.score == (Decimal(100) / 6).quantize(Decimal("0.01"))
    assert len(attempt.answers) == 6


def test_attempts_run_out(app, learner):
    quiz = make_quiz(attempts=2)
    for _ in range(2):
        attempt = service.start_attempt(quiz, learner.id, T0)
        service.submit_attempt(attempt, T0)
    with pytest.raises(service.QuizError):
        service.start_attempt(quiz, learner.id, T0)


def test_a_double_submit_grades_once(app, learner):
    quiz = make_quiz()
    attempt = service.start_attempt(quiz, learner.id, T0)
    answer_all(attempt, right_response)
    assert service.submit_attempt(attempt, T0) is True
    assert service.submit_attempt(attempt, T0 + timedelta(seconds=1)) is False
    assert attempt.submitted_at == T0
    with pytest.raises(service.QuizError):
        service.save_answers(attempt, {}, T0)


def test_concurrent_submits_grade_once_on_this_database(app, database_url, tmp_path, learner):
    quiz = make_quiz()
    attempt = service.start_attempt(quiz, learner.id, T0)
    answer_all(attempt, right_response)
    db.session.commit()
    attempt_id = attempt.id
    others = create_app(base_config(database_url, tmp_path))
    barrier = threading.Barrier(6)
    outcomes = []

    def submit():
        with others.app_context():
            own = db.session.get(QuizAttempt, attempt_id)
            barrier.wait()
            outcome = service.submit_attempt(own, T0)
            db.session.commit()
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with others.app_context():
        db.engine.dispose()
    assert sorted(outcomes) == [False] * 5 + [True]
    db.session.expire_all()
    assert db.session.execute(select(func.count(ModuleProgress.id))).scalar_one() == 1


def test_time_limit_is_enforced_on_the_server(app, learner):
    quiz = make_quiz(time_limit=10)
    attempt = service.start_attempt(quiz, learner.id, T0)
    assert attempt.deadline_at == T0 + timedelta(minutes=10)
    question = service.attempt_questions(attempt)[0]
    in_grace = T0 + timedelta(minutes=10, seconds=20)
    assert service.save_answers(attempt, {question.id: right_response(question)}, in_grace).saved == [question.id]
    late = T0 + timedelta(minutes=10, seconds=31)
    with force_locale("en"), pytest.raises(service.QuizError, match="time"):
        service.save_answers(attempt, {question.id: wrong_response(question)}, late)
    service.submit_attempt(attempt, late)
    answer = next(a for a in attempt.answers if a.question_id == question.id)
    assert answer.fraction == 1, "the answer saved in time counts; the late one does not"


def test_an_expired_attempt_is_handed_in_when_the_learner_returns(app, learner):
    quiz = make_quiz(time_limit=5)
    first = service.start_attempt(quiz, learner.id, T0)
    second = service.start_attempt(quiz, learner.id, T0 + timedelta(hours=1))
    assert first.status is not AttemptStatus.IN_PROGRESS
    assert second.number == 2


def test_tampered_answers_are_refused_one_by_one(app, learner):
    quiz = make_quiz(shuffle=False)
    attempt = service.start_attempt(quiz, learner.id, T0)
    single, multiple, truth, short, numeric, matching = service.attempt_questions(attempt)
    other = make_quiz(course_slug="annan-kurs").current_questions[0]
    result = service.save_answers(attempt, {
        single.id: "o99",
        multiple.id: ["o1", "<script>"],
        truth.id: "kanske",
        short.id: "x" * 501,
        numeric.id: ["1", "2"],
        matching.id: {"p1": "c9"},
        other.id: "o1",
        999999: "o1",
    }, T0)
    assert result.saved == []
    assert set(result.refused) == {single.id, multiple.id, truth.id, short.id, numeric.id, matching.id,
                                   other.id, 999999}
    assert db.session.execute(select(AttemptAnswer)).first() is None


def test_essays_wait_for_a_trainer_then_settle_the_attempt(app, learner):
    quiz = make_quiz("Reflektera.{}\n\nMalmö ligger i Skåne.{T}", pass_mark=75, shuffle=False)
    trainer = make_user(roles=["trainer"])
    attempt = service.start_attempt(quiz, learner.id, T0)
    essay, truth = service.attempt_questions(attempt)
    service.save_answers(attempt, {essay.id: "Vi behöver fler volontärer.", truth.id: "true"}, T0)
    service.submit_attempt(attempt, T0)
    assert attempt.status is AttemptStatus.NEEDS_GRADING and attempt.score is None
    [waiting] = service.essays_awaiting_grading()
    service.grade_essay(waiting, Decimal("0.5"), "Bra start.", trainer.id, T0)
    assert attempt.status is AttemptStatus.GRADED
    assert attempt.score == Decimal("75.00") and attempt.passed
    assert service.essays_awaiting_grading() == []
    with pytest.raises(service.QuizError):
        service.grade_essay(waiting, Decimal("2"), "", trainer.id, T0)


def test_feedback_policy(app, learner):
    quiz = make_quiz(attempts=2, feedback=FeedbackPolicy.AFTER_LAST_ATTEMPT)
    first = service.start_attempt(quiz, learner.id, T0)
    service.submit_attempt(first, T0)
    assert not service.feedback_visible(first, service.attempts_of(learner.id, quiz.id))
    second = service.start_attempt(quiz, learner.id, T0)
    service.submit_attempt(second, T0)
    assert service.feedback_visible(second, service.attempts_of(learner.id, quiz.id))
    quiz.feedback_policy = FeedbackPolicy.NEVER
    assert not service.feedback_visible(second, service.attempts_of(learner.id, quiz.id))
