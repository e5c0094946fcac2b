"""Server time (p50/p95, in-process) and SQL queries per request for the key pages.

    python -m bench.pages --database sqlite:////tmp/lms-bench-30.sqlite3 [--requests 40]

Run `python -m bench.datagen --scale N --database URL` first. Each page is requested with the
Flask test client as the kind of person who uses it; the query count is read from SQLAlchemy's
cursor events. The query count per page must not grow with the data (tests/test_query_counts.py).
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import event, func, select

from bench.datagen import PASSWORD


@dataclass
class Page:
    name: str
    who: str  # anonymous, learner, trainer, coordinator, contact
    path: str
    method: str = "GET"
    data: dict | None = None
    before_each: Callable[[], None] | None = None  # run before each request, outside the timing


class QueryCounter:
    def __init__(self, engine):  # type: ignore[no-untyped-def]
        self.engine = engine
        self.count = 0

    def __enter__(self):  # type: ignore[no-untyped-def]
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):  # type: ignore[no-untyped-def]
        self.count += 1


def people_and_things(now: datetime) -> dict:
    """A representative person of each kind and the objects their pages show."""
    from lms.attendance.models import Attendance
    from lms.auth.models import Role, User, UserRole
    from lms.catalog.models import Module
    from lms.certificates.models import Certificate
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.notifications.feeds import feed_token, new_feed
    from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer

    published = (select(ClassSession).join(Cycle, Cycle.id == ClassSession.cycle_id)
                 .where(Cycle.status == CycleStatus.PUBLISHED))
    running = db.session.execute(  # the latest session held, in the fullest running cycle (40 at every scale)
        published.where(ClassSession.starts_at <= now)
        .order_by(Cycle.seats_taken.desc(), ClassSession.starts_at.desc(), ClassSession.id)
    ).scalars().first() or db.session.execute(  # in a small data set no cycle may be running: the next one
        published.order_by(Cycle.seats_taken.desc(), ClassSession.starts_at, ClassSession.id)
    ).scalars().first()
    cycle = db.session.get(Cycle, running.cycle_id)
    trainer_id = db.session.execute(select(CycleTrainer.user_id).where(CycleTrainer.cycle_id == cycle.id)).scalar()
    learner_id = db.session.execute(
        select(Enrolment.user_id).where(Enrolment.cycle_id == cycle.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .order_by(Enrolment.user_id)
    ).scalars().first()
    coordinator_id = db.session.execute(
        select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR)).scalars().first()
    contact_id = db.session.execute(
        select(UserRole.user_id).where(UserRole.role == Role.ORGANISATION_CONTACT)).scalars().first()
    certificate = db.session.execute(select(Certificate).order_by(Certificate.id)).scalars().first()
    upcoming = db.session.execute(
        select(Cycle).where(Cycle.first_date > now.date()).order_by(Cycle.first_date, Cycle.id)
    ).scalars().first() or cycle
    feed = new_feed(learner_id, now=now)
    db.session.commit()
    emails = dict(db.session.execute(select(User.id, User.email).where(
        User.id.in_([learner_id, trainer_id, coordinator_id, contact_id]))).all())
    quiz_module = db.session.execute(select(Module.slug).where(Module.course_id == cycle.course_id)
                                     .order_by(Module.position.desc())).scalars().first()
    return {"session": running.id, "cycle": cycle.id, "course": upcoming.course.slug,
            "quiz_course": cycle.course.slug, "quiz_module": quiz_module, "certificate": certificate.code,
            "feed": feed_token(feed), "emails": {"learner": emails[learner_id], "trainer": emails[trainer_id],
                                                  "coordinator": emails[coordinator_id], "contact": emails[contact_id]},
            "learner_id": learner_id, "organisation": db.session.get(User, contact_id).organisation_id,
            "attendance_rows": db.session.execute(select(func.count(Attendance.id))).scalar_one(),
            "roll_call_learners": cycle.seats_taken, **_dashboard_changes(now)}


def pages(things: dict) -> list[Page]:  # the roll call has `learners_in_roll_call` learners
    return [
        Page("catalogue", "anonymous", "/courses"),
        Page("course page", "anonymous", f"/courses/{things['course']}"),
        Page("learner dashboard", "learner", "/my/learning"),
        Page("my schedule", "learner", "/my/schedule"),
        Page("roll call (load)", "trainer", f"/attendance/sessions/{things['session']}"),
        Page("roll call (save one)", "trainer",
             f"/attendance/sessions/{things['session']}/learners/{things['learner_id']}", "POST",
             {"status": "present"}),
        Page("roll call (mark all present)", "trainer", f"/attendance/sessions/{things['session']}/all-present",
             "POST", {}),
        Page("attendance matrix", "coordinator", f"/attendance/cycles/{things['cycle']}"),
        Page("coordinator dashboard", "coordinator", "/reports"),
        Page("coordinator dashboard, 1 changed", "coordinator", "/reports", before_each=things["change_a_dashboard_cycle"]),
        Page("coordinator dashboard, none kept", "coordinator", "/reports", before_each=things["forget_dashboard_roll_ups"]),
        Page("learners at risk", "coordinator", "/attendance/at-risk"),
        Page("learners at risk, none kept", "coordinator", "/attendance/at-risk", before_each=things["forget_at_risk"]),
        Page("organisation report", "contact", f"/reports/organisation?organisation={things['organisation']}"),
        Page("calendar feed", "anonymous", f"/calendar/{things['feed']}.ics"),
        Page("verification page", "anonymous", f"/verify/{things['certificate']}"),
        Page("start page, learner", "learner", "/"),
        Page("start page, trainer", "trainer", "/"),
        Page("start page, coordinator", "coordinator", "/"),
        Page("start page, contact", "contact", "/"),
        Page("quizzes, trainer", "trainer", "/quizzes"),
        Page("quizzes, coordinator", "coordinator", "/quizzes"),
        Page("quiz, learner", "learner", f"/courses/{things['quiz_course']}/modules/{things['quiz_module']}/quiz"),
    ]


def measure(app, requests: int, only: str | None = None) -> tuple[dict, list[tuple[str, float, float, int, int]]]:  # type: ignore[no-untyped-def]
    """What start-up made is frozen before measuring, as wsgi.py does in production."""
    from lms.extensions import db

    now = datetime.now(timezone.utc)
    with app.app_context():
        things = people_and_things(now)
        engine = db.engine
    clients: dict[str, Callable] = {"anonymous": app.test_client()}
    for who, email in things["emails"].items():
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        clients[who] = client
    gc.freeze()
    results = []
    for page in pages(things):
        if only and only not in page.name:
            continue
        client = clients[page.who]
        call = (lambda: client.post(page.path, data=page.data)) if page.method == "POST" else (lambda: client.get(page.path))
        status = call().status_code  # warm up; also checks the page works
        p50, p95, queries = timed(engine, call, requests, page.before_each)
        results.append((page.name, p50, p95, queries, status))
    return things, results


def timed(engine, work: Callable[[], object], runs: int,  # type: ignore[no-untyped-def]
          before_each: Callable[[], None] | None = None) -> tuple[float, float, int]:
    """p50 and p95 ms of `runs` calls of `work` (`before_each` before each, not timed), and the SQL
    queries of the last one."""
    timings, queries = [], 0
    for _ in range(runs):
        if before_each is not None:
            before_each()
        with QueryCounter(engine) as counter:
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        queries = counter.count
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) >= 20 else max(timings)
    return statistics.median(timings), p95, queries


def _dashboard_changes(now: datetime) -> dict[str, Callable[[], None]]:
    """Ways to make the coordinator dashboard roll cycles up again: a change in one of its cycles, as
    a roll call makes (the database moves that cycle's version), or a process that kept nothing."""
    from itertools import cycle as in_turn

    from flask import current_app
    from sqlalchemy import update

    from lms.attendance.kept import KeptPerCycle
    from lms.extensions import db
    from lms.planning.models import Cycle
    from lms.reports import queries, service
    from lms.reports.roll_ups import RollUps

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shown = queries.dashboard_cycles(now - service.DASHBOARD_LOOKBACK, 1, service.DASHBOARD_CYCLES_PER_PAGE)[0]
    next_one = in_turn(shown)

    def change_a_dashboard_cycle() -> None:
        with app.app_context():
            db.session.execute(update(Cycle).where(Cycle.id == next(next_one))
                               .values(attendance_version=Cycle.attendance_version + 1))
            db.session.commit()

    def forget_dashboard_roll_ups() -> None:
        app.extensions["dashboard_roll_ups"] = RollUps(app.config["LMS_DASHBOARD_ROLL_UPS"])

    def forget_at_risk() -> None:
        app.extensions["at_risk_kept"] = KeptPerCycle(app.config["LMS_AT_RISK_KEPT"])

    return {"change_a_dashboard_cycle": change_a_dashboard_cycle, "forget_dashboard_roll_ups": forget_dashboard_roll_ups,
            "forget_at_risk": forget_at_risk}


def machine_speed() -> float:
    """Milliseconds for a fixed loop of plain Python (median of 7): on a shared machine the same
    pages take up to twice as long from one hour to the next, and this says which hour it was."""
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        sum(i * i for i in range(300_000))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    args = parser.parse_args()
    from lms import create_app

    app = create_app({"LMS_MODE": "test", "SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": args.database,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "LMS_BASE_URL": "http://bench",
                      "LMS_PAGE_CACHE_SECONDS": 0})  # server time of a rendering, not of a cache hit
    reference = machine_speed()
    things, results = measure(app, args.requests, args.only)
    print(f"{things['attendance_rows']:,} attendance rows; {things['roll_call_learners']} learners in the roll call; "
          f"this machine's reference loop: {reference:.1f} ms (before), {machine_speed():.1f} ms (after)")
    print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'status':>7}")
    for name, p50, p95, queries, status in results:
        print(f"{name:<34} {p50:8.1f} {p95:8.1f} {queries:8d} {status:7d}")


if __name__ == "__main__":
    main()
