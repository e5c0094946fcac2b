"""The two slow jobs of issue #26 point 4: `/attendance/at-risk` and the certificate sweep.

    python -m bench.slow_jobs --database sqlite:////tmp/lms-bench-30.sqlite3 [--runs 20] [--only sweep]

Run `python -m bench.datagen --scale N --database URL` first (and `lms init-db` on a database
generated before the latest migration). The page is requested in-process (Flask test client, page
cache off) by a coordinator (every running cycle) and by the trainer of the most cycles; the sweep
runs as the `certificate-sweep` job does (see `measure_sweep`: it writes to the database, so use a
copy). Each row gives p50/p95 ms and the SQL queries of one run; the reference loop of
`bench.pages` is timed before and after (this machine's speed drifts), and every figure is also
given as a ratio to it.
"""
from __future__ import annotations

import argparse
import gc
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select

from bench.datagen import PASSWORD
from bench.pages import machine_speed
from bench.pages import timed as timed_runs


def timed(engine, work: Callable[[], object], runs: int,  # type: ignore[no-untyped-def]
          before_each: Callable[[], None] | None = None) -> tuple[float, float, int]:
    work()  # warm up
    return timed_runs(engine, work, runs, before_each)


def measure_at_risk(app, runs: int) -> list[tuple[str, float, float, int]]:  # type: ignore[no-untyped-def]
    from lms.auth.models import Role, User, UserRole
    from lms.extensions import db
    from lms.planning.models import Cycle, CycleStatus, CycleTrainer

    with app.app_context():
        engine = db.engine
        coordinator = db.session.execute(select(User.email).join(UserRole, UserRole.user_id == User.id)
                                         .where(UserRole.role == Role.COORDINATOR).order_by(User.id)).scalars().first()
        trainer = db.session.execute(
            select(User.email).join(CycleTrainer, CycleTrainer.user_id == User.id)
            .join(Cycle, Cycle.id == CycleTrainer.cycle_id).where(Cycle.status == CycleStatus.PUBLISHED)
            .group_by(User.id, User.email).order_by(func.count().desc(), User.id)).scalars().first()
    clients = {}
    for who, email in (("coordinator", coordinator), ("trainer", trainer)):
        clients[who] = app.test_client()
        clients[who].post("/login", data={"email": email, "password": PASSWORD})
    gc.freeze()
    results = []
    for who, client in clients.items():
        assert client.get("/attendance/at-risk").status_code == 200
        results.append((f"/attendance/at-risk, {who}", *timed(engine, lambda: client.get("/attendance/at-risk"), runs)))
    coordinator_page = lambda: clients["coordinator"].get("/attendance/at-risk")  # noqa: E731
    if "at_risk_kept" in app.extensions:  # what a process keeps (lms/attendance/kept.py)
        results.append(("  one running cycle changed", *timed(engine, coordinator_page, runs, _change_one(app))))
        results.append(("  nothing kept (a new process)", *timed(engine, coordinator_page, runs, _forget(app))))
    return results


def measure_sweep(app, runs: int) -> list[tuple[str, float, float, int]]:  # type: ignore[no-untyped-def]
    """The certificate sweep's tick as the scheduler runs it (the tick, then the commit).

    First a full sweep two hours ago catches up what the generated data leaves unissued and writes
    every cycle's mark, a tick an hour later moves the progress mark past it, and a tick now looks
    again at the cycles it issued in (issuing completes the enrolment: their versions moved). Then:
    the tick with nothing changed (rolled back: each run does the same work); with a few changes
    before each run (committed, as the scheduler does: each run sees only its own); with every
    running cycle changed (an evening when every roll call is taken: the tick counts every seat);
    and the nightly full sweep with nothing to issue (rolled back).
    """
    from lms.certificates.sweep import full_sweep, sweep
    from lms.extensions import db

    now = datetime.now(timezone.utc)
    with app.app_context():
        started = time.perf_counter()
        caught_up = full_sweep(now - timedelta(hours=2), after_each=db.session.commit)
        db.session.commit()
        seconds = time.perf_counter() - started
        for moment in (now - timedelta(hours=1), now):
            sweep(moment, after_each=db.session.commit)
            db.session.commit()
    print(f"the full sweep caught up {caught_up:,} certificates in {seconds:.0f} s")
    engine = _engine(app)

    def tick(run: Callable[..., int], keep: bool) -> Callable[[], None]:
        def work() -> None:
            with app.app_context():
                run(now, after_each=db.session.commit if keep else None)
                db.session.commit() if keep else db.session.rollback()
        return work

    results = [("certificate sweep tick, nothing changed", *timed(engine, tick(sweep, False), runs))]
    results.append(("  3 roll-call records + 3 modules done", *timed(engine, tick(sweep, True), runs,
                                                                     _a_few_changes(app, now))))
    every = max(3, runs // 4)
    results.append(("  every running cycle changed", *timed(engine, tick(sweep, False), every, _every_cycle(app))))
    results.append(("full sweep, nothing to issue", *timed(engine, tick(full_sweep, False), every)))
    return results


def _engine(app):  # type: ignore[no-untyped-def]
    from lms.extensions import db

    with app.app_context():
        return db.engine


def _a_few_changes(app, now: datetime) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Before each run, as a few minutes of an evening: a record taken again in each of three
    running cycles (a roll call: the database moves their versions), and three learners of running
    cycles mark a module done (new `module_progress` rows)."""
    from itertools import count

    from sqlalchemy import delete, insert, update

    from lms.attendance.models import Attendance, AttendanceStatus
    from lms.catalog.models import ModuleProgress
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.planning.models import ClassSession, Cycle, CycleStatus

    with app.app_context():
        records = db.session.execute(
            select(func.min(Attendance.id)).join(ClassSession, ClassSession.id == Attendance.session_id)
            .join(Cycle, Cycle.id == ClassSession.cycle_id).where(Cycle.status == CycleStatus.PUBLISHED)
            .group_by(Cycle.id).order_by(Cycle.id)).scalars().all()
        progress = db.session.execute(
            select(ModuleProgress.id, ModuleProgress.user_id, ModuleProgress.module_id)
            .join(Enrolment, Enrolment.user_id == ModuleProgress.user_id)
            .join(Cycle, Cycle.id == Enrolment.cycle_id)
            .where(Cycle.status == CycleStatus.PUBLISHED, Enrolment.status == EnrolmentStatus.ENROLLED)
            .order_by(ModuleProgress.id).limit(400)).all()
    turns = count()

    def change() -> None:
        turn = next(turns)
        with app.app_context():
            for index in range(3):
                record = records[(3 * turn + index) % len(records)]
                db.session.execute(update(Attendance).where(Attendance.id == record)
                                   .values(status=AttendanceStatus.PRESENT))
                row = progress[(3 * turn + index) % len(progress)]
                db.session.execute(delete(ModuleProgress).where(ModuleProgress.user_id == row.user_id,
                                                                 ModuleProgress.module_id == row.module_id))
                db.session.execute(insert(ModuleProgress).values(user_id=row.user_id, module_id=row.module_id,
                                                                 completed_at=now))
            db.session.commit()
    return change


def _every_cycle(app) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from lms.extensions import db
    from lms.planning.models import Cycle, CycleStatus

    def change() -> None:
        with app.app_context():
            db.session.execute(update(Cycle).where(Cycle.status == CycleStatus.PUBLISHED)
                               .values(attendance_version=Cycle.attendance_version + 1))
            db.session.commit()
    return change


def _change_one(app) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Move one running cycle's attendance version, as a roll call does, a different one each time."""
    from itertools import cycle as in_turn

    from sqlalchemy import update

    from lms.extensions import db
    from lms.planning.models import Cycle, CycleStatus

    with app.app_context():
        ids = in_turn(db.session.execute(select(Cycle.id).where(Cycle.status == CycleStatus.PUBLISHED)).scalars().all())

    def change() -> None:
        with app.app_context():
            db.session.execute(update(Cycle).where(Cycle.id == next(ids))
                               .values(attendance_version=Cycle.attendance_version + 1))
            db.session.commit()
    return change


def _forget(app) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    from lms.attendance.kept import KeptPerCycle

    def forget() -> None:
        app.extensions["at_risk_kept"] = KeptPerCycle(app.config["LMS_AT_RISK_KEPT"])
    return forget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=["at-risk", "sweep"], help="measure one of the two jobs")
    args = parser.parse_args()
    from lms import create_app

    app = create_app({"LMS_MODE": "test", "SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": args.database,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "LMS_BASE_URL": "http://bench",
                      "LMS_PAGE_CACHE_SECONDS": 0})
    before = machine_speed()
    results = []
    if args.only != "sweep":
        results += measure_at_risk(app, args.runs)
    if args.only != "at-risk":
        gc.freeze()
        results += measure_sweep(app, args.runs)
    after = machine_speed()
    reference = (before + after) / 2
    print(f"reference loop: {before:.1f} ms (before), {after:.1f} ms (after)")
    print(f"{'what':<42} {'p50 ms':>8} {'p95 ms':>8} {'p50/ref':>8} {'queries':>8}")
    for name, p50, p95, queries in results:
        print(f"{name:<42} {p50:8.1f} {p95:8.1f} {p50 / reference:8.2f} {queries:8d}")


if __name__ == "__main__":
    main()
