"""Domain events (lms/events): recorded with the change, consumed once after the commit, caught up
by the scheduler's job with bounded retries, purged when old; and what a person sees still happens.
"""
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms import events
from lms.certificates.models import Certificate
from lms.core.unit_of_work import unit_of_work
from lms.db_types import utcnow
from lms.events import DomainEvent, EventKind
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.notifications.outbox import dispatch
from lms.notifications.transports import transport_from_config
from lms.notifications.scheduler import JOBS, run_job
from tests.factories import make_cycle

#: a kind no package consumes: only the tests' own consumers see it
KIND = EventKind.ENROLMENT_WITHDRAWN


class Consumer:
    """A test consumer of KIND that counts its calls and fails its first `failures` ones."""

    def __init__(self, app, name="test.counting", failures=0, pause=0.0):
        self.calls: list[int] = []
        self.failures, self.pause = failures, pause
        self._lock = threading.Lock()
        app.extensions["domain_events"].register(KIND, name, self)

    def __call__(self, event):
        with self._lock:
            self.calls.append(event.id)
            failing = len(self.calls) <= self.failures
        time.sleep(self.pause)
        if failing:
            raise RuntimeError(f"consumer down (call {len(self.calls)})")


def _rows(consumer="test.counting") -> list[DomainEvent]:
    db.session.expire_all()
    return list(db.session.execute(
        select(DomainEvent).where(DomainEvent.consumer == consumer).order_by(DomainEvent.id)).scalars())


def _record(**payload) -> None:
    with unit_of_work():
        events.record(KIND, user_id=0, now=utcnow(), **payload)


def _job(app) -> int:
    [job] = [job for job in JOBS if job.id == "domain-events"]
    return run_job(app, job)


def test_an_event_is_consumed_right_after_the_commit_and_not_twice(app):
    consumer = Consumer(app)
    _record()
    [row] = _rows()
    assert consumer.calls == [row.id] and row.consumed_at is not None and row.attempts == 0
    assert _job(app) == 0
    assert consumer.calls == [row.id]


def test_an_event_of_a_rolled_back_unit_of_work_is_never_consumed(app):
    consumer = Consumer(app)
    with pytest.raises(RuntimeError), unit_of_work():
        events.record(KIND, user_id=0, now=utcnow())
        raise RuntimeError("the change is refused")
    assert _rows() == []
    assert _job(app) == 0 and consumer.calls == []


@pytest.mark.config(LMS_EVENT_MAX_ATTEMPTS=3)
def test_a_failing_consumer_is_retried_by_the_job_and_left_with_its_error_after_the_maximum(app):
    consumer = Consumer(app, failures=10)
    _record()  # the first try, after the commit: the request that recorded it is not disturbed
    [row] = _rows()
    assert row.consumed_at is None and row.attempts == 1 and "consumer down (call 1)" in row.last_error
    _job(app)
    _job(app)
    [row] = _rows()
    assert row.attempts == 3 and row.consumed_at is None and "RuntimeError: consumer down (call 3)" == row.last_error
    _job(app)
    assert len(consumer.calls) == 3, "no fourth try"


def test_a_consumer_that_recovers_is_caught_up_by_the_job(app):
    consumer = Consumer(app, failures=1)
    _record()
    assert _rows()[0].consumed_at is None
    assert _job(app) == 1
    [row] = _rows()
    assert row.consumed_at is not None and len(consumer.calls) == 2


def test_the_consumers_of_one_event_fail_and_succeed_apart(app):
    good, bad = Consumer(app, "test.good"), Consumer(app, "test.bad", failures=10)
    _record()
    [kept], [failed] = _rows("test.good"), _rows("test.bad")
    assert kept.consumed_at is not None and failed.consumed_at is None
    _job(app)
    assert len(good.calls) == 1 and len(bad.calls) == 2


def test_a_crash_between_commit_and_consumption_is_caught_up(app):
    """The row is committed with the change; the after-commit step never ran."""
    consumer = Consumer(app)
    events.record(KIND, user_id=0, now=utcnow())
    db.session.commit()  # as if the process died right after the commit
    assert consumer.calls == []
    assert _job(app) == 1 and len(consumer.calls) == 1


@pytest.mark.config(LMS_EVENT_RETENTION_DAYS=30)
def test_consumed_events_are_purged_after_the_retention_days_and_failed_ones_kept(app):
    Consumer(app, failures=1)
    _record()
    _record()
    _job(app)
    _record()
    old, failed_then_consumed, recent = _rows()
    old.consumed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert failed_then_consumed.consumed_at is not None
    with unit_of_work():
        assert events.purge_consumed(utcnow()) == 1
    assert [row.id for row in _rows()] == [failed_then_consumed.id, recent.id]


@pytest.mark.postgresql_only
def test_two_jobs_at_once_consume_each_event_once(app):
    consumer = Consumer(app, pause=0.05)
    for _ in range(20):
        events.record(KIND, user_id=0, now=utcnow())
    db.session.commit()
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(_job(app))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 20 and len(results) == 2
    assert sorted(consumer.calls) == sorted(row.id for row in _rows())
    assert all(row.consumed_at is not None for row in _rows())


# --- what a person sees ----------------------------------------------------------------------

def test_the_certificate_is_there_as_soon_as_the_last_module_is_done(app, client):
    from tests.certificates.conftest import Setting
    from tests.conftest import log_in
    from tests.factories import make_course, make_organisation, make_user

    course = make_course("styrelsearbete", modules=2)
    cycle = make_cycle(course, first_date=date(2027, 1, 11), sessions=5, trainers=[make_user(roles=["trainer"])])
    world = Setting(course=course, cycle=cycle, trainer=None, organisation=make_organisation())
    learner = world.enrol("Sista Modulen", attended=5, modules_done=1)
    db.session.commit()
    assert log_in(client, learner.email).status_code == 302
    assert course.title not in client.get("/my/certificates").text
    client.post(f"/courses/{course.slug}/modules/{course.modules[1].slug}/done")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert cycle.course.title in client.get("/my/certificates").text


def test_the_enrolment_confirmation_is_queued_by_the_request_and_sent(app, learner_client, outbox):
    cycle = make_cycle(first_date=date(2030, 3, 5), title="Våren 2030")
    db.session.commit()
    learner_client.post(f"/cycles/{cycle.id}/enrol")
    [row] = db.session.execute(select(OutboxMessage).where(OutboxMessage.user_id == learner_client.user.id)).scalars()
    assert row.kind == "enrolment_confirmed"
    dispatch(transport_from_config(app.config), utcnow())
    [message] = outbox.messages()
    assert message["To"] == learner_client.user.email and "Våren 2030" in message["Subject"]
