"""Answering, results and questions over HTTP: who gets in, who is refused, CSRF."""
import pytest
from sqlalchemy import func, select

from lms.evaluations import service
from lms.evaluations.models import EvaluationQuestion, EvaluationResponse
from lms.extensions import db
from tests.conftest import log_in
from tests.evaluations.conftest import NOW, ratings
from tests.factories import make_course, make_cycle, make_finished_cycle, make_participants, make_user


@pytest.fixture
def frozen(monkeypatch):
    """The pages' clock at NOW, while the demo-like cycles' evaluations are open."""
    import lms.evaluations.routes as routes

    monkeypatch.setattr(routes, "utcnow", lambda: NOW)


def _client(app, user):
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def _form(cycle, **extra):
    return {f"q{qid}": value for qid, value in ratings(cycle, **extra).items()}


def test_a_participant_answers_and_cannot_answer_again(app, frozen):
    cycle, (anna, *_rest) = make_finished_cycle()
    anna.locale = "en"
    db.session.commit()
    client = _client(app, anna)
    assert f"/evaluations/cycles/{cycle.id}" in client.get("/evaluations").text
    page = client.get(f"/evaluations/cycles/{cycle.id}").text
    assert "Overall, the course met my expectations." in page and "Strongly agree" in page
    response = client.post(f"/evaluations/cycles/{cycle.id}", data=_form(cycle, best="Fikat"))
    assert response.status_code == 302 and response.headers["Location"] == "/evaluations"
    assert "Thank you! Your answers are saved" in client.get("/evaluations").text
    assert "You have answered this evaluation" in client.get(f"/evaluations/cycles/{cycle.id}").text
    again = client.post(f"/evaluations/cycles/{cycle.id}", data=_form(cycle), follow_redirects=True)
    assert "already answered" in again.text
    assert db.session.execute(select(func.count(EvaluationResponse.id))).scalar_one() == 1


def test_a_submission_refused_after_it_was_written_counts_nothing_and_keeps_the_answers(app, frozen, monkeypatch):
    """The page is shown again (and the request commits): what the refused submission wrote is undone."""
    cycle, (anna, *_rest) = make_finished_cycle()
    anna.locale = "en"
    db.session.commit()

    def refuse(cycle_id):
        raise service.EvaluationError("Refused after the answers were written.")

    monkeypatch.setattr(service, "reshuffle_cycle", refuse)
    client = _client(app, anna)
    response = client.post(f"/evaluations/cycles/{cycle.id}", data=_form(cycle, best="Fikat"))
    assert response.status_code == 200 and "Refused after the answers were written." in response.text
    assert "Fikat" in response.text
    assert db.session.execute(select(func.count(EvaluationResponse.id))).scalar_one() == 0
    assert not service.has_answered(anna.id, cycle.id)


def test_others_cannot_open_the_evaluation(app, frozen, learner_client):
    cycle, _people = make_finished_cycle()
    db.session.commit()
    assert learner_client.get(f"/evaluations/cycles/{cycle.id}").status_code == 403
    assert learner_client.post(f"/evaluations/cycles/{cycle.id}", data=_form(cycle)).status_code == 403
    assert learner_client.get("/evaluations/cycles/99999").status_code == 404
    draft = make_cycle(published=False)
    db.session.commit()
    assert learner_client.get(f"/evaluations/cycles/{draft.id}").status_code == 404


def test_an_open_running_cycle_says_the_evaluation_is_not_open(app, frozen):
    running = make_cycle(now=NOW)
    learner = make_participants(running, 1, now=NOW)[0]
    learner.locale = "en"
    db.session.commit()
    page = _client(app, learner).get(f"/evaluations/cycles/{running.id}").text
    assert "This evaluation is not open." in page and "Send my answers" not in page


def _answered_cycle(trainer=None):
    cycle, people = make_finished_cycle(learners=3, trainers=[trainer] if trainer else [])
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle, best=f"Bäst var fikat {person.id}"), now=NOW)
    db.session.commit()
    return cycle


def test_coordinators_see_every_result(app, coordinator_client):
    trainer = make_user(roles=["trainer"])
    cycle = _answered_cycle(trainer)
    overview = coordinator_client.get("/evaluations/results").text
    assert cycle.title in overview and "4.0" in overview
    page = coordinator_client.get(f"/evaluations/results/cycles/{cycle.id}").text
    assert "Average 4.0 of 5, from 3 answers." in page and "Bäst var fikat" in page
    assert coordinator_client.get(f"/evaluations/results/courses/{cycle.course_id}").status_code == 200
    assert "Bäst var fikat" in coordinator_client.get(f"/evaluations/results/trainers/{trainer.id}").text
    assert coordinator_client.get("/evaluations/results/courses/99999").status_code == 404
    assert coordinator_client.get("/evaluations/results/cycles/99999").status_code == 404
    assert coordinator_client.get(f"/evaluations/results/trainers/{make_user().id}").status_code == 404


def test_trainers_see_only_their_own_cycles(app, trainer_client):
    own = _answered_cycle(trainer_client.user)
    other = _answered_cycle(make_user(roles=["trainer"]))
    overview = trainer_client.get("/evaluations/results").text
    assert f"/evaluations/results/cycles/{own.id}" in overview
    assert f"/evaluations/results/cycles/{other.id}" not in overview
    assert trainer_client.get(f"/evaluations/results/cycles/{own.id}").status_code == 200
    assert trainer_client.get(f"/evaluations/results/cycles/{other.id}").status_code == 403
    assert trainer_client.get(f"/evaluations/results/courses/{own.course_id}").status_code == 403
    assert trainer_client.get(f"/evaluations/results/trainers/{trainer_client.user.id}").status_code == 200
    other_trainer = other.trainer_links[0].user_id
    assert trainer_client.get(f"/evaluations/results/trainers/{other_trainer}").status_code == 403


def test_learners_see_no_results(app, learner_client):
    cycle = _answered_cycle()
    for path in ("/evaluations/results", f"/evaluations/results/cycles/{cycle.id}",
                 f"/evaluations/results/courses/{cycle.course_id}", "/evaluations/questions"):
        assert learner_client.get(path).status_code == 403, path


def test_too_few_answers_show_no_texts(app, coordinator_client):
    cycle, people = make_finished_cycle(learners=3)
    service.submit_evaluation(people[0].id, cycle, ratings(cycle, best="Min hemliga åsikt"), now=NOW)
    db.session.commit()
    page = coordinator_client.get(f"/evaluations/results/cycles/{cycle.id}").text
    assert "Min hemliga åsikt" not in page and "Results are shown from 3 answers on" in page


def test_coordinators_keep_the_questions(app, coordinator_client, trainer_client):
    course = make_course()
    db.session.commit()
    assert trainer_client.get("/evaluations/questions").status_code == 403
    assert coordinator_client.get("/evaluations/questions").status_code == 200
    response = coordinator_client.post(f"/evaluations/courses/{course.id}/questions",
                                       data={"kind": "text", "text": "Vad tyckte du om lokalen?"})
    assert response.status_code == 302
    own = db.session.execute(select(EvaluationQuestion).where(EvaluationQuestion.course_id == course.id)).scalar_one()
    standard = service.standard_questions()[2]
    coordinator_client.post(f"/evaluations/courses/{course.id}/questions/{standard.id}/skip")
    coordinator_client.post(f"/evaluations/questions/{own.id}/edit", data={"text": "Vad tyckte du om salen?"})
    page = coordinator_client.get(f"/evaluations/courses/{course.id}/questions").text
    assert "Vad tyckte du om salen?" in page and "not asked in this course" in page
    coordinator_client.post(f"/evaluations/questions/{own.id}/retire")
    db.session.expire_all()
    assert [q.id for q in service.questionnaire(course.id)] == [
        q.id for q in service.standard_questions() if q.id != standard.id]
    assert coordinator_client.post("/evaluations/questions/99999/retire").status_code == 404
    assert coordinator_client.post(f"/evaluations/courses/99999/questions/{standard.id}/ask").status_code == 404


CSRF_POSTS = ["/evaluations/cycles/{cycle}", "/evaluations/questions", "/evaluations/questions/{question}/retire",
              "/evaluations/questions/{question}/edit", "/evaluations/courses/{course}/questions/{question}/skip"]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path", CSRF_POSTS)
def test_posts_without_a_csrf_token_are_rejected(app, frozen, path):
    cycle, (anna, *_rest) = make_finished_cycle()
    coordinator = make_user(roles=["coordinator"])
    question = service.standard_questions()[0]
    db.session.commit()
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    who = anna if "cycles" in path else coordinator
    client.post("/login", data={"email": who.email, "password": "correct horse battery", "csrf_token": token})
    url = path.format(cycle=cycle.id, question=question.id, course=cycle.course_id)
    response = client.post(url, data={**_form(cycle), "kind": "rating", "text": "Ny fråga"})
    assert response.status_code == 400
    assert not service.has_answered(anna.id, cycle.id)
    assert service.standard_questions()[0].active
