"""The scheduler: fixed jobs with stable ids, ticks that commit, one leader at a time."""
import re
import time
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from lms.extensions import db
from lms.notifications import scheduler
from lms.notifications.models import MessageStatus
from lms.notifications.scheduler import JOBS, LeaderLock, build_scheduler, run_job, scheduler_mode
from tests.notifications.conftest import NOW, outbox_rows, queue_plain


def test_the_jobs_have_stable_unique_ids():
    """APScheduler replaces a job by id: an id must never change or be used twice."""
    ids = [job.id for job in JOBS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", job_id) for job_id in ids)
    assert {"outbox-dispatch", "reminder-sweep", "change-notices", "domain-events", "cycle-finish", "certificate-sweep",
            "retention"} <= set(ids)


def test_every_job_coalesces_runs_alone_and_no_cron_falls_in_the_dst_hour(app):
    built = build_scheduler(app, BackgroundScheduler)
    built.start(paused=True)  # job defaults apply when the scheduler starts
    jobs = {job.id: job for job in built.get_jobs()}
    built.shutdown(wait=False)
    assert set(jobs) == {job.id for job in JOBS}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time >= 300
    for job in JOBS:
        if job.trigger == "cron":
            assert job.every.get("hour") != 2


def test_a_job_runs_in_its_own_transaction_and_commits(app, world):
    from lms.notifications.reminders import queue_due_reminders  # noqa: F401  (what the tick runs)

    reminder_sweep = next(job for job in JOBS if job.id == "reminder-sweep")
    at = world.sessions[0].starts_at - timedelta(hours=3)
    assert run_job(app, reminder_sweep, at) == 3
    db.session.expire_all()
    assert len(outbox_rows(kind="reminder")) == 3
    dispatch = next(job for job in JOBS if job.id == "outbox-dispatch")
    assert run_job(app, dispatch, at).sent == 3
    db.session.expire_all()
    assert {r.status for r in outbox_rows()} == {MessageStatus.SENT}


def test_a_failing_job_is_logged_and_rolled_back(app, caplog):
    def explode(now):
        queue_plain(0)
        raise RuntimeError("boom")

    assert run_job(app, scheduler.Job("explode", explode, "interval"), NOW) is None
    assert "job explode failed" in caplog.text


def test_only_one_scheduler_leads_at_a_time(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = LeaderLock(url), LeaderLock(url)
    try:
        assert first.acquire()
        assert not second.acquire()
        first.release()
        assert second.acquire()  # the next one takes over when the leader goes
    finally:
        first.release()
        second.release()


@pytest.mark.postgresql_only
def test_a_leader_whose_lock_went_with_its_connection_stands_by_then_leads_again(app, caplog):
    """A PostgreSQL restart ends every connection, and so the advisory lock, while the scheduler
    goes on ticking: each tick first checks that this process still leads."""
    from sqlalchemy import text

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    leader, other = LeaderLock(url), LeaderLock(url)
    ticks = []
    job = scheduler.Job("count", lambda now: ticks.append(now) or len(ticks), "interval")
    try:
        assert leader.acquire()
        assert run_job(app, job, NOW, lock=leader) == 1
        pid = leader._connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})  # as a restart does
        db.session.commit()
        assert other.acquire(), "the lock went with the connection"
        assert run_job(app, job, NOW, lock=leader) is None
        assert ticks == [NOW] and "job count skipped, another scheduler leads" in caplog.text
        other.release()
        assert run_job(app, job, NOW, lock=leader) == 2, "free again: the old leader takes it back"
        assert not other.acquire()
    finally:
        leader.release()
        other.release()


def test_a_leader_on_sqlite_keeps_leading_while_its_file_lock_lasts(app, tmp_path):
    leader, other = LeaderLock(f"sqlite:///{tmp_path / 'lms.sqlite3'}"), LeaderLock(f"sqlite:///{tmp_path / 'lms.sqlite3'}")
    try:
        assert leader.acquire()
        assert run_job(app, scheduler.Job("one", lambda now: 1, "interval"), NOW, lock=leader) == 1
        assert not other.still_held()
    finally:
        leader.release()
        other.release()


@pytest.mark.parametrize("mode, setting, expected", [
    ("demo", None, "inprocess"), ("production", None, "off"), ("test", None, "off"),
    ("production", "inprocess", "inprocess"), ("demo", "off", "off"),
])
def test_in_process_only_in_the_demo_unless_told(app, mode, setting, expected):
    app.config.update(LMS_MODE=mode, LMS_SCHEDULER=setting)
    assert scheduler_mode(app) == expected


def test_tests_and_production_do_not_start_a_scheduler_thread(app, client):
    client.get("/")
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in scheduler._running
    assert scheduler.start_in_process(app) is False


def test_create_app_starts_the_in_process_scheduler_when_asked_and_it_keeps_the_lock(database_url, tmp_path):
    from lms import create_app
    from tests.conftest import base_config

    config = dict(base_config(database_url, tmp_path), LMS_SCHEDULER="inprocess")
    app = create_app(config, serve=True)  # as wsgi.py does; no request needed
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        assert scheduler.start_in_process(app) is False  # once per process
        other = LeaderLock(url)
        deadline = time.monotonic() + 10
        while url not in scheduler._running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert url in scheduler._running
        assert not other.acquire()  # a second process would wait
    finally:
        scheduler.stop_in_process(app)
        with app.app_context():
            db.engine.dispose()
    assert other.acquire()
    other.release()


def test_a_command_other_than_run_and_a_test_do_not_start_the_scheduler(database_url, tmp_path):
    import click

    from lms import create_app
    from tests.conftest import base_config

    config = dict(base_config(database_url, tmp_path), LMS_SCHEDULER="inprocess")
    with click.Context(click.Command("seed-demo"), info_name="seed-demo"):
        app = create_app(config)
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in scheduler._started
    create_app(config)  # a test, or any caller that does not say it serves
    assert app.config["SQLALCHEMY_DATABASE_URI"] not in scheduler._started


@pytest.mark.parametrize("reload, watcher, serves", [(False, False, True), (True, True, False),
                                                    (True, False, True)])
def test_flask_run_serves_but_its_reloaders_watcher_does_not(monkeypatch, reload, watcher, serves):
    import click

    from lms import served_by_flask_run

    if watcher:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    with click.Context(click.Command("run"), info_name="run") as context:
        context.params["reload"] = reload
        assert served_by_flask_run() is serves
    assert served_by_flask_run() is False


def test_interval_jobs_run_as_often_as_lms_scheduler_intervals_says(app):
    app.config["LMS_SCHEDULER_INTERVALS"] = {"outbox-dispatch": 5}
    built = build_scheduler(app, BackgroundScheduler)
    intervals = {job.id: getattr(job.trigger, "interval", None) for job in built.get_jobs()}
    assert intervals["outbox-dispatch"] == timedelta(seconds=5)
    assert intervals["reminder-sweep"] == timedelta(minutes=1)  # the others keep their own
    for wrong in ({"retention": 60}, {"no-such-job": 60}, {"outbox-dispatch": 0}):
        app.config["LMS_SCHEDULER_INTERVALS"] = wrong
        with pytest.raises(ValueError, match="LMS_SCHEDULER_INTERVALS"):
            build_scheduler(app, BackgroundScheduler)


@pytest.mark.config(LMS_OUTBOX_BATCH=2)
def test_one_outbox_tick_sends_batch_after_batch_while_mail_waits(app):
    queue_plain(5)
    dispatch_job = next(job for job in JOBS if job.id == "outbox-dispatch")
    report = run_job(app, dispatch_job, NOW)
    assert (report.sent, report.handled) == (5, 5)
    assert {row.status for row in outbox_rows()} == {MessageStatus.SENT}
