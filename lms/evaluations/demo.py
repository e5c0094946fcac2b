"""Demo evaluations: the standard questions, one question of the course's own, and answers from
most participants of the finished demo cycle (the first few are left to answer, and invited).

Answers go through the real service, so running it twice changes nothing.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.evaluations import service
from lms.evaluations.invitations import queue_evaluation_invitations
from lms.evaluations.models import EvaluationQuestion, QuestionKind
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus

OWN_QUESTION = "Vilken del av styrelsearbetet vill du fördjupa dig i?"
#: (learner index, overall, relevance, trainer, practical, use, best, improve, own)
SHEETS = [
    (4, 5, 5, 5, 4, 5, "Genomgången av stadgarna – nu vågar jag läsa våra egna.", "", "Ekonomin"),
    (5, 4, 5, 4, 3, 4, "Att höra hur andra föreningar gör.", "Hörslingan fungerade dåligt andra kvällen.", ""),
    (6, 4, 4, 5, 4, 4, "", "Mer tid för frågor om årsmötet.", "Årsmötet"),
    (7, 5, 4, 5, 5, 5, "Övningen med protokollet.", "", ""),
    (8, 3, 4, 4, 2, 3, "", "Kvällarna blev långa efter jobbet – kanske lördagar?", "Arbetsgivaransvar"),
    (9, 4, 5, 4, 4, 4, "Tydliga exempel från Malmö.", "Skicka materialet i förväg.", ""),
    (10, 5, 5, 5, 4, 5, "Fikat och samtalen i pausen!", "", "Valberedningen"),
    (11, 4, 3, 4, 4, 3, "", "Fler exempel från små föreningar utan anställda.", ""),
    (12, 4, 4, 4, 5, 4, "Bra blandning av teori och övning.", "", ""),
    (13, 2, 3, 3, 3, 2, "", "Det gick för fort för mig som är ny i Sverige.", "Ansvarsfrihet"),
    (14, 5, 5, 4, 4, 5, "Att vi fick träffas på riktigt i centrum.", "", ""),
    (15, 4, 4, 5, 4, 4, "", "En uppföljningsträff efter ett halvår vore bra.", ""),
]


def _finished_cycle(slug: str) -> Cycle | None:
    from lms.catalog.models import Course

    return db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == slug, Cycle.status == CycleStatus.FINISHED).order_by(Cycle.id)
    ).scalars().first()


def _own_question(course_id: int) -> EvaluationQuestion:
    found = db.session.execute(
        select(EvaluationQuestion).where(EvaluationQuestion.course_id == course_id,
                                         EvaluationQuestion.text == OWN_QUESTION)
    ).scalar_one_or_none()
    return found or service.add_question(course_id, QuestionKind.TEXT, OWN_QUESTION)


def seed_evaluations_demo() -> None:
    from lms.demo import learner_email

    service.ensure_standard_questions()
    cycle = _finished_cycle("styrelsearbete")
    if cycle is None:
        return
    now = utcnow()
    own = _own_question(cycle.course_id)
    by_key = {q.builtin: q.id for q in service.standard_questions()}
    for index, *scores, best, improve, wish in SHEETS:
        learner = find_user_by_email(learner_email(index))
        if learner is None or service.has_answered(learner.id, cycle.id) or not service.took_part(learner.id, cycle.id):
            continue
        keys = ("overall", "relevance", "trainer", "practical", "use")
        answers = {by_key[k]: str(v) for k, v in zip(keys, scores)}
        answers.update({by_key["best"]: best, by_key["improve"]: improve, own.id: wish})
        if service.is_open(cycle, now):
            service.submit_evaluation(learner.id, cycle, answers, now=now)
    queue_evaluation_invitations(now)
    db.session.flush()
