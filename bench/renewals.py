"""The renewal sweep at scale: with nothing due it must stay constant in queries and ≤ 50 ms at ×30.

    python -m bench.datagen --scale 30 --database sqlite:////tmp/lms-bench-30.sqlite3
    cp /tmp/lms-bench-30.sqlite3 /tmp/lms-bench-30-renew.sqlite3
    python -m bench.renewals --database sqlite:////tmp/lms-bench-30-renew.sqlite3 [--runs 30]

Both databases in one run (`--database` again for each; `--explain` prints each one's plan of the
tick's query, EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite):

    scripts/with-postgres sh -c 'python -m bench.datagen --scale 30 --database "$TEST_DATABASE_URL" &&
      python -m bench.renewals --explain --database sqlite:////tmp/lms-bench-30-renew.sqlite3
                               --database "$TEST_DATABASE_URL"'

It WRITES to the database: run it on a copy of a `bench.datagen` database. Every generated
certificate (about 32,000 at ×30) gets a validity period, as a yearly course with a 60-day window
would give: ends spread from 200 days ago to a year ahead, so that a fifth have expired and a
sixth are inside their window. One catch-up sweep queues the reminders due (timed, counted), then
the sweep with nothing due is timed as the scheduler runs it (the tick, then the commit):
p50/p95 and SQL queries per run, and again with three times the periods due earlier (all steps
done) to show the query count does not grow.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from bench.notifications import repeat

WINDOW_DAYS = 60


def add_periods(now: datetime, seed: int = 2026) -> int:
    """A period for every certificate without one (a yearly course's), ends spread over 565 days."""
    from lms.certificates.models import Certificate, CertificateValidityPeriod, ExpiryBasis
    from lms.extensions import db
    from lms.planning.models import Cycle

    rng = random.Random(seed)
    rows = db.session.execute(
        select(Certificate.id, Certificate.user_id, Cycle.course_id)
        .join(Cycle, Cycle.id == Certificate.cycle_id)
        .where(~select(CertificateValidityPeriod.id)
               .where(CertificateValidityPeriod.certificate_id == Certificate.id).exists())
    ).all()
    periods = []
    for certificate_id, user_id, course_id in rows:
        until = now + timedelta(days=rng.uniform(-200, 365))
        periods.append({"certificate_id": certificate_id, "user_id": user_id, "course_id": course_id,
                        "valid_from": until - timedelta(days=365), "valid_until": until,
                        "window_opens_at": until - timedelta(days=WINDOW_DAYS), "basis": ExpiryBasis.COMPLETION,
                        "created_at": now})
    for start in range(0, len(periods), 5000):
        db.session.execute(insert(CertificateValidityPeriod), periods[start:start + 5000])
    db.session.commit()
    return len(periods)


def cpu_ms(work, runs: int) -> float:  # type: ignore[no-untyped-def]
    """The median CPU time of this process for one tick (with SQLite the whole cost, whatever else
    runs on the machine; with PostgreSQL the client's share)."""
    from lms.extensions import db

    spent = []
    for _ in range(runs):
        started = time.process_time()
        work()
        db.session.commit()
        spent.append((time.process_time() - started) * 1000)
        db.session.remove()
    return statistics.median(spent)


def server_ms(now: datetime, runs: int = 10) -> float | None:
    """PostgreSQL's own execution time of the tick's query (EXPLAIN ANALYZE), median; None on SQLite."""
    from lms.extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    times = [float(re.search(r"Execution Time: ([0-9.]+) ms", explain(now)).group(1)) for _ in range(runs)]
    return statistics.median(times)


def explain(now: datetime) -> str:
    """The database's plan of the tick's one query (EXPLAIN ANALYZE on PostgreSQL)."""
    from lms.extensions import db
    from lms.notifications.renewals import _due_query

    compiled = _due_query(now).compile(dialect=db.engine.dialect)
    processors = compiled._bind_processors
    params = {key: processors[key](value) if key in processors else value
              for key, value in compiled.construct_params().items()}
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + compiled.string, params)
            return "\n".join(row[0] for row in rows)
        ordered = tuple(params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string, ordered)
        return "\n".join(str(row[-1]) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, action="append",
                        help="SQLAlchemy URL of a COPY of a bench.datagen database (again for another)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--explain", action="store_true", help="print the plan of the tick's query")
    parser.add_argument("--analyze", action="store_true",
                        help="on PostgreSQL, VACUUM ANALYZE after the catch-up (what autovacuum does) and time again")
    args = parser.parse_args()
    print("$ python -m bench.renewals " + " ".join(sys.argv[1:]))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    summary = [bench(url, now, args) for url in args.database]
    print("\n| database | periods | nothing due p50 | p95 | CPU p50 (this process) | server p50 | queries | runs |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- |")
    for dialect, total, quiet, cpu, server in summary:
        shown = f"{server:.1f} ms" if server is not None else "—"
        print(f"| {dialect} | {total:,} | {quiet.p50:.1f} ms | {quiet.p95:.1f} ms | {cpu:.1f} ms | {shown} | "
              f"{quiet.queries} | {quiet.runs} |")


def bench(url: str, now: datetime, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from lms import create_app
    from lms.certificates.models import CertificateValidityPeriod, RenewalReminder
    from lms.extensions import db
    from lms.notifications.renewals import queue_renewal_reminders

    app = create_app({"LMS_MODE": "test", "SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": url,
                      "LMS_BASE_URL": "http://bench", "LMS_OUTBOX_DIR": "/tmp/lms-bench-renewals-outbox"})
    with app.app_context():
        print(f"\n== {db.engine.dialect.name}")
        added = add_periods(now)
        total = db.session.execute(select(func.count(CertificateValidityPeriod.id))).scalar_one()
        print(f"periods: {total:,} ({added:,} added)")
        catch_up = repeat("catch-up sweep", db.engine, lambda: queue_renewal_reminders(now), 1, args.budget)
        steps = db.session.execute(select(func.count(RenewalReminder.id))).scalar_one()
        print(f"catch-up: {catch_up.result:,} reminders queued in {catch_up.p50:.0f} ms, {catch_up.queries} queries "
              f"({steps:,} steps done)")
        quiet = repeat("nothing due", db.engine, lambda: queue_renewal_reminders(now + timedelta(minutes=1)),
                       args.runs, args.budget)
        print(f"nothing due: p50 {quiet.p50:.1f} ms, p95 {quiet.p95:.1f} ms, {quiet.queries} queries, "
              f"{quiet.runs} runs, queued {quiet.result}")
        if db.engine.dialect.name == "postgresql" and args.analyze:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE certificate_validity_periods, renewal_reminders, certificates")
            quiet = repeat("nothing due, analyzed", db.engine,
                           lambda: queue_renewal_reminders(now + timedelta(minutes=1)), args.runs, args.budget)
            print(f"after VACUUM ANALYZE: p50 {quiet.p50:.1f} ms, p95 {quiet.p95:.1f} ms, {quiet.queries} queries")
        cpu = cpu_ms(lambda: queue_renewal_reminders(now + timedelta(minutes=1)), args.runs)
        server = server_ms(now + timedelta(minutes=1))
        print(f"CPU of this process per tick: p50 {cpu:.1f} ms" +
              (f"; PostgreSQL's execution time: p50 {server:.1f} ms" if server is not None else ""))
        if args.explain:
            print(explain(now + timedelta(minutes=1)))
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()
        return dialect, total, quiet, cpu, server


if __name__ == "__main__":
    main()
