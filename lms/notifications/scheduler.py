"""The scheduler: a few fixed jobs, each a tick that is safe to run twice, and one active scheduler.

Production runs it as its own process (`lms scheduler`); the embedded demo runs it inside the web
process, started by `create_app` (`init_scheduler`: when wsgi.py or `flask run` serves, never for
another command, in tests unless asked, nor in the reloader's watcher). Whichever way, a leader
lock lets only one scheduler work at a time: a PostgreSQL advisory lock held on a
dedicated connection outside the pool, or a file lock beside the SQLite database. Another process
waits and takes over when the holder dies. The outbox's dedupe keys and guarded claims would
prevent a double send even without the lock; the lock saves the duplicate work.
"""
from __future__ import annotations

import fcntl
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from lms.core.unit_of_work import commit_batch, unit_of_work
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.outbox import claimer_id

LOCK_RETRY_SECONDS = 30
#: how long one outbox tick keeps sending while mail waits (the tick comes every 30 s)
DISPATCH_SECONDS = 20
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60}


def _dispatch(now: datetime) -> Any:
    """Send batch after batch while mail waits, for up to DISPATCH_SECONDS: a burst of reminders
    leaves at the transport's pace, not one batch per tick. Each batch is claimed at its own time.

    The leading scheduler claims as its lock's holder; its first tick after taking the lock
    reclaims at once what the scheduler that led before had claimed (it is gone: the lock was free).
    """
    from flask import current_app, g

    from lms.notifications.outbox import DispatchReport, claimer_id, dispatch, reclaim_former_leaders
    from lms.notifications.transports import transport_from_config

    lock: LeaderLock | None = g.get("scheduler_lock")
    claimer = lock.holder if lock is not None else claimer_id("once")
    total = DispatchReport()
    if lock is not None and lock.take_over():
        with unit_of_work():
            total.reclaimed += reclaim_former_leaders(claimer, now)
    transport, batch = transport_from_config(current_app.config), current_app.config["LMS_OUTBOX_BATCH"]
    started, moment = time.monotonic(), now
    while True:
        report = dispatch(transport, moment, claimer=claimer)
        total = total + report
        if report.handled < batch or time.monotonic() - started > DISPATCH_SECONDS:
            return total
        moment = now + timedelta(seconds=time.monotonic() - started)


def _reminders(now: datetime) -> Any:
    from lms.notifications.reminders import queue_due_reminders

    return len(queue_due_reminders(now, after_each=commit_batch))


def _change_notices(now: datetime) -> Any:
    from lms.notifications.notices import queue_change_notices

    return queue_change_notices(now)


def _domain_events(now: datetime) -> Any:
    """What the consumers of domain events left (lms/events): a crash, a failure to try again."""
    from lms.events import catch_up

    return catch_up(now)


def _attendance_warnings(now: datetime) -> Any:
    from lms.notifications.progress import queue_attendance_warnings

    return queue_attendance_warnings(now)


def _essay_notices(now: datetime) -> Any:
    from lms.notifications.progress import queue_essay_notices

    return queue_essay_notices(now)


def _account_request_notices(now: datetime) -> Any:
    from lms.signup.notices import queue_account_request_notices

    return queue_account_request_notices(now)


def _offer_lapses(now: datetime) -> Any:
    from lms.enrolment.offers import lapse_offers

    return lapse_offers(now)


def _certificate_sweep(now: datetime) -> Any:
    """Only the seats whose completion can have changed since the last tick (lms/certificates/sweep.py)."""
    from lms.certificates.sweep import sweep

    return sweep(now, after_each=commit_batch)


def _certificate_full_sweep(now: datetime) -> Any:
    """Every seat, for what the ticks' marks cannot see (a row changed by hand)."""
    from lms.certificates.sweep import full_sweep

    return full_sweep(now, after_each=commit_batch)


def _renewal_reminders(now: datetime) -> Any:
    from lms.notifications.renewals import queue_renewal_reminders

    return queue_renewal_reminders(now, after_each=commit_batch)


def _finish_cycles(now: datetime) -> Any:
    from lms.planning.service import finish_ended_cycles

    return finish_ended_cycles(now)


def _evaluation_invitations(now: datetime) -> Any:
    from lms.evaluations.invitations import queue_evaluation_invitations

    return queue_evaluation_invitations(now, after_each=commit_batch)


def _self_assessment_invitations(now: datetime) -> Any:
    from lms.growth.invitations import queue_later_invitations

    return queue_later_invitations(now, after_each=commit_batch)


def _failed_mail_digest(now: datetime) -> Any:
    from lms.notifications.failed_mail import queue_failed_mail_digest

    return queue_failed_mail_digest(now)


def _reserved_seats(now: datetime) -> Any:
    """Reserved blocks whose deadline came: the seats nobody was given return to the open pool, once."""
    from lms.enrolment.reservations import release_due

    return release_due(now)


def _weekly_digest(now: datetime) -> Any:
    """On Monday morning (local time): the week ahead of everyone who chose it, once per person per week."""
    from lms.notifications.digest import queue_weekly_digests

    return queue_weekly_digests(now, after_each=commit_batch)


def _retention(now: datetime) -> Any:
    from lms.events import purge_consumed
    from lms.notifications.outbox import purge_old
    from lms.privacy.retention import apply_retention

    return purge_old(now) + purge_consumed(now) + apply_retention(now).total


@dataclass(frozen=True)
class Job:
    """One fixed job: `run(now)` does a tick of work in a unit of work (a job that keeps its
    progress batch by batch ends each batch's own with `commit_batch`)."""

    id: str
    run: Callable[[datetime], Any]
    trigger: str
    every: dict[str, int] = field(default_factory=dict)


#: every job, with its stable id; cron times stay out of 02:00-03:00 (skipped or doubled at DST)
JOBS: list[Job] = [
    Job("outbox-dispatch", _dispatch, "interval", {"seconds": 30}),
    Job("reminder-sweep", _reminders, "interval", {"minutes": 1}),
    Job("change-notices", _change_notices, "interval", {"minutes": 1}),
    Job("domain-events", _domain_events, "interval", {"minutes": 1}),
    Job("account-request-notices", _account_request_notices, "interval", {"minutes": 1}),
    Job("offer-lapses", _offer_lapses, "interval", {"minutes": 1}),
    Job("attendance-warnings", _attendance_warnings, "interval", {"minutes": 5}),
    Job("certificate-sweep", _certificate_sweep, "interval", {"minutes": 15}),
    Job("renewal-sweep", _renewal_reminders, "interval", {"minutes": 30}),
    Job("essay-notices", _essay_notices, "interval", {"minutes": 10}),
    Job("reserved-seats-release", _reserved_seats, "interval", {"minutes": 1}),
    Job("cycle-finish", _finish_cycles, "interval", {"hours": 1}),
    Job("evaluation-invitations", _evaluation_invitations, "interval", {"minutes": 15}),
    Job("self-assessment-invitations", _self_assessment_invitations, "interval", {"hours": 1}),
    Job("weekly-digest", _weekly_digest, "interval", {"minutes": 15}),
    Job("failed-mail-digest", _failed_mail_digest, "interval", {"minutes": 5}),
    Job("certificate-full-sweep", _certificate_full_sweep, "cron", {"hour": 3, "minute": 40}),
    Job("retention", _retention, "cron", {"hour": 4, "minute": 30}),
]


def run_job(app: Flask, job: Job, now: datetime | None = None, lock: LeaderLock | None = None) -> Any:
    """Run one tick in its own app context and transaction; a failure is logged, not raised.

    With the scheduler's `lock`, the tick runs only while this process still leads.
    """
    if lock is not None and not lock.still_held():
        app.logger.warning("scheduler: job %s skipped, another scheduler leads", job.id)
        return None
    with app.app_context():
        g.scheduler_lock = lock
        try:
            with unit_of_work():
                return job.run(now or utcnow())
        except Exception:  # noqa: BLE001  (the next tick tries again)
            app.logger.exception("scheduler: job %s failed", job.id)
            return None
        finally:
            db.session.remove()


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BackgroundScheduler,
                    lock: LeaderLock | None = None) -> BaseScheduler:
    scheduler = scheduler_class(timezone=ZoneInfo(app.config["LMS_TIMEZONE"]), job_defaults=JOB_DEFAULTS)
    every = job_intervals(app.config.get("LMS_SCHEDULER_INTERVALS") or {})
    for job in JOBS:
        scheduler.add_job(run_job, job.trigger, args=(app, job, None, lock), id=job.id, name=job.id,
                          replace_existing=True, **every[job.id])
    return scheduler


def job_intervals(overrides: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Each job's timing: its own, or LMS_SCHEDULER_INTERVALS[job id] seconds for interval jobs."""
    interval_jobs = {job.id for job in JOBS if job.trigger == "interval"}
    unknown = sorted(set(overrides) - interval_jobs)
    if unknown:
        raise ValueError(f"LMS_SCHEDULER_INTERVALS names no interval job: {', '.join(unknown)} "
                         f"(interval jobs: {', '.join(sorted(interval_jobs))})")
    if any(float(seconds) <= 0 for seconds in overrides.values()):
        raise ValueError("LMS_SCHEDULER_INTERVALS: every interval must be more than 0 seconds")
    return {job.id: {"seconds": float(overrides[job.id])} if job.id in overrides else job.every
            for job in JOBS}


# --- one active scheduler --------------------------------------------------------------------

class LeaderLock:
    """Held by the one scheduler that works; released when its process ends, however it ends.

    The scheduler's jobs run in threads of their own and each asks `still_held()` before its
    tick: the lock's one connection is used under a threading lock, one thread at a time (a
    connection is not safe to share between threads).
    """

    def __init__(self, database_url: str):
        self.url = make_url(database_url)
        self._connection: Connection | None = None
        self._file = None
        self._guard = threading.RLock()
        #: the claimer id of this scheduler's outbox claims while it leads
        self.holder = claimer_id("leader")
        self._taken = False

    def acquire(self) -> bool:
        """Take the lock if it is free (never waits)."""
        with self._guard:
            got = self._acquire_advisory() if self.url.get_backend_name() == "postgresql" else self._acquire_file()
            self._taken = self._taken or got
            return got

    def take_over(self) -> bool:
        """True once after each time the lock was taken: the time to reclaim the former leader's claims."""
        with self._guard:
            taken, self._taken = self._taken, False
            return taken

    def _acquire_advisory(self) -> bool:
        # a connection of its own, outside the pool: the lock lives exactly as long as it does
        engine = create_engine(self.url, poolclass=NullPool)
        connection = engine.connect()
        key = int.from_bytes(hashlib.sha256(b"kompetenscentret.scheduler").digest()[:8], "big", signed=True)
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
        connection.commit()
        if got:
            self._connection = connection
        else:
            connection.close()
        return bool(got)

    def still_held(self) -> bool:
        """Whether this process still leads, taking the lock again if it was lost and is free.

        A PostgreSQL restart ends the lock's connection, and with it the advisory lock, while the
        scheduler goes on ticking; a waiting scheduler may then have taken over. Asked before each
        tick, this lets only one of them work. A file lock lasts as long as the process.
        """
        with self._guard:
            return self._still_held()

    def _still_held(self) -> bool:
        if self.url.get_backend_name() != "postgresql":
            return self._file is not None or self._acquire_file()
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
                return True
            except DBAPIError:
                self._connection.invalidate()
                self._connection = None
        try:
            got = self._acquire_advisory()
        except DBAPIError:  # the database is still away: the tick would fail anyway
            return False
        self._taken = self._taken or got
        return got

    def _acquire_file(self) -> bool:
        database = self.url.database or "memory"
        handle = open(Path(f"{database}.scheduler-lock"), "a+")  # noqa: SIM115  (held while leading)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        with self._guard:
            self._release()

    def _release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # ends the session, and so the advisory lock
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def wait_for_leadership(lock: LeaderLock, stop: threading.Event, on_wait: Callable[[], None]) -> bool:
    """Try the lock until it is ours (True) or `stop` is set (False)."""
    while not stop.is_set():
        if lock.acquire():
            return True
        on_wait()
        stop.wait(LOCK_RETRY_SECONDS)
    return False


# --- in the web process (the embedded default) ----------------------------------------------

_started: set[str] = set()
_start_lock = threading.Lock()
_running: dict[str, tuple[LeaderLock, BaseScheduler]] = {}  # the lock is held as long as this lives


def scheduler_mode(app: Flask) -> str:
    """LMS_SCHEDULER, or by default: in-process in the demo, a separate process otherwise."""
    mode = app.config.get("LMS_SCHEDULER")
    return mode or ("inprocess" if app.config["LMS_MODE"] == "demo" else "off")


def start_in_process(app: Flask) -> bool:
    """Start the scheduler in a background thread, once per process and database."""
    if scheduler_mode(app) != "inprocess":
        return False
    key = app.config["SQLALCHEMY_DATABASE_URI"]
    with _start_lock:
        if key in _started:
            return False
        _started.add(key)
    thread = threading.Thread(target=_lead_in_background, args=(app,), daemon=True,
                              name="lms-scheduler")
    thread.start()
    return True


def _lead_in_background(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    lock = LeaderLock(url)
    if wait_for_leadership(lock, threading.Event(), lambda: None):
        scheduler = build_scheduler(app, lock=lock)
        scheduler.start()  # before it is published: stop_in_process may shut it down at once
        _running[url] = (lock, scheduler)
        app.logger.info("scheduler: running in this process")


def stop_in_process(app: Flask) -> None:
    """Stop this process's scheduler and give up the lock (for tests and orderly shutdowns)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    lock, scheduler = _running.pop(url, (None, None))
    if scheduler is not None:
        scheduler.shutdown(wait=True)
    if lock is not None:
        lock.release()
    with _start_lock:
        _started.discard(url)
