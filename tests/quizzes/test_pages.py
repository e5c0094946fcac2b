"""Taking a quiz through HTTP; what the browser may see; staff results and grading."""
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.catalog.models import ModuleProgress
from lms.extensions import db
from lms.quizzes import service
from lms.quizzes.models import AttemptStatus, QuizAttempt
from tests.factories import make_user
from tests.quizzes.factories import make_quiz, right_response, wrong_response

EN = {"Accept-Language": "en"}


def quiz_url(quiz):
    module = quiz.module
    return f"/courses/{module.course.slug}/modules/{module.slug}/quiz"


def form_of(question, response):
    name = f"q{question.id}"
    if isinstance(response, list):
        return {f"{name}[]": response}
    if isinstance(response, dict):
        return {f"{name}.{pair}": choice for pair, choice in response.items()}
    return {name: response}


def answers_form(attempt, chooser):
    data = {}
    for question in service.attempt_questions(attempt):
        data.update(form_of(question, chooser(question)))
    return data


def start(client, quiz):
    response = client.post(quiz_url(quiz))
    assert response.status_code == 302
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(QuizAttempt, attempt_id)


def test_the_quiz_page_and_a_failed_then_passed_attempt(learner_client):
    quiz = make_quiz(pass_mark=80)
    db.session.commit()
    page = learner_client.get(quiz_url(quiz), headers=EN).text
    assert "6 questions" in page and "Pass mark: 80 %" in page
    attempt = start(learner_client, quiz)
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data={**answers_form(attempt, wrong_response), "submit": "1",
                                                                     "confirm_unanswered": "1"})  # the pairs are left blank
    assert response.headers["Location"] == f"/quiz/attempts/{attempt.id}/result"
    result = learner_client.get(response.headers["Location"], headers=EN).text
    assert "You got 0 %" in result and "Try again" in result
    second = start(learner_client, quiz)
    assert second.number == 2
    learner_client.post(f"/quiz/attempts/{second.id}", data={**answers_form(second, right_response), "submit": "1"})
    result = learner_client.get(f"/quiz/attempts/{second.id}/result", headers=EN).text
    assert "You passed with 100 %" in result
    assert db.session.execute(select(ModuleProgress)).scalar_one().module_id == quiz.module_id


def test_right_answers_never_reach_the_browser_before_submitting(learner_client):
    quiz = make_quiz("::Q::Vilken?{=HEMLIGT_RÄTT#FEEDBACK_RÄTT ~fel#FEEDBACK_FEL\n####ALLMÄN_FEEDBACK}\n\nSant?{T#FEL_TF#RÄTT_TF}\n\nOrd?{=HEMLIGT_ORD}\n\nTal?{#4242:0}\n\nPar.{=a -> x =b -> y}")
    db.session.commit()
    attempt = start(learner_client, quiz)
    html = learner_client.get(f"/quiz/attempts/{attempt.id}").text
    assert "HEMLIGT_RÄTT" in html, "the options are shown"
    for secret in ("FEEDBACK_RÄTT", "FEEDBACK_FEL", "ALLMÄN_FEEDBACK", "FEL_TF", "RÄTT_TF", "HEMLIGT_ORD", "4242", "weight"):
        assert secret not in html


def test_answers_are_saved_as_you_go_and_survive_a_new_log_in(app, learner_client):
    quiz = make_quiz(shuffle=False)
    db.session.commit()
    attempt = start(learner_client, quiz)
    single = service.attempt_questions(attempt)[0]
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data={f"q{single.id}": "o2"},
                                   headers={"X-Requested-With": "fetch"})
    assert response.json == {"saved": [single.id], "refused": {}}
    other_device = app.test_client()
    other_device.post("/login", data={"email": learner_client.user.email, "password": "correct horse battery"})
    assert other_device.post(quiz_url(quiz)).headers["Location"] == f"/quiz/attempts/{attempt.id}"
    html = other_device.get(f"/quiz/attempts/{attempt.id}").text
    assert re.search(rf'name="q{single.id}" value="o2" checked', html)


def test_another_learners_attempt_is_not_found(app, learner_client):
    quiz = make_quiz()
    db.session.commit()
    attempt = start(learner_client, quiz)
    stranger = make_user()
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": stranger.email, "password": "correct horse battery"})
    for path in (f"/quiz/attempts/{attempt.id}", f"/quiz/attempts/{attempt.id}/result"):
        assert other.get(path).status_code == 404
    assert other.post(f"/quiz/attempts/{attempt.id}", data={"submit": "1"}).status_code == 404


def test_a_second_submit_is_harmless(learner_client):
    quiz = make_quiz()
    db.session.commit()
    attempt = start(learner_client, quiz)
    data = {**answers_form(attempt, right_response), "submit": "1"}
    assert learner_client.post(f"/quiz/attempts/{attempt.id}", data=data).status_code == 302
    again = learner_client.post(f"/quiz/attempts/{attempt.id}", data=data)
    assert again.status_code == 302
    db.session.expire_all()
    assert attempt.status is AttemptStatus.GRADED and attempt.score == 100


def test_the_module_with_a_quiz_cannot_be_marked_done_by_hand(learner_client):
    quiz = make_quiz()
    db.session.commit()
    module = quiz.module
    response = learner_client.post(f"/courses/{module.course.slug}/modules/{module.slug}/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/quiz")
    assert db.session.execute(select(ModuleProgress)).first() is None


VALUE = st.one_of(st.text(max_size=30), st.sampled_from(["o1", "o2", "c1", "p1", "true", "false", "", "7"]))
KEY = st.one_of(st.from_regex(r"q\d{1,10}(\[\]|\.p\d{1,3})?", fullmatch=True), st.text(max_size=12))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=st.dictionaries(KEY, st.one_of(VALUE, st.lists(VALUE, max_size=3)), max_size=8),
       submit=st.booleans(), fetch=st.booleans())
def test_arbitrary_posts_to_an_attempt_never_break_it(learner_client, fields, submit, fetch):
    quiz = make_quiz(course_slug=None) if not hasattr(learner_client, "quiz") else learner_client.quiz
    learner_client.quiz = quiz
    db.session.commit()
    attempt = start(learner_client, quiz)
    for question in service.attempt_questions(attempt):
        fields.setdefault(f"q{question.id}", "o1")
    data = {**fields, **({"submit": "1"} if submit else {})}
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data=data, headers=headers)
    assert response.status_code < 500
    assert learner_client.get(f"/quiz/attempts/{attempt.id}").status_code < 500
    assert learner_client.get(f"/quiz/attempts/{attempt.id}/result").status_code < 500


def test_staff_see_results_statistics_and_csv(coordinator_client, app):
    quiz = make_quiz(shuffle=False)
    learners = [make_user(name=name) for name in ("Anna Berg", "=HYPERLINK(\"x\")")]
    db.session.commit()
    for learner, chooser in zip(learners, (right_response, wrong_response)):
        attempt = service.start_attempt(quiz, learner.id, service_now())
        service.save_answers(attempt, {q.id: chooser(q) for q in service.attempt_questions(attempt)}, service_now())
        service.submit_attempt(attempt, service_now())
    db.session.commit()
    page = coordinator_client.get(f"/quizzes/{quiz.id}/results", headers=EN).text
    assert "Anna Berg" in page and "50 %" in page
    assert "Kassören" in page, "the most chosen wrong answer of the first question"
    csv_text = coordinator_client.get(f"/quizzes/{quiz.id}/results.csv").text
    assert "Anna Berg" in csv_text and "'=HYPERLINK" in csv_text


def test_learners_and_trainers_of_other_courses_cannot_see_results(app, learner_client, trainer_client):
    quiz = make_quiz()
    db.session.commit()
    assert learner_client.get(f"/quizzes/{quiz.id}/results").status_code == 403
    assert trainer_client.get(f"/quizzes/{quiz.id}/results").status_code == 403
    assert trainer_client.get(f"/quizzes/{quiz.id}/results.csv").status_code == 403


def test_a_coordinator_grades_an_essay_and_the_learner_sees_it(coordinator_client, learner_client):
    quiz = make_quiz("Reflektera över ert styrelsearbete.{}", pass_mark=50)
    db.session.commit()
    attempt = start(learner_client, quiz)
    [essay] = service.attempt_questions(attempt)
    learner_client.post(f"/quiz/attempts/{attempt.id}", data={f"q{essay.id}": "Vi möts för sällan.", "submit": "1"})
    assert "A trainer will grade" in learner_client.get(f"/quiz/attempts/{attempt.id}/result", headers=EN).text
    queue = coordinator_client.get("/quizzes", headers=EN).text
    answer_id = int(re.search(r"/quizzes/answers/(\d+)/grade", queue).group(1))
    assert "Vi möts för sällan." in coordinator_client.get(f"/quizzes/answers/{answer_id}/grade").text
    response = coordinator_client.post(f"/quizzes/answers/{answer_id}/grade", data={"points": "0.8", "feedback": "Bra reflektion."})
    assert response.status_code == 302
    result = learner_client.get(f"/quiz/attempts/{attempt.id}/result", headers=EN).text
    assert "You passed with 80 %" in result and "Bra reflektion." in result
    assert learner_client.get(f"/quizzes/answers/{answer_id}/grade").status_code == 403


def service_now():
    from lms.db_types import utcnow

    return utcnow()


def _submitted(quiz, learner, chooser):
    attempt = service.start_attempt(quiz, learner.id, service_now())
    service.save_answers(attempt, {q.id: chooser(q) for q in service.attempt_questions(attempt)}, service_now())
    service.submit_attempt(attempt, service_now())


def test_a_trainer_sees_only_the_learners_of_the_cycles_they_teach(app, trainer_client):
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from tests.factories import make_cycle

    quiz = make_quiz()
    course = quiz.module.course
    taught = make_cycle(course, trainers=[trainer_client.user], title="Våren 2030")
    other = make_cycle(course, title="Hösten 2030")
    mine, theirs = make_user(name="Min Deltagare"), make_user(name="Annan Deltagare")
    for learner, cycle in ((mine, taught), (theirs, other)):
        db.session.add(Enrolment(user_id=learner.id, cycle_id=cycle.id, status=EnrolmentStatus.ENROLLED,
                                 enrolled_at=service_now()))
        _submitted(quiz, learner, right_response)
    db.session.commit()
    page = trainer_client.get(f"/quizzes/{quiz.id}/results", headers=EN).text
    assert "Min Deltagare" in page and "Annan Deltagare" not in page
    csv_text = trainer_client.get(f"/quizzes/{quiz.id}/results.csv?cycle={other.id}").text
    assert "Annan Deltagare" not in csv_text, "a cycle the trainer does not teach is ignored"
    assert quiz.module.title in trainer_client.get("/quizzes", headers=EN).text


def test_the_quizzes_list_shows_a_trainer_the_quizzes_and_essays_of_the_courses_they_teach(
        coordinator_client, trainer_client, learner_client):
    from tests.factories import make_cycle

    taught, other = make_quiz("Beskriv ert årsmöte.{}"), make_quiz("Beskriv er budget.{}")
    make_cycle(taught.module.course, trainers=[trainer_client.user])
    db.session.commit()
    for quiz in (taught, other):
        attempt = start(learner_client, quiz)
        [essay] = service.attempt_questions(attempt)
        learner_client.post(f"/quiz/attempts/{attempt.id}", data={f"q{essay.id}": "Så här.", "submit": "1"})
    mine = trainer_client.get("/quizzes", headers=EN).text
    assert f"/quizzes/{taught.id}/results" in mine and f"/quizzes/{other.id}/results" not in mine
    assert mine.count("/quizzes/answers/") == 1, "only the essay of the course the trainer teaches"
    everything = coordinator_client.get("/quizzes", headers=EN).text
    assert f"/quizzes/{taught.id}/results" in everything and f"/quizzes/{other.id}/results" in everything
    assert everything.count("/quizzes/answers/") == 2


@pytest.mark.parametrize("path_of", [
    lambda quiz, attempt: quiz_url(quiz),
    lambda quiz, attempt: f"/quiz/attempts/{attempt.id}",
])
def test_quiz_posts_need_a_csrf_token(app, learner_client, path_of):
    quiz = make_quiz()
    db.session.commit()
    attempt = start(learner_client, quiz)
    app.config["WTF_CSRF_ENABLED"] = True
    response = learner_client.post(path_of(quiz, attempt), data={"submit": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    assert attempt.status is AttemptStatus.IN_PROGRESS


def test_handing_in_with_unanswered_questions_asks_to_confirm_and_keeps_the_answers(learner_client):
    quiz = make_quiz()
    db.session.commit()
    attempt = start(learner_client, quiz)
    questions = service.attempt_questions(attempt)
    first = questions[0]
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data={**form_of(first, right_response(first)), "submit": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/quiz/attempts/{attempt.id}?confirm=1#quiz-confirm"
    db.session.expire_all()
    assert attempt.status is AttemptStatus.IN_PROGRESS, "not handed in without a word"
    page = learner_client.get(f"/quiz/attempts/{attempt.id}?confirm=1", headers=EN).text
    assert f"{len(questions) - 1} questions are not answered." in page and "Hand in anyway" in page
    assert 'name="confirm_unanswered"' in page
    assert [a.question_id for a in attempt.answers] == [first.id], "the answer given is kept"
    confirmed = learner_client.post(f"/quiz/attempts/{attempt.id}", data={"confirm_unanswered": "1", "submit": "1"})
    assert confirmed.headers["Location"] == f"/quiz/attempts/{attempt.id}/result"
    db.session.expire_all()
    assert attempt.status is not AttemptStatus.IN_PROGRESS


def _run_out_of_time(attempt):
    attempt.deadline_at = attempt.started_at - timedelta(hours=1)
    db.session.commit()


def test_a_late_hand_in_keeps_the_attempt_handed_in_and_not_the_late_answers(learner_client):
    """The refused save is undone (a savepoint); handing in what was saved in time is kept."""
    quiz = make_quiz(shuffle=False, time_limit=10)
    db.session.commit()
    attempt = start(learner_client, quiz)
    _run_out_of_time(attempt)
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data={
        **answers_form(attempt, right_response), "submit": "1", "confirm_unanswered": "1"})
    assert response.headers["Location"] == f"/quiz/attempts/{attempt.id}/result"
    db.session.expire_all()
    assert attempt.status is not AttemptStatus.IN_PROGRESS and attempt.submitted_at is not None
    assert all(answer.response is None for answer in attempt.answers), "answers after the time limit"


def test_a_late_save_is_refused_and_leaves_the_attempt_as_it_was(learner_client):
    quiz = make_quiz(shuffle=False, time_limit=10)
    db.session.commit()
    attempt = start(learner_client, quiz)
    _run_out_of_time(attempt)
    response = learner_client.post(f"/quiz/attempts/{attempt.id}", data=answers_form(attempt, right_response),
                                   headers={"X-Requested-With": "fetch"})
    assert response.status_code == 409 and "time is up" in response.get_json()["error"]
    db.session.expire_all()
    assert attempt.status is AttemptStatus.IN_PROGRESS and attempt.answers == []


def test_starting_again_with_no_attempts_left_is_refused_and_hands_in_the_expired_one(learner_client):
    quiz = make_quiz(attempts=1, time_limit=10)
    db.session.commit()
    attempt = start(learner_client, quiz)
    _run_out_of_time(attempt)
    response = learner_client.post(quiz_url(quiz))
    assert response.headers["Location"] == quiz_url(quiz)
    assert "You have used every attempt at this quiz." in learner_client.get(quiz_url(quiz), headers=EN).text
    db.session.expire_all()
    assert attempt.status is not AttemptStatus.IN_PROGRESS, "the expired attempt is handed in and kept"
    assert db.session.execute(select(func.count()).select_from(QuizAttempt)).scalar_one() == 1
