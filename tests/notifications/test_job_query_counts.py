"""The certificate sweep, the evaluation invitations and cycle-finish make as many SQL queries with
three times the data: none with nothing to do, and with the same work the same number.

Each tick selects its work in SQL and loads only that, a batch at a time; bench/notifications.py
measures the same ticks at ×30.
"""
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from lms.certificates.models import Certificate
from lms.certificates.sweep import sweep
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.evaluations.invitations import queue_evaluation_invitations
from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.planning.models import Cycle, CycleStatus
from lms.planning.service import finish_ended_cycles
from tests.notifications.test_query_counts import NOW, _tick, costs_with_three_times_the_data

#: the same work in both data sets
WORK = 3
JOBS = {"certificate sweep": lambda now: sweep(now, after_each=db.session.commit),
        "evaluation invitations": lambda now: queue_evaluation_invitations(now, after_each=db.session.commit),
        "cycle-finish": finish_ended_cycles}


def _give_back_certificates(count: int) -> None:
    """`count` learners who completed lose their certificate: the sweep has them to issue again."""
    rows = db.session.execute(select(Certificate.id, Certificate.user_id, Certificate.cycle_id)
                              .order_by(Certificate.id).limit(count)).all()
    db.session.execute(delete(Certificate).where(Certificate.id.in_([row.id for row in rows])))
    for _, user_id, cycle_id in rows:
        db.session.execute(update(Enrolment).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id)
                           .values(status=EnrolmentStatus.ENROLLED))
    db.session.commit()


def _forget_invitations(count: int) -> None:
    keys = list(db.session.execute(select(Notification.dedupe_key).where(Notification.dedupe_key.like("evaluation:%"))
                                   .order_by(Notification.id).limit(count)).scalars())
    db.session.execute(delete(Notification).where(Notification.dedupe_key.in_(keys)))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys)))
    db.session.commit()


def _reopen_cycles(count: int) -> None:
    ids = list(db.session.execute(select(Cycle.id).where(Cycle.status == CycleStatus.FINISHED)
                                  .order_by(Cycle.id).limit(count)).scalars())
    db.session.execute(update(Cycle).where(Cycle.id.in_(ids)).values(status=CycleStatus.PUBLISHED))
    db.session.commit()


def _costs() -> dict[str, int]:
    caught_up = {name: _tick(run, NOW)[1] for name, run in JOBS.items()}
    assert caught_up["evaluation invitations"] > WORK, "the generated data has cycles to evaluate"
    costs = {}
    for name, run in JOBS.items():
        statements, result = _tick(run, NOW + timedelta(minutes=15))
        assert result == 0, name
        costs[f"{name}, nothing to do"] = len(statements)
    for name, prepare in (("certificate sweep", _give_back_certificates),
                          ("evaluation invitations", _forget_invitations), ("cycle-finish", _reopen_cycles)):
        prepare(WORK)
        statements, result = _tick(JOBS[name], NOW + timedelta(minutes=30))
        assert result == WORK, name
        costs[f"{name}, {WORK} to do"] = len(statements)
        assert _tick(JOBS[name], NOW + timedelta(minutes=45))[1] == 0, f"{name}: once"
    return costs


@pytest.mark.config(LMS_ARGON2_TIME_COST=1)
def test_the_jobs_make_as_many_queries_with_three_times_the_data(app):
    small, larger = costs_with_three_times_the_data(_costs)
    assert larger == small
    # it looks again at the cycles the catch-up issued in (issuing completes the seat, which moves
    # the cycle's attendance version); with nothing changed at all the tick makes 3
    # (tests/certificates/test_sweep_queries.py)
    assert small["certificate sweep, nothing to do"] == 5
    assert small["evaluation invitations, nothing to do"] == 2
    assert small["cycle-finish, nothing to do"] == 1
