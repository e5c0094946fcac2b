"""The certificate sweep: the certificates the events did not issue (docs/certificates.md).

Completion is checked at once on the `PROGRESS_MADE` event (lms/certificates/consumers.py); the
sweep is what catches the rest. It runs two ways:

- **the tick** (`sweep`: the scheduler's `certificate-sweep` every 15 minutes, and
  `lms certificates sweep`) looks only at the seats whose completion can have changed since the
  last tick;
- **the full sweep** (`full_sweep`: the scheduler's nightly `certificate-full-sweep`, and
  `lms certificates sweep --full`) looks at every seat, for what no mark sees (a row changed by
  hand in psql, a certificate deleted by hand, progress written by a transaction that stayed open
  longer than PROGRESS_OVERLAP).

Why a tick can look at so little: whether a learner has completed a cycle depends on the cycle's
required modules, the learner's module progress, their seat, the cycle's sessions, their records
of them, the excused-absence rule and the minimum, never on the clock. The minimum is met when
the attended sessions (after the policy) reach the share of every session the learner is held to,
and a session counts as attended from its record on, ended or not (lms/attendance/rules.py). So a
tick looks again at

1. every running or finished cycle whose **mark** (`certificate_sweep_marks`: what the sweep last
   saw of it) no longer matches: its attendance version (moved by the database with every change
   to its sessions, seats, records or rule, lms/attendance/versions.py: a roll call, a check-in, a
   withdrawal, an erasure), its minimum, status or course, or the course's content version (a
   module added or made required comes with a new version); and every cycle without a mark;
2. every cycle with a **session that ended** since the last tick. By the rule above time alone
   completes no one; looking again at those cycles costs one range of an index, and keeps the
   sweep right if the rule ever counts ended sessions only;
3. every seat of the learners with **new module progress** (a module marked done, a quiz passed):
   the `module_progress` rows whose id is above the sweep's progress mark.

Progress ids are handed out when a row is inserted, not when its transaction commits: a row can
become visible after a larger one was already seen. So the progress mark lags: a tick looks at the
ids above the largest id seen by a tick at least PROGRESS_OVERLAP before the previous one, and
each row is looked at by every tick of that window, which sees every progress written by a
transaction shorter than PROGRESS_OVERLAP. (On SQLite ids only grow because `module_progress`
is AUTOINCREMENT: a deleted newest row's id is never handed out again.)

Marks are read before the seats are counted and written after the last certificate: a tick that
stops half-way writes none, and the next one looks at the same cycles again. Certificates are
issued once whoever issues them (`issue_certificate`: UNIQUE(user_id, cycle_id)); erased
(anonymised) accounts are not issued anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, case, exists, func, or_, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import Course, Module, ModuleProgress
from lms.catalog.queries import with_topics
from lms.certificates.models import Certificate, CertificateSweepMark, CertificateSweepState
from lms.certificates.service import existing_certificate, issue_certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus
from lms.planning.queries import with_trainers

#: certificates issued between two calls of `after_each` (the scheduler commits there)
SWEEP_BATCH = 100
#: how long a transaction that writes module progress may stay open and still be seen by the ticks
PROGRESS_OVERLAP = timedelta(minutes=30)
#: with more cycles to look at again than this, a tick counts every seat (as the full sweep does)
#: rather than name them all in one query
MOST_CYCLES_NAMED = 1000
SWEPT_STATUSES = (CycleStatus.PUBLISHED, CycleStatus.FINISHED)
STATE_ID = 1


@dataclass(frozen=True)
class CycleInputs:
    """What a cycle's completions are made of, as a tick reads them and its mark keeps them."""

    cycle_id: int
    attendance_version: int
    min_attendance_percent: int
    status: str
    course_id: int
    content_version: str


@dataclass(frozen=True)
class SweepState:
    """The state row as the last tick left it (plain values: the row is written past the ORM)."""

    swept_at: datetime
    progress_after: int
    progress_seen: int
    progress_seen_at: datetime


@dataclass
class Changes:
    """What a tick looks at: the cycles to look at again (with their inputs, for their new marks)
    and the learners with module progress above `progress_after` (None: none)."""

    now: datetime
    cycles: list[CycleInputs]
    progress_after: int | None
    every_seat: bool
    progress_max: int
    state: SweepState | None
    full: bool = False
    cycle_ids: set[int] = field(init=False)

    def __post_init__(self) -> None:
        self.cycle_ids = {inputs.cycle_id for inputs in self.cycles}

    @property
    def nothing(self) -> bool:
        return not self.every_seat and not self.cycles and self.progress_after is None


def sweep(now: datetime, *, after_each: Callable[[], None] | None = None, batch: int = SWEEP_BATCH) -> int:
    """The tick: issue the certificates of the seats whose completion can have changed since the
    last tick (see the module's docstring); returns how many were issued."""
    return _run(changes_since_last_tick(now), after_each, batch)


def full_sweep(now: datetime, *, after_each: Callable[[], None] | None = None, batch: int = SWEEP_BATCH) -> int:
    """Every seat of every running or finished cycle, and new marks for all of them."""
    return _run(changes_since_last_tick(now, full=True), after_each, batch)


def changes_since_last_tick(now: datetime, *, full: bool = False) -> Changes:
    """What the next tick at `now` would look at (two queries; three before the first tick)."""
    progress_max = select(func.coalesce(func.max(ModuleProgress.id), 0)).scalar_subquery()
    known = CertificateSweepState
    row = db.session.execute(
        select(known.swept_at, known.progress_after, known.progress_seen, known.progress_seen_at, progress_max)
        .where(known.id == STATE_ID)).first()
    state = SweepState(*row[:4]) if row is not None else None
    highest = row[4] if row is not None else db.session.execute(select(progress_max)).scalar_one()
    full = full or state is None
    cycles = _cycles_to_look_at(now, None if full else state.swept_at)
    every_seat = full or len(cycles) > MOST_CYCLES_NAMED
    progress_after = None
    if not every_seat and state.progress_after < highest:
        progress_after = state.progress_after
    return Changes(now=now, cycles=cycles, progress_after=progress_after, every_seat=every_seat,
                   progress_max=highest, state=state, full=full)


def _cycles_to_look_at(now: datetime, since: datetime | None) -> list[CycleInputs]:
    """The running and finished cycles whose mark no longer matches or that had a session end
    after `since` (None: all of them)."""
    query = (
        select(Cycle.id, Cycle.attendance_version, Cycle.min_attendance_percent, Cycle.status, Cycle.course_id,
               Course.content_version)
        .join(Course, Course.id == Cycle.course_id)
        .where(Cycle.status.in_(SWEPT_STATUSES))
        .order_by(Cycle.id)
    )
    if since is not None:
        mark = CertificateSweepMark
        ended = select(ClassSession.cycle_id).where(
            ClassSession.ends_at > since, ClassSession.ends_at <= now, ClassSession.status != SessionStatus.CANCELLED)
        query = query.outerjoin(mark, mark.cycle_id == Cycle.id).where(or_(
            mark.cycle_id.is_(None), mark.attendance_version != Cycle.attendance_version,
            mark.min_attendance_percent != Cycle.min_attendance_percent, mark.status != Cycle.status,
            mark.course_id != Cycle.course_id, mark.content_version != Course.content_version,
            Cycle.id.in_(ended)))
    return [CycleInputs(cycle_id, version, minimum, CycleStatus(status).value, course_id, content)
            for cycle_id, version, minimum, status, course_id, content in db.session.execute(query).all()]


def _run(changes: Changes, after_each: Callable[[], None] | None, batch: int) -> int:
    issued = 0
    if not changes.nothing:
        issued = _issue(completed_seats(changes.now, _candidates(changes)), changes.now, after_each, batch)
    _write_marks(changes)
    return issued


def _candidates(changes: Changes):  # type: ignore[no-untyped-def]
    """The enrolments a tick counts (None: every one)."""
    if changes.every_seat:
        return None
    sources = []
    if changes.cycle_ids:
        sources.append(select(Enrolment.id).where(Enrolment.cycle_id.in_(sorted(changes.cycle_ids))))
    if changes.progress_after is not None:
        progressed = select(ModuleProgress.user_id).where(ModuleProgress.id > changes.progress_after)
        sources.append(select(Enrolment.id).where(Enrolment.user_id.in_(progressed)))
    return sources[0] if len(sources) == 1 else union(*sources)


def _issue(seats: list[tuple[int, int]], now: datetime, after_each: Callable[[], None] | None, batch: int) -> int:
    """Issue a batch at a time, each batch's cycles and learners loaded first; `after_each` after
    every batch (a sweep that is stopped keeps what it issued, the next issues the rest, each once)."""
    issued = 0
    for start in range(0, len(seats), batch):
        chunk = seats[start:start + batch]
        loaded = _load_for_issue(chunk)  # held until the batch is done: the session keeps weak references
        for user_id, cycle_id in chunk:
            if existing_certificate(user_id, cycle_id) is None:
                issue_certificate(user_id, cycle_id, now)
                issued += 1
        del loaded
        if after_each is not None:
            after_each()
    return issued


def _write_marks(changes: Changes) -> None:
    """The cycles looked at get their new marks, and the state its tick (one statement each)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    if changes.cycles:
        statement = insert(CertificateSweepMark)
        columns = ("attendance_version", "min_attendance_percent", "status", "course_id", "content_version",
                   "swept_at")
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["cycle_id"],
                                            set_={name: statement.excluded[name] for name in columns}),
            [{**vars(inputs), "swept_at": changes.now} for inputs in changes.cycles])
    after, seen, seen_at = _next_progress_mark(changes)
    values = {"swept_at": changes.now, "progress_after": after, "progress_seen": seen, "progress_seen_at": seen_at}
    if changes.full:
        values["full_swept_at"] = changes.now
    statement = insert(CertificateSweepState).values(id=STATE_ID, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


def _next_progress_mark(changes: Changes) -> tuple[int, int, datetime]:
    """(progress_after, progress_seen, progress_seen_at) after this tick.

    The largest id seen becomes the mark once it was seen PROGRESS_OVERLAP ago or more: every id
    handed out after that moment is above it. Before the first tick there is no such id (0).
    """
    state, now = changes.state, changes.now
    if state is None:
        return 0, changes.progress_max, now
    if now - state.progress_seen_at >= PROGRESS_OVERLAP:
        return state.progress_seen, changes.progress_max, now
    return state.progress_after, state.progress_seen, state.progress_seen_at


# --- who has completed, counted by the database ---------------------------------------------------

def completed_seats(now: datetime, candidates=None) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(learner, cycle) of every learner enrolled in a running or finished cycle who has completed it
    and has no certificate for it yet, by cycle; only the enrolments of `candidates` (a select of
    enrolment ids) when given.

    The same rule as `completion`, worked out by the database for all seats at once: seats with a
    required module not done are left out in SQL; for the rest one grouped query counts the
    sessions each learner is held to and their records, and `summarise_counts` (the attendance
    rule on counts) says whether the minimum is met.
    """
    from lms.attendance.models import ExcusedPolicy
    from lms.attendance.rules import Standing, summarise_counts

    completed = []
    for user_id, cycle_id, minimum, policy, sessions, ended, attended, excused, early in \
            db.session.execute(_seat_counts(now, candidates)).all():
        summary = summarise_counts(
            user_id=user_id, cycle_id=cycle_id, policy=policy or ExcusedPolicy.NOT_COUNTED,
            minimum_percent=minimum, sessions=sessions, held=int(ended or 0) + int(early or 0),
            attended=int(attended or 0), excused=int(excused or 0))
        if summary.standing is Standing.MET:
            completed.append((user_id, cycle_id))
    return completed


def _seats_with_modules_done(candidates):  # type: ignore[no-untyped-def]
    """Seats that could complete: enrolled (not yet completed) in a running or finished cycle,
    every required module of the course done, no certificate, the account not erased."""
    from lms.attendance.models import AttendanceRule

    module_missing = exists().where(
        Module.course_id == Cycle.course_id, Module.required.is_(True),
        ~exists().where(ModuleProgress.user_id == Enrolment.user_id, ModuleProgress.module_id == Module.id)
        .correlate_except(ModuleProgress))
    certified = exists().where(Certificate.user_id == Enrolment.user_id, Certificate.cycle_id == Enrolment.cycle_id)
    query = (
        select(Enrolment.user_id, Enrolment.cycle_id, Enrolment.enrolled_at,
               Cycle.min_attendance_percent.label("minimum"), AttendanceRule.excused_policy.label("policy"))
        .join(Cycle, Cycle.id == Enrolment.cycle_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(AttendanceRule, AttendanceRule.cycle_id == Cycle.id)
        .where(Enrolment.status == EnrolmentStatus.ENROLLED, Enrolment.enrolled_at.is_not(None),
               Cycle.status.in_(SWEPT_STATUSES), User.anonymised_at.is_(None), ~certified, ~module_missing)
    )
    if candidates is not None:
        query = query.where(Enrolment.id.in_(candidates))
    return query.subquery("seat")


def _seat_counts(now: datetime, candidates):  # type: ignore[no-untyped-def]
    """Per seat that could complete: the sessions the learner is held to (not cancelled, from their
    seat on), how many have ended, and their records of those sessions (attended, excused, and
    recorded before the session ended: a check-in counts at once).

    Each record is looked up by (session, learner), a probe of its unique index: joined instead,
    PostgreSQL's planner reads every attendance row of the center into a hash table.
    """
    from lms.attendance.models import ATTENDED, Attendance, AttendanceStatus

    seat = _seats_with_modules_done(candidates)
    held_to = (
        select(seat.c.user_id, seat.c.cycle_id, seat.c.minimum, seat.c.policy, ClassSession.id.label("session_id"),
               ClassSession.ends_at,
               select(Attendance.status).where(Attendance.session_id == ClassSession.id,
                                               Attendance.user_id == seat.c.user_id)
               .scalar_subquery().label("record"))
        .select_from(seat)
        .outerjoin(ClassSession, and_(ClassSession.cycle_id == seat.c.cycle_id,
                                      ClassSession.status != SessionStatus.CANCELLED,
                                      ClassSession.starts_at >= seat.c.enrolled_at))
        .offset(0)  # a fence: PostgreSQL would otherwise copy the probe into each of the three counts
        .subquery("held_to")
    )

    def count(condition):  # type: ignore[no-untyped-def]
        return func.sum(case((condition, 1), else_=0))

    return (
        select(held_to.c.user_id, held_to.c.cycle_id, held_to.c.minimum, held_to.c.policy,
               func.count(held_to.c.session_id), count(held_to.c.ends_at <= now),
               count(held_to.c.record.in_(list(ATTENDED))), count(held_to.c.record == AttendanceStatus.EXCUSED),
               count(and_(held_to.c.record.is_not(None), held_to.c.ends_at > now)))
        .group_by(held_to.c.user_id, held_to.c.cycle_id, held_to.c.minimum, held_to.c.policy)
        .order_by(held_to.c.cycle_id, held_to.c.user_id)
    )


def _load_for_issue(seats: list[tuple[int, int]]) -> list[object]:
    """What issuing reads for a batch (cycles with course, modules, sessions and trainers; the
    learners) in a few queries, so that issuing finds them in the session instead of loading them
    one by one."""
    cycles = db.session.execute(
        select(Cycle).where(Cycle.id.in_({cycle_id for _, cycle_id in seats}))
        .options(selectinload(Cycle.course).selectinload(Course.modules), *with_topics(selectinload(Cycle.course)),
                 selectinload(Cycle.sessions),
                 with_trainers())
    ).scalars().all()
    users = db.session.execute(
        select(User).where(User.id.in_({user_id for user_id, _ in seats}))
    ).scalars().all()
    return [*cycles, *users]
