"""No column, order or trace of the answer tables leads back to a person.

The participation table says who answered; the response and answer tables say what was
answered. These tests check that nothing joins the two: no column, no foreign key, no time, no
order of insertion, and (on PostgreSQL) no shared transaction id.
"""
import pytest
from sqlalchemy import inspect, select, text

from lms.evaluations import service
from lms.evaluations.models import EvaluationAnswer, EvaluationParticipation, EvaluationResponse
from lms.extensions import db
from tests.evaluations.conftest import NOW, ratings
from tests.factories import make_finished_cycle

ANSWER_TABLES = ("evaluation_responses", "evaluation_answers")


def test_the_answer_tables_hold_no_person_and_no_time(app):
    inspector = inspect(db.engine)
    columns = {table: {c["name"]: c for c in inspector.get_columns(table)} for table in ANSWER_TABLES}
    assert set(columns["evaluation_responses"]) == {"id", "cycle_id"}
    assert set(columns["evaluation_answers"]) == {"response_id", "question_id", "rating", "text"}
    for table in ANSWER_TABLES:
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets <= {"cycles", "evaluation_questions", "evaluation_responses"}, table
        assert not any("DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper()
                       for c in columns[table].values()), f"{table} stores a time"


def test_the_participation_says_only_that_someone_answered(app):
    inspector = inspect(db.engine)
    assert {c["name"] for c in inspector.get_columns("evaluation_participations")} == {"user_id", "cycle_id"}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("evaluation_participations")} == {
        "users", "cycles"}
    referring = [t for t in inspector.get_table_names()
                 if any(fk["referred_table"] in ("evaluation_responses", "evaluation_participations")
                        for fk in inspector.get_foreign_keys(t))]
    assert referring == ["evaluation_answers"], "only the answers point at a response, nothing at a participation"


def test_no_other_table_records_who_answered_what(app):
    """Audit events and notifications made while answering must not name the response."""
    cycle, people = make_finished_cycle(learners=3)
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle, best=f"text of {person.id}"), now=NOW)
    db.session.commit()
    response_ids = set(db.session.execute(select(EvaluationResponse.id)).scalars())
    for table in db.metadata.sorted_tables:
        if table.name in ("evaluation_responses", "evaluation_answers"):
            continue
        dump = " ".join(str(row) for row in db.session.execute(table.select()).all())
        assert not any(rid in dump for rid in response_ids), f"{table.name} names an answer sheet"


def test_sheet_ids_are_random_and_storage_order_follows_them_not_the_submissions(app):
    cycle, people = make_finished_cycle(learners=6)
    submitted = []
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle), now=NOW)
        newest = set(db.session.execute(select(EvaluationResponse.id)).scalars()) - set(submitted)
        submitted.append(newest.pop())
    db.session.commit()
    assert all(len(rid) == 36 and rid.count("-") == 4 for rid in submitted)
    # the order the database hands rows back in, without ORDER BY: rowid or heap order
    stored = [row[0] for row in db.session.execute(text("SELECT id FROM evaluation_responses")).all()]
    assert stored == sorted(submitted), "rows are re-written in the order of their random ids"
    answer_order = [row[0] for row in db.session.execute(text("SELECT response_id FROM evaluation_answers")).all()]
    assert answer_order == sorted(answer_order)


@pytest.mark.postgresql_only
def test_on_postgresql_no_transaction_id_pairs_a_sheet_with_a_person(app):
    cycle, people = make_finished_cycle(learners=4)
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle), now=NOW)
        db.session.commit()
    sheet_xmins = set(db.session.execute(text("SELECT xmin::text FROM evaluation_responses")).scalars())
    answer_xmins = set(db.session.execute(text("SELECT xmin::text FROM evaluation_answers")).scalars())
    person_xmins = set(db.session.execute(text("SELECT xmin::text FROM evaluation_participations")).scalars())
    assert len(sheet_xmins) == 1 and answer_xmins == sheet_xmins and person_xmins == sheet_xmins, \
        "every row of the cycle carries the last submission's transaction: none stands out"


def test_deleting_a_person_keeps_their_anonymous_answers(app):
    cycle, people = make_finished_cycle(learners=3)
    for person in people:
        service.submit_evaluation(person.id, cycle, ratings(cycle), now=NOW)
    db.session.delete(people[0])
    db.session.commit()
    assert db.session.execute(select(EvaluationParticipation)).scalars().all().__len__() == 2
    assert len(db.session.execute(select(EvaluationResponse)).scalars().all()) == 3
    assert len(db.session.execute(select(EvaluationAnswer)).scalars().all()) == 15
