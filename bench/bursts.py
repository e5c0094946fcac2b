"""The center's busiest minutes, over HTTP through nginx, against the stack of scripts/with-stack.

    scripts/with-stack .venv/bin/python -m bench.bursts [--only checkin,enrolment,rollcall] [--seconds 120]

- checkin: 200 learners check in with the rotating code (30-second steps: it rotates during the
  burst) at random moments of `--seconds` (120), each opening the check-in page and sending the
  code the trainer's screen shows at that moment;
- enrolment: 300 learners press "Sign up" in the first ten seconds after a 20-seat cycle is
  published: exactly 20 seats, 280 on the wait-list in the order they came, no error;
- rollcall: three trainers save a 40-learner roll call each, all at once, while 20 learners of
  each session check in with the code.

Before and after each burst, 40 `GET /healthz` (one query) time the machine: compare the bursts'
figures to that reference. Everything stays on loopback and every loop is bounded. People are
logged in before a burst starts (as their phones are), not timed. The data is made with the test
factories in the stack's database; a run adds to it, so start a fresh stack for each run.
"""
from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time as clock, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lms.extensions import db
from tests.stack.support import Browser, Stack

STEP_SECONDS = 30  # LMS_CHECKIN_CODE_SECONDS


@dataclass
class Timings:
    label: str
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, started: float, ok: bool, what: str) -> None:
        with self.lock:
            self.seconds.append(time.perf_counter() - started)
            if not ok:
                self.errors.append(what)

    def line(self) -> str:
        if not self.seconds:
            return f"{self.label:<44} no requests"
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
        return (f"{self.label:<44} n={len(ordered):<4} p50={statistics.median(ordered) * 1000:7.1f} ms  "
                f"p95={p95 * 1000:7.1f} ms  max={ordered[-1] * 1000:7.1f} ms  errors={len(self.errors)}"
                + (f" ({', '.join(sorted(set(self.errors)))})" if self.errors else ""))


class ServerLog:
    """The nodes' own time for each request (gunicorn's access log, `%(D)s` microseconds), read
    from where the logs stood when the burst began: what the app took, without nginx, the network
    and the wait for a free worker thread."""

    PATTERN = re.compile(r'"((?:GET|POST) \S+) HTTP[^"]*" (\d{3}) (\d+)$')

    def __init__(self, stack: Stack):
        self.files = [stack.folder / f"node{n}-access.log" for n in (1, 2)]
        self.offsets = [path.stat().st_size if path.exists() else 0 for path in self.files]

    def line(self, label: str, path_pattern: str) -> str:
        wanted, timings = re.compile(path_pattern), Timings(f"  of which in the app: {label}")
        for path, offset in zip(self.files, self.offsets):
            with path.open() as handle:
                handle.seek(offset)
                for row in handle:
                    found = self.PATTERN.search(row.strip())
                    if found and wanted.search(found.group(1)):
                        timings.seconds.append(int(found.group(3)) / 1e6)
        return timings.line()


def reference(stack: Stack, label: str) -> Timings:
    timings, browser = Timings(f"reference GET /healthz ({label})"), Browser(stack.url)
    for _ in range(40):
        started = time.perf_counter()
        answer = browser.get("/healthz")
        timings.add(started, answer.status_code == 200, str(answer.status_code))
    return timings


def log_in_all(stack: Stack, emails: list[str]) -> list[Browser]:
    def one(email: str) -> Browser:
        browser = Browser(stack.url)
        browser.log_in(email)
        return browser
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, emails))


def at_moments(moments: list[float], work, threads: int) -> None:  # type: ignore[no-untyped-def]
    """Run work(i) at moments[i] seconds from now (sorted), with at most `threads` at once."""
    start = time.monotonic() + 0.5
    order = sorted(range(len(moments)), key=lambda i: moments[i])

    def run(i: int) -> None:
        delay = start + moments[i] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        work(i)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, order))


# --- the data ---------------------------------------------------------------------------------

def _session_now(seeding, learners: int, trainer_email: str | None = None) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """A one-session cycle that started two minutes ago (check-in open, roll call allowed), with
    `learners` seated learners; returns the session id and their e-mail addresses."""
    from tests.factories import make_course, make_cycle, make_user
    from lms.enrolment.service import enrol

    zone = ZoneInfo("Europe/Stockholm")
    local = datetime.now(zone) - timedelta(minutes=2)
    tag = secrets.token_hex(3)
    with seeding.app_context():
        trainers = [make_user(trainer_email, name="Tove Utbildare", roles=["trainer"])] if trainer_email else []
        cycle = make_cycle(make_course(f"kurs-{tag}"), first_date=local.date(), start=clock(local.hour, local.minute),
                           weekdays=(local.weekday(),), sessions=1, capacity=learners, trainers=trainers,
                           now=datetime.now(zone) - timedelta(days=7))
        emails = []
        for n in range(learners):
            person = make_user(f"learner{n}.{tag}@example.org", name=f"Deltagare {n}")
            enrol(person.id, cycle, now=datetime.now(zone) - timedelta(days=7), check_window=False, decided=True)
            emails.append(person.email)
        db.session.commit()
        return cycle.sessions[0].id, emails


def _code(stack: Stack, session_id: int) -> str:
    from lms.attendance import codes

    secret = codes.session_secret(stack.settings["SECRET_KEY"], session_id)
    return codes.code_for(secret, codes.time_step(datetime.now().astimezone(), STEP_SECONDS))


def _check_in(stack: Stack, browser: Browser, session_id: int, timings: Timings, codes_seen: set) -> None:
    started = time.perf_counter()
    page = browser.get("/checkin")
    token = browser.csrf_in(page.text)
    code = _code(stack, session_id)
    codes_seen.add(code)
    answer = browser.http.post(stack.url + "/checkin", data={"code": code, "csrf_token": token},
                               allow_redirects=False, timeout=30)
    timings.add(started, page.status_code == 200 and answer.status_code == 302
                and "/my/attendance" in answer.headers.get("Location", ""), f"{page.status_code}/{answer.status_code}")


def _present(seeding, session_id: int) -> int:  # type: ignore[no-untyped-def]
    from lms.attendance.models import ATTENDED, Attendance

    with seeding.app_context():
        return db.session.scalar(select(func.count()).select_from(Attendance).where(
            Attendance.session_id == session_id, Attendance.status.in_(ATTENDED))) or 0


# --- the bursts -------------------------------------------------------------------------------

def checkin_burst(stack: Stack, seeding, seconds: float) -> list[str]:  # type: ignore[no-untyped-def]
    session_id, emails = _session_now(seeding, 200)
    browsers = log_in_all(stack, emails)
    timings, codes_seen = Timings("check-in: GET /checkin + POST code (200)"), set()
    before = reference(stack, "before check-in")
    moments = [random.uniform(0, seconds) for _ in browsers]
    server, began = ServerLog(stack), time.monotonic()
    at_moments(moments, lambda i: _check_in(stack, browsers[i], session_id, timings, codes_seen), 40)
    took = time.monotonic() - began
    after = reference(stack, "after check-in")
    present = _present(seeding, session_id)
    return [before.line(), timings.line(), server.line("GET /checkin", r"^GET /checkin$"),
            server.line("POST /checkin", r"^POST /checkin$"),
            after.line(),
            f"  {present} of 200 checked in within {took:.0f} s, {len(codes_seen)} different codes used"]


def enrolment_burst(stack: Stack, seeding) -> list[str]:  # type: ignore[no-untyped-def]
    from tests.factories import make_course, make_cycle, make_user
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.planning import service as planning

    tag = secrets.token_hex(3)
    with seeding.app_context():
        cycle = make_cycle(make_course(f"popular-{tag}"), capacity=20, published=False,
                           first_date=datetime.now().date() + timedelta(days=30))
        emails = [make_user(f"eager{n}.{tag}@example.org", name=f"Ivrig {n}").email for n in range(300)]
        db.session.commit()
        cycle_id = cycle.id
    browsers = log_in_all(stack, emails)
    tokens = [browser.csrf("/my/learning") for browser in browsers]
    timings = Timings("enrolment: POST /cycles/<id>/enrol (300)")
    before = reference(stack, "before enrolment")
    with seeding.app_context():  # the cycle opens
        planning.publish_cycle(db.session.get(type(cycle), cycle_id), actor_id=None, now=datetime.now().astimezone())
        db.session.commit()
    server = ServerLog(stack)

    def press(i: int) -> None:
        started = time.perf_counter()
        answer = browsers[i].http.post(f"{stack.url}/cycles/{cycle_id}/enrol", data={"csrf_token": tokens[i]},
                                       allow_redirects=False, timeout=30)
        timings.add(started, answer.status_code == 302, str(answer.status_code))
    at_moments([random.uniform(0, 10) for _ in browsers], press, 50)
    after = reference(stack, "after enrolment")
    with seeding.app_context():
        rows = db.session.execute(select(Enrolment.status, Enrolment.requested_at, Enrolment.waitlisted_at)
                                  .where(Enrolment.cycle_id == cycle_id)).all()
    seated = [r for r in rows if r.status == EnrolmentStatus.ENROLLED]
    waiting = sorted((r for r in rows if r.status == EnrolmentStatus.WAITLISTED), key=lambda r: r.waitlisted_at)
    out_of_order = sum(1 for a, b in zip(waiting, waiting[1:]) if b.requested_at < a.requested_at)
    return [before.line(), timings.line(), server.line("POST enrol", r"^POST .*/enrol$"), after.line(),
            f"  {len(seated)} seated, {len(waiting)} wait-listed ({out_of_order} out of request order), "
            f"{len(rows)} sign-ups in all"]


def rollcall_burst(stack: Stack, seeding) -> list[str]:  # type: ignore[no-untyped-def]
    sessions = []
    for n in range(3):
        trainer = f"trainer{n}.{secrets.token_hex(3)}@example.org"
        session_id, emails = _session_now(seeding, 40, trainer)
        sessions.append((session_id, trainer, emails))
    with seeding.app_context():
        from lms.attendance.models import Attendance  # noqa: F401
        from lms.auth.models import User

        ids = {email: user_id for email, user_id in db.session.execute(select(User.email, User.id).where(
            User.email.in_([e for _, _, emails in sessions for e in emails])))}
    trainers = log_in_all(stack, [trainer for _, trainer, _ in sessions])
    learners = log_in_all(stack, [e for _, _, emails in sessions for e in emails[:20]])
    rows, checkins, codes_seen = Timings("roll call: POST one row (3 × 40)"), Timings("check-in meanwhile (60)"), set()
    before = reference(stack, "before roll call")
    server = ServerLog(stack)

    def call_the_roll(n: int) -> None:
        session_id, _, emails = sessions[n]
        token = trainers[n].csrf(f"/attendance/sessions/{session_id}")
        for email in emails:
            started = time.perf_counter()
            answer = trainers[n].http.post(
                f"{stack.url}/attendance/sessions/{session_id}/learners/{ids[email]}",
                data={"status": "present", "source": "roll_call", "csrf_token": token},
                headers={"X-Requested-With": "fetch"}, allow_redirects=False, timeout=30)
            rows.add(started, answer.status_code == 200, str(answer.status_code))

    def check_in(i: int) -> None:
        session_id = sessions[i // 20][0]
        _check_in(stack, learners[i], session_id, checkins, codes_seen)
    roll = [threading.Thread(target=call_the_roll, args=(n,)) for n in range(3)]
    for thread in roll:
        thread.start()
    at_moments([random.uniform(0, 8) for _ in learners], check_in, 20)
    for thread in roll:
        thread.join()
    after = reference(stack, "after roll call")
    present = sum(_present(seeding, session_id) for session_id, _, _ in sessions)
    return [before.line(), rows.line(), server.line("one row", r"^POST .*/learners/\d+$"), checkins.line(),
            after.line(), f"  {present} of 120 present afterwards"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="checkin,enrolment,rollcall")
    parser.add_argument("--seconds", type=float, default=120, help="length of the check-in burst")
    args = parser.parse_args()
    stack = Stack.from_environment()
    if stack is None:
        sys.exit("bench.bursts: run it inside scripts/with-stack")
    seeding = stack.seeding_app()
    print(f"bench.bursts against {stack.url} (nodes {' '.join(stack.nodes)}), {datetime.now():%Y-%m-%d %H:%M}")
    for name in args.only.split(","):
        stack.redis().flushdb()  # the limits of the previous burst (everyone here is 127.0.0.1)
        began = time.monotonic()
        lines = {"checkin": lambda: checkin_burst(stack, seeding, args.seconds),
                 "enrolment": lambda: enrolment_burst(stack, seeding),
                 "rollcall": lambda: rollcall_burst(stack, seeding)}[name]()
        print(f"\n{name} ({time.monotonic() - began:.0f} s with its set-up)")
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
