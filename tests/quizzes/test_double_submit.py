"""A double-clicked Submit: two requests for the same attempt at the same moment.

Both must end on the graded result (issue #19: 9 of 10 trials gave a bare 500, a duplicate
answer on UNIQUE(attempt, question)). Two log-ins of the same learner post at once.
"""
import threading

from lms.extensions import db
from lms.quizzes.models import AttemptAnswer, AttemptStatus, QuizAttempt
from tests.conftest import log_in
from tests.factories import make_user
from tests.quizzes.factories import make_quiz, right_response
from tests.quizzes.test_pages import answers_form, start

TRIALS = 3


def test_a_double_clicked_submit_shows_the_graded_result_both_times(app):
    learner = make_user(roles=("learner",), locale="en")
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        assert log_in(client, learner.email).status_code == 302
    for _ in range(TRIALS):
        quiz = make_quiz()
        db.session.commit()
        attempt = start(clients[0], quiz)
        data = {**answers_form(attempt, right_response), "submit": "1"}
        barrier = threading.Barrier(2)
        answers: list = []

        def run(client) -> None:
            barrier.wait(timeout=30)
            answers.append(client.post(f"/quiz/attempts/{attempt.id}", data=data))

        threads = [threading.Thread(target=run, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [a.status_code for a in answers] == [302, 302]
        assert {a.headers["Location"] for a in answers} == {f"/quiz/attempts/{attempt.id}/result"}
        db.session.expire_all()  # the threads wrote through their own sessions
        for client in clients:
            page = client.get(f"/quiz/attempts/{attempt.id}/result", headers={"Accept-Language": "en"})
            assert page.status_code == 200 and "You passed with 100 %" in page.text
        db.session.expire_all()
        graded = db.session.get(QuizAttempt, attempt.id)
        assert graded.status is AttemptStatus.GRADED and graded.score == 100
        assert db.session.query(AttemptAnswer).filter_by(attempt_id=attempt.id).count() == len(graded.question_ids)
