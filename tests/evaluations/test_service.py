"""Questions per course, who may answer, one answer per learner, invitations and results."""
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from lms.core.formatting import DATE_STYLE
from lms.evaluations import results, service
from lms.evaluations.invitations import queue_evaluation_invitations
from lms.evaluations.models import (
    EvaluationAnswer, EvaluationParticipation, EvaluationQuestion, EvaluationResponse, QuestionKind,
)
from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.planning.models import CycleStatus
from tests.evaluations.conftest import NOW, ratings
from tests.factories import make_course, make_cycle, make_finished_cycle, make_participants, make_user
from tests.interruptions import killed_after_commits


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_standard_set_is_created_once(app):
    assert service.ensure_standard_questions() == 0
    questions = service.standard_questions()
    assert [q.builtin for q in questions] == ["overall", "relevance", "trainer", "practical", "use", "best", "improve"]
    assert questions[0].wording == "På det hela taget motsvarade kursen mina förväntningar."


def test_a_course_skips_standard_questions_and_adds_its_own(app):
    course = make_course()
    trainer_question = next(q for q in service.standard_questions() if q.builtin == "trainer")
    service.set_standard_question_for_course(course.id, trainer_question, asked=False)
    own = service.add_question(course.id, QuestionKind.RATING, "The exercises on the budget helped me.")
    asked = service.questionnaire(course.id)
    assert trainer_question not in asked and asked[-1] == own
    assert trainer_question in service.questionnaire(make_course().id), "other courses still ask it"
    service.set_question_active(own, False)
    assert own not in service.questionnaire(course.id)


def test_a_builtin_wording_can_be_changed_and_restored(app):
    question = service.standard_questions()[0]
    service.edit_question(question, "Kursen motsvarade mina förväntningar.")
    assert question.wording == "Kursen motsvarade mina förväntningar."
    service.edit_question(question, "")
    assert question.wording == "På det hela taget motsvarade kursen mina förväntningar."
    custom = service.add_question(None, QuestionKind.TEXT, "Anything else?")
    with pytest.raises(service.EvaluationError):
        service.edit_question(custom, "  ")


def test_moving_a_question_swaps_it_with_its_neighbour(app):
    first, second = service.standard_questions()[:2]
    service.move_question(second, -1)
    assert service.standard_questions()[:2] == [second, first]


def test_a_participant_answers_once(app):
    cycle, (anna, *_rest) = make_finished_cycle()
    service.submit_evaluation(anna.id, cycle, ratings(cycle, best="Fikat!"), now=NOW)
    assert service.has_answered(anna.id, cycle.id)
    assert _count(EvaluationResponse) == 1
    with pytest.raises(service.EvaluationError, match="redan svarat"):
        service.submit_evaluation(anna.id, cycle, ratings(cycle), now=NOW)
    assert _count(EvaluationResponse) == 1
    assert _count(EvaluationParticipation) == 1


def test_only_participants_of_a_finished_cycle_answer_while_it_is_open(app):
    cycle, (anna, *_rest) = make_finished_cycle()
    with pytest.raises(service.EvaluationError, match="Bara deltagarna"):
        service.submit_evaluation(make_user().id, cycle, ratings(cycle), now=NOW)
    closing = service.closes_at(cycle)
    with pytest.raises(service.EvaluationError, match="inte öppen"):
        service.submit_evaluation(anna.id, cycle, ratings(cycle), now=closing + timedelta(seconds=1))
    running = make_cycle(now=NOW)
    learner = make_participants(running, 1, now=NOW)[0]
    with pytest.raises(service.EvaluationError, match="inte öppen"):
        service.submit_evaluation(learner.id, running, ratings(running), now=NOW)
    assert _count(EvaluationResponse) == 0 and _count(EvaluationParticipation) == 0


def test_answers_must_fit_their_questions(app):
    cycle, (anna, *_rest) = make_finished_cycle()
    with pytest.raises(service.EvaluationError, match="minst en"):
        service.submit_evaluation(anna.id, cycle, {}, now=NOW)
    with pytest.raises(service.EvaluationError, match="1 till 5"):
        service.submit_evaluation(anna.id, cycle, ratings(cycle, overall="7"), now=NOW)
    assert not service.has_answered(anna.id, cycle.id)


def test_open_evaluations_lists_what_the_learner_still_owes(app):
    cycle, (anna, bert, *_rest) = make_finished_cycle()
    assert [e.cycle for e in service.open_evaluations_for(anna.id, NOW)] == [cycle]
    service.submit_evaluation(anna.id, cycle, ratings(cycle), now=NOW)
    assert service.open_evaluations_for(anna.id, NOW) == []
    assert service.open_evaluations_for(bert.id, service.closes_at(cycle)) == []


# --- results -----------------------------------------------------------------------------------

def test_results_count_ratings_and_list_free_texts(app):
    cycle, people = make_finished_cycle(learners=4)
    for person, value, text in zip(people, "4553", ["Bra", "Mycket bra", "", "Fika!"]):
        service.submit_evaluation(person.id, cycle, ratings(cycle, overall=value, best=text), now=NOW)
    found = results.results_for([cycle.id])
    assert found.shown and found.responses == 4 and found.participants == 4
    overall = next(r for r in found.questions if r.question.builtin == "overall")
    assert overall.counts == {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}
    assert overall.average == 4.2
    best = next(r for r in found.questions if r.question.builtin == "best")
    assert sorted(best.texts) == ["Bra", "Fika!", "Mycket bra"]
    assert results.overall_averages([cycle.id]) == {cycle.id: 4.2}


def test_results_of_too_few_answers_are_withheld(app):
    cycle, people = make_finished_cycle(learners=3)
    for person in people[:2]:
        service.submit_evaluation(person.id, cycle, ratings(cycle, best="Ärligt svar"), now=NOW)
    found = results.results_for([cycle.id])
    assert not found.shown and found.questions == [] and found.responses == 2
    assert results.overall_averages([cycle.id]) == {cycle.id: None}


def test_results_per_course_and_per_trainer_span_their_cycles(app):
    trainer, other_trainer = make_user(roles=["trainer"]), make_user(roles=["trainer"])
    course = make_course()
    first, first_people = make_finished_cycle(course, trainers=[trainer])
    second, second_people = make_finished_cycle(course, trainers=[other_trainer])
    for person in first_people:
        service.submit_evaluation(person.id, first, ratings(first, overall="5"), now=NOW)
    for person in second_people:
        service.submit_evaluation(person.id, second, ratings(second, overall="2"), now=NOW)
    assert results.evaluated_cycles(trainer_id=trainer.id) == [first]
    by_course = results.results_for([c.id for c in results.evaluated_cycles(course_id=course.id)])
    assert next(r for r in by_course.questions if r.question.builtin == "overall").average == 3.5
    assert results.course_ratings([course.id])[course.id][1] == 3


# --- invitations -------------------------------------------------------------------------------

def test_each_participant_is_invited_once_when_the_cycle_finishes(app):
    cycle, people = make_finished_cycle(learners=3)
    service.submit_evaluation(people[0].id, cycle, ratings(cycle), now=NOW)
    running = make_cycle(now=NOW)
    make_participants(running, 2, now=NOW)
    assert queue_evaluation_invitations(NOW) == 2
    assert queue_evaluation_invitations(NOW) == 0
    keys = set(db.session.execute(select(OutboxMessage.dedupe_key)).scalars())
    assert keys == {f"evaluation:cycle:{cycle.id}:user:{p.id}" for p in people[1:]}
    assert _count(Notification) == 2
    message = db.session.execute(select(OutboxMessage)).scalars().first()
    assert f"/evaluations/cycles/{cycle.id}" in message.body_text


def test_no_invitation_after_the_evaluation_closed(app):
    cycle, _people = make_finished_cycle()
    assert queue_evaluation_invitations(service.closes_at(cycle) + timedelta(days=1)) == 0


def test_a_retired_question_keeps_its_answers_in_the_results(app):
    cycle, people = make_finished_cycle(learners=3)
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle), now=NOW)
    question = db.session.execute(select(EvaluationQuestion).where(EvaluationQuestion.builtin == "use")).scalar_one()
    service.set_question_active(question, False)
    assert any(r.question == question for r in results.results_for([cycle.id]).questions)
    assert _count(EvaluationAnswer) == 15


def test_inactive_and_erased_participants_and_those_of_other_cycles_are_not_invited(app):
    from lms.db_types import utcnow

    cycle, people = make_finished_cycle(learners=4)
    people[0].active = False
    people[1].anonymised_at = utcnow()
    cancelled, _others = make_finished_cycle(learners=2)
    cancelled.status = CycleStatus.CANCELLED
    db.session.flush()
    assert queue_evaluation_invitations(NOW) == 2
    keys = set(db.session.execute(select(Notification.dedupe_key)).scalars())
    assert keys == {f"evaluation:cycle:{cycle.id}:user:{p.id}" for p in people[2:]}


def test_invitations_are_committed_batch_by_batch_and_a_stopped_tick_loses_none(app):
    cycle, people = make_finished_cycle(learners=5)
    db.session.commit()
    with pytest.raises(KeyboardInterrupt):
        queue_evaluation_invitations(NOW, after_each=killed_after_commits(2), batch=2)
    db.session.rollback()
    assert _count(Notification) == 4
    assert queue_evaluation_invitations(NOW, after_each=db.session.commit, batch=2) == 1
    assert queue_evaluation_invitations(NOW, after_each=db.session.commit, batch=2) == 0
    assert _count(Notification) == 5 and _count(OutboxMessage) == 5
    closes = format_date(service.closes_at(cycle).date(), DATE_STYLE, locale=people[0].locale)  # the one date style
    assert all(closes in m.body_text for m in db.session.execute(select(OutboxMessage)).scalars())
