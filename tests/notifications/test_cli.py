"""`lms reminders`, `lms outbox` and `lms scheduler --once`."""
from datetime import datetime, timedelta, timezone

from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.models import MessageStatus, Notification, OutboxMessage
from lms.notifications.outbox import dispatch
from tests.factories import make_cycle, make_user
from tests.notifications.conftest import RecordingTransport, outbox_rows, queue_plain


def _soon_cycle():
    """A cycle whose first session starts in 20 hours, with one enrolled learner."""
    from lms.enrolment.service import enrol

    start = (utcnow() + timedelta(hours=20)).astimezone(timezone.utc)
    local = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
    cycle = make_cycle(first_date=local.date(), start=local.time().replace(second=0, microsecond=0),
                       weekdays=(local.weekday(),), sessions=2, now=utcnow())
    learner = make_user("snart@example.org")
    enrol(learner.id, cycle, now=utcnow())
    db.session.commit()
    return cycle


def _count(model):
    return db.session.query(model).count()


def test_reminders_dry_run_lists_the_coming_reminders_and_writes_nothing(app, runner):
    _soon_cycle()
    result = runner.invoke(args=["lms", "reminders", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("now\t24h\tsnart@example.org\te-mail+app\t")
    assert "\t2h\tsnart@example.org" in lines[1] and not lines[1].startswith("now")
    assert lines[-1].startswith("3 reminder(s) in the next 168 hours; nothing was queued.")
    db.session.expire_all()
    assert _count(OutboxMessage) == 0 and _count(Notification) == 0


def test_reminders_without_dry_run_queues_what_is_due_once(app, runner):
    _soon_cycle()
    assert "1 reminder(s) queued." in runner.invoke(args=["lms", "reminders"]).output
    assert "0 reminder(s) queued." in runner.invoke(args=["lms", "reminders"]).output
    db.session.expire_all()
    assert [r.recipient for r in outbox_rows()] == ["snart@example.org"]


def test_outbox_shows_health_lists_dispatches_and_retries(app, runner, outbox):
    queue_plain(2, now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    dispatch(RecordingTransport(fail=OSError("down")), utcnow(), limit=1)
    failed = outbox_rows(status=MessageStatus.PENDING)[0]
    failed.status, failed.attempts = MessageStatus.FAILED, 8
    db.session.commit()
    assert runner.invoke(args=["lms", "outbox"]).output.startswith("pending 1  sending 0  sent 0  failed 1")
    listed = runner.invoke(args=["lms", "outbox", "list", "--status", "failed"]).output
    assert listed.startswith(f"{failed.id}\tfailed\t8\t") and "OSError: down" in listed
    assert "sent 1," in runner.invoke(args=["lms", "outbox", "dispatch"]).output
    assert len(outbox.messages()) == 1
    result = runner.invoke(args=["lms", "outbox", "retry", str(failed.id), "999"])
    assert "1 message(s) will be retried." in result.output and "999: not failed" in result.output
    assert "sent 1," in runner.invoke(args=["lms", "outbox", "dispatch"]).output
    assert len(outbox.messages()) == 2
    assert runner.invoke(args=["lms", "outbox", "retry"]).exit_code != 0


def test_scheduler_once_runs_every_job(app, runner, outbox):
    _soon_cycle()
    result = runner.invoke(args=["lms", "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    # the cycle's publication and the enrolment, recorded outside a request: the job consumes them
    assert "reminder-sweep: 1" in result.output and "domain-events: 2" in result.output
    # the dispatcher ran first, so the messages go out at the next tick
    runner.invoke(args=["lms", "scheduler", "--once"])
    subjects = sorted(m["Subject"] for m in outbox.messages())
    assert [s.split(":")[0] for s in subjects] == ["Du är antagen", "Påminnelse"]
