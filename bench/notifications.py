"""The scheduler's ticks at scale: every job with nothing due, the reminder sweep with 10,000 due,
and the outbox's dispatch rate.

    cp /tmp/lms-bench-30.sqlite3 /tmp/lms-bench-30-notif.sqlite3
    python -m bench.notifications --database sqlite:////tmp/lms-bench-30-notif.sqlite3 [--runs 30] [--smtp]

It WRITES to the database (what the jobs queue, 500 extra cycles, sent messages): run it on a
copy of a `bench.datagen` database (PostgreSQL: `createdb -T lms_bench lms_bench_notif`). Running it
again on the same copy works; each run moves on to a later quiet moment.

1. A quiet moment: after the generated data's own messages are out of the look-back window, when
   no session starts within the longest default lead time. Every job runs once there to catch up
   with the generated data (finishing cycles, issuing certificates, invitations); the messages
   that catch-up queued are marked sent without sending, as they are not what is measured.
2. Every JOBS entry at the quiet moment, as the scheduler runs it (the tick, then the commit):
   p50/p95 and SQL queries per run, `--runs` runs or `--budget` seconds per job, whichever ends first.
3. 500 cycles of 19 learners and a trainer get a session 12 hours later: 10,000 reminders are due.
   One sweep queues them (time, number queued), the next queues none (exactly once), and the
   sweep with all of them already queued is timed like the others. Meanwhile a second connection
   writes every 0.2 s, as the web does: on SQLite its longest wait is the sweep's longest write lock.
4. The outbox sends the 10,000 with the file transport in batches of LMS_OUTBOX_BATCH, and with
   `--smtp` again through SMTP to an aiosmtpd server in this process (one connection per message).
"""
from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, insert, select, update

from bench.pages import QueryCounter

BENCH_CYCLES = 500
LEARNERS_PER_CYCLE = 19  # and one trainer: 20 reminders per session
DUE_IN = timedelta(hours=12)  # the 24-hour reminder is due, the 2-hour one not yet
BENCH_TITLE = "Bench: reminders"


@dataclass
class Timing:
    name: str
    p50: float
    p95: float
    queries: int
    runs: int
    result: Any = None


def timed(engine, work: Callable[[], Any]) -> tuple[float, int, Any]:  # type: ignore[no-untyped-def]
    """Milliseconds, SQL queries and the result of one tick, committed as the scheduler does."""
    from lms.extensions import db

    with QueryCounter(engine) as counter:
        started = time.perf_counter()
        result = work()
        db.session.commit()
        elapsed = (time.perf_counter() - started) * 1000
    db.session.remove()  # each tick starts with an empty session, as in run_job
    return elapsed, counter.count, result


def repeat(name: str, engine, work: Callable[[], Any], runs: int, budget: float) -> Timing:  # type: ignore[no-untyped-def]
    """At most `runs` runs, stopping early once `budget` seconds are spent (at least one run)."""
    timings, queries, result = [], 0, None
    started = time.perf_counter()
    while len(timings) < runs and (not timings or time.perf_counter() - started < budget):
        elapsed, queries, result = timed(engine, work)
        timings.append(elapsed)
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) >= 20 else max(timings)
    return Timing(name, statistics.median(timings), p95, queries, len(timings), result)


# --- the moment and the data -----------------------------------------------------------------

def quiet_moment(after: datetime) -> datetime:
    """The first moment from `after` on when no live session starts within the default lead times."""
    from lms.extensions import db
    from lms.notifications.service import default_reminder_hours
    from lms.planning.models import ClassSession, SessionStatus

    reach = timedelta(hours=max(default_reminder_hours()))
    moment = after
    while True:
        upcoming = db.session.execute(
            select(func.min(ClassSession.starts_at))
            .where(ClassSession.starts_at > moment, ClassSession.status != SessionStatus.CANCELLED)
        ).scalar_one()
        if upcoming is None or upcoming - moment > reach:
            return moment
        moment = upcoming + timedelta(minutes=1)


def after_generated_messages() -> datetime:
    """When the messages the generated data would cause (certificates issued) are too old to send."""
    from flask import current_app

    from lms.auth.models import User
    from lms.certificates.models import Certificate
    from lms.extensions import db

    latest = max(filter(None, [
        db.session.execute(select(func.max(User.created_at))).scalar_one(),
        db.session.execute(select(func.max(Certificate.issued_at))).scalar_one(),
    ]))
    return latest + timedelta(hours=current_app.config["LMS_NOTICE_LOOKBACK_HOURS"], minutes=1)


def mark_queued_as_sent(now: datetime) -> int:
    """What the catch-up queued leaves without being sent, so the dispatcher starts empty."""
    from lms.extensions import db
    from lms.notifications.models import MessageStatus, OutboxMessage

    count = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status != MessageStatus.SENT)
        .values(status=MessageStatus.SENT, attempts=1, claimed_at=now, sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def add_due_sessions(now: datetime, seed: int = 2026) -> int:
    """500 published cycles, each with one session 12 hours from `now`, 19 learners and a trainer."""
    from lms.auth.models import Role, UserRole
    from lms.catalog.models import Course
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, RecurrenceKind, Room

    def ids(query) -> list[int]:  # type: ignore[no-untyped-def]
        return list(db.session.execute(query).scalars())

    rng = random.Random(seed)
    learners = ids(select(UserRole.user_id).where(UserRole.role == Role.LEARNER))
    trainers = ids(select(UserRole.user_id).where(UserRole.role == Role.TRAINER))
    course_id = ids(select(Course.id).order_by(Course.id).limit(1))[0]
    room_id = ids(select(Room.id).order_by(Room.id).limit(1))[0]
    # explicit ids, as datagen writes them: on PostgreSQL its rows leave the sequences behind
    first_id = (db.session.execute(select(func.max(Cycle.id))).scalar_one() or 0) + 1
    first_session_id = (db.session.execute(select(func.max(ClassSession.id))).scalar_one() or 0) + 1
    starts = now + DUE_IN
    cycles, sessions, enrolments, links = [], [], [], []
    for n in range(BENCH_CYCLES):
        cycle_id = first_id + n
        cycles.append({"id": cycle_id, "course_id": course_id, "title": f"{BENCH_TITLE} {n + 1}",
                       "status": CycleStatus.PUBLISHED, "recurrence_kind": RecurrenceKind.WEEKLY,
                       "rrule": "FREQ=WEEKLY;COUNT=1", "first_date": starts.date(), "start_time": clock(18),
                       "duration_minutes": 120, "session_count": 1, "skip_holidays": False, "room_id": room_id,
                       "capacity": LEARNERS_PER_CYCLE, "seats_taken": LEARNERS_PER_CYCLE, "created_at": now,
                       "published_at": now})
        sessions.append({"id": first_session_id + n, "cycle_id": cycle_id, "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                         "room_id": room_id, "planned_date": starts.date()})
        links.append({"cycle_id": cycle_id, "user_id": trainers[n % len(trainers)]})
        for learner in rng.sample(learners, LEARNERS_PER_CYCLE):
            enrolments.append({"user_id": learner, "cycle_id": cycle_id, "status": EnrolmentStatus.ENROLLED,
                               "requested_at": now, "enrolled_at": now, "decided_at": now})
    for model, rows in ((Cycle, cycles), (ClassSession, sessions), (CycleTrainer, links), (Enrolment, enrolments)):
        db.session.execute(insert(model), rows)
    db.session.commit()
    return len(enrolments) + len(links)


class WriterProbe(threading.Thread):
    """A web request's small write every 0.2 s on a connection of its own: how long it waits.

    On SQLite one transaction at a time may write; a writer that waits longer than the
    busy timeout gets "database is locked" (counted as failed).
    """

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.app, self.stop, self.longest, self.failed = app, threading.Event(), 0.0, 0

    def run(self) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import OperationalError

        from lms.auth.models import User

        engine = create_engine(self.app.config["SQLALCHEMY_DATABASE_URI"])  # not counted with the sweep's
        while not self.stop.wait(0.2):
            started = time.perf_counter()
            try:
                with engine.begin() as connection:
                    connection.execute(update(User).where(User.id == 1).values(last_login_at=datetime.now(timezone.utc)))
            except OperationalError:
                self.failed += 1
            self.longest = max(self.longest, time.perf_counter() - started)
        engine.dispose()

    def __enter__(self) -> WriterProbe:
        self.start()
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.stop.set()
        self.join()


# --- the outbox ------------------------------------------------------------------------------

def drain(transport, now: datetime) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Dispatch until nothing is due; messages sent and seconds taken."""
    from lms.notifications.outbox import dispatch

    sent, started = 0, time.perf_counter()
    while True:
        report = dispatch(transport, now)
        sent += report.sent
        if report.sent + report.retrying + report.failed == 0:
            return sent, time.perf_counter() - started


def send_again(kind: str, now: datetime) -> int:
    """Put the sent messages of `kind` back to pending (to send the same ones through SMTP)."""
    from lms.extensions import db
    from lms.notifications.models import MessageStatus, OutboxMessage

    count = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.status == MessageStatus.SENT,
                                    OutboxMessage.sent_at == now)
        .values(status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None, sent_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


class CountingHandler:
    """An aiosmtpd handler that accepts and counts every message."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.received += 1
        return "250 OK"


def smtp_rate(now: datetime) -> tuple[int, float, int]:
    """Send the reminders again through SMTP to a server in this process: sent, seconds, received."""
    from aiosmtpd.controller import Controller

    from lms.notifications.transports import SmtpTransport

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_again("reminder", now)
        sent, seconds = drain(SmtpTransport("127.0.0.1", port, security="none", timeout=10), now)
    finally:
        controller.stop()
    return sent, seconds, handler.received


# --- the run ---------------------------------------------------------------------------------

def measure(app, runs: int, budget: float, outbox_dir: Path, smtp: bool) -> None:  # type: ignore[no-untyped-def]
    from lms.extensions import db
    from lms.notifications.reminders import QUEUE_BATCH, planned_reminders
    from lms.notifications.scheduler import JOBS
    from lms.notifications.transports import FileTransport

    with app.app_context():
        engine = db.engine
        quiet = quiet_moment(after_generated_messages())
        week = planned_reminders(quiet, quiet + timedelta(days=7))
        print(f"quiet moment {quiet:%Y-%m-%d %H:%M} UTC; in the week ahead {len(week):,} reminders of "
              f"{len({r.session.id for r in week}):,} sessions, none due now")
        db.session.remove()

        print("\ncatch-up with the generated data (each job once):")
        for job in JOBS:
            elapsed, queries, result = timed(engine, lambda: job.run(quiet))
            print(f"  {job.id:<24} {elapsed:10.1f} ms {queries:8d} queries  -> {result}")
        print(f"  {mark_queued_as_sent(quiet):,} queued messages marked sent without sending")

        print(f"\nevery job with nothing due (up to {runs} runs or {budget:.0f} s each):")
        _table([repeat(job.id, engine, lambda: job.run(quiet), runs, budget) for job in JOBS])

        people = add_due_sessions(quiet)
        sweep = next(job for job in JOBS if job.id == "reminder-sweep")
        with WriterProbe(app) as writer:
            first = timed(engine, lambda: sweep.run(quiet))
        second = timed(engine, lambda: sweep.run(quiet))
        queued = repeat("sweep with all queued", engine, lambda: sweep.run(quiet), runs, budget)
        print(f"\nreminder sweep with {people:,} due ({BENCH_CYCLES} sessions 12 h ahead; "
              f"a commit every {QUEUE_BATCH}):")
        _table([Timing("first sweep", first[0], first[0], first[1], 1, first[2]),
                Timing("second sweep (same moment)", second[0], second[0], second[1], 1, second[2]), queued])
        print(f"  meanwhile a writer waited at most {writer.longest * 1000:,.0f} ms ({writer.failed} writes failed)")
        if first[2] != people or second[2] != 0 or queued.result != 0:
            sys.exit("exactly once broken: the sweeps queued %s, %s, %s" % (first[2], second[2], queued.result))

        print(f"\noutbox dispatch, batches of {app.config['LMS_OUTBOX_BATCH']}:")
        sent, seconds = drain(FileTransport(outbox_dir), quiet)
        print(f"  file transport  {sent:,} messages in {seconds:.1f} s: {sent / seconds:,.0f} messages/s")
        if smtp:
            sent, seconds, received = smtp_rate(quiet)
            print(f"  SMTP (aiosmtpd) {sent:,} messages in {seconds:.1f} s: {sent / seconds:,.0f} messages/s "
                  f"({received:,} received)")


def _table(timings: list[Timing]) -> None:
    print(f"  {'what':<28} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'runs':>5}  result")
    for t in timings:
        print(f"  {t.name:<28} {t.p50:9.1f} {t.p95:9.1f} {t.queries:8d} {t.runs:5d}  {t.result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a COPY of a bench.datagen database")
    parser.add_argument("--runs", type=int, default=30, help="runs per job (default 30)")
    parser.add_argument("--budget", type=float, default=60, help="seconds per job at most (default 60)")
    parser.add_argument("--smtp", action="store_true", help="also send the reminders through SMTP (aiosmtpd)")
    args = parser.parse_args()
    from lms import create_app

    print("$ python -m bench.notifications " + " ".join(sys.argv[1:]))
    outbox_dir = Path(tempfile.mkdtemp(prefix="lms-bench-outbox-"))
    app = create_app({"LMS_MODE": "test", "SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": args.database,
                      "LMS_BASE_URL": "http://bench", "LMS_OUTBOX_DIR": str(outbox_dir)})
    try:
        measure(app, args.runs, args.budget, outbox_dir, args.smtp)
    finally:
        shutil.rmtree(outbox_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
