"""Planning rules: rooms, cycles and their sessions, and every change to a published plan.

Functions flush but never commit. Changes to the sessions of a published cycle raise the
session's revision and store a `SessionChange` for the notifications work to send; a draft has
nobody enrolled, so its changes are not recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import and_, exists, select

from lms.audit.service import record_event
from lms.auth.models import Role, User, UserRole
from lms.catalog.models import Course
from lms.core.display_text import clean_display_text
from lms.enrolment.service import fill_free_seats
from lms import events
from lms.events import EventKind
from lms.extensions import db
from lms.planning.models import (
    ClassSession, Cycle, CycleStatus, CycleTrainer, PlanningError, Room, SessionChange,
    SessionChangeKind, SessionStatus,
)
from lms.planning.queries import upcoming_cycles_for_courses  # noqa: F401  (for the public catalogue)
from lms.planning.recurrence import (
    Plan, PlannedSession, Recurrence, holiday_name, place_session, plan_sessions, to_utc,
)
from lms.planning.replan import Conflict, Replan, compute_replan, find_conflicts


def local_zone() -> ZoneInfo:
    """The time zone sessions are planned in (Europe/Stockholm unless configured otherwise)."""
    return ZoneInfo(current_app.config["LMS_TIMEZONE"])


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in local time, as a UTC instant."""
    return to_utc(datetime.combine(day, time(0, 0)), local_zone())[0]


# --- rooms -----------------------------------------------------------------------------------

def save_room(room: Room | None, *, name: str, capacity: int, address: str,
              accessibility_notes: str, active: bool, actor_id: int | None) -> Room:
    name = name.strip()
    clash = db.session.execute(select(Room.id).where(Room.name == name)).scalar_one_or_none()
    if clash is not None and (room is None or clash != room.id):
        raise PlanningError(_l("A room called %(name)s already exists.", name=name))
    if room is None:
        room = Room()
        db.session.add(room)
    room.name, room.capacity, room.address = name, capacity, address.strip()
    room.accessibility_notes, room.active = accessibility_notes.strip(), active
    db.session.flush()
    record_event(actor_id, "room.saved", "room", room.id, name=name)
    return room


# --- cycles ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CycleSpec:
    """Everything the coordinator chooses for a cycle, as plain values."""

    course_id: int
    title: str
    recurrence: Recurrence
    room_id: int | None
    capacity: int
    trainer_ids: tuple[int, ...]
    opens_on: date | None
    closes_on: date | None
    approval_required: bool
    min_attendance_percent: int
    offer_hours: int = 24
    cancellation_hours: int = 48


@dataclass
class CyclePreview:
    plan: Plan
    conflicts: list[Conflict]
    replan: Replan | None  # for a cycle that exists: what saving changes
    warnings: list[str]
    #: sessions planned on a public holiday (when holidays are not skipped), by local date
    holidays: dict[date, str] = field(default_factory=dict)

    def conflicts_for(self, starts_at: datetime) -> list[Conflict]:
        return [c for c in self.conflicts if c.starts_at == starts_at]


def preview_cycle(spec: CycleSpec, cycle: Cycle | None, *, now: datetime,
                  language: str = "sv") -> CyclePreview:
    """The sessions a spec gives, double bookings, and (for an existing cycle) what will change."""
    plan = plan_sessions(spec.recurrence, local_zone(), language)
    _check_spec(spec, cycle)
    intervals = [(p.starts_at, p.ends_at, spec.room_id) for p in plan.sessions]
    conflicts = find_conflicts(intervals, list(spec.trainer_ids), cycle.id if cycle else None)
    replan = compute_replan(cycle.sessions, plan, spec.room_id, now) if cycle else None
    on_holidays = {} if spec.recurrence.skip_holidays else {
        p.planned_date: name for p in plan.sessions if (name := holiday_name(p.planned_date, language))}
    warnings = _spec_warnings(spec) + _time_warnings(plan, now) + _holiday_warnings(on_holidays)
    return CyclePreview(plan, conflicts, replan, warnings, on_holidays)


def _time_warnings(plan: Plan, now: datetime) -> list[str]:
    """A warning when every session, or some, would start in the past."""
    past = sum(1 for p in plan.sessions if p.starts_at < now)
    if past and past == len(plan.sessions):
        return [str(_l("Every session of this plan is in the past: check the first date."))]
    if past:
        return [str(_ln("%(num)d session of this plan is in the past.",
                        "%(num)d sessions of this plan are in the past.", past))]
    return []


def _holiday_warnings(on_holidays: dict[date, str]) -> list[str]:
    if not on_holidays:
        return []
    return [str(_ln("%(num)d session falls on a public holiday: see the marked sessions.",
                    "%(num)d sessions fall on a public holiday: see the marked sessions.", len(on_holidays)))]


def _spec_warnings(spec: CycleSpec) -> list[str]:
    room = db.session.get(Room, spec.room_id) if spec.room_id else None
    if room is not None and room.capacity < spec.capacity:
        return [str(_l("%(room)s seats %(seats)d people, fewer than the cycle's capacity.",
                       room=room.name, seats=room.capacity))]
    return []


def _check_spec(spec: CycleSpec, cycle: Cycle | None) -> None:
    if db.session.get(Course, spec.course_id) is None:
        raise PlanningError(_l("Choose a course."))
    if spec.room_id is not None and db.session.get(Room, spec.room_id) is None:
        raise PlanningError(_l("Choose a room."))
    trainers = set(db.session.execute(
        select(UserRole.user_id).where(UserRole.user_id.in_(spec.trainer_ids), UserRole.role == Role.TRAINER)
    ).scalars())
    if trainers != set(spec.trainer_ids):
        raise PlanningError(_l("Only people with the trainer role can teach a cycle."))
    if cycle is not None and spec.capacity < cycle.seats_taken:
        raise PlanningError(_l("%(taken)d seats are taken: the capacity cannot be lower.",
                               taken=cycle.seats_taken))
    if spec.opens_on and spec.closes_on and spec.closes_on < spec.opens_on:
        raise PlanningError(_l("Enrolment cannot close before it opens."))


def save_cycle(cycle: Cycle | None, spec: CycleSpec, *, actor_id: int | None, now: datetime) -> Cycle:
    """Create or change a cycle and bring its sessions in line with the plan."""
    preview = preview_cycle(spec, cycle, now=now)
    if cycle is None:
        cycle = Cycle(created_by_id=actor_id, status=CycleStatus.DRAFT, seats_taken=0)
        db.session.add(cycle)
    _apply_spec(cycle, spec)
    db.session.flush()
    replan = preview.replan or compute_replan([], preview.plan, spec.room_id, now=None)
    _apply_replan(cycle, replan, actor_id)
    db.session.flush()
    if cycle.status is CycleStatus.PUBLISHED:
        fill_free_seats(cycle, now=now, actor_id=actor_id)  # the capacity may have grown
    record_event(actor_id, "cycle.saved", "cycle", cycle.id, title=cycle.title,
                 added=len(replan.added), moved=len(replan.moved), removed=len(replan.removed))
    return cycle


def _apply_spec(cycle: Cycle, spec: CycleSpec) -> None:
    rec = spec.recurrence
    cycle.course_id, cycle.title = spec.course_id, clean_display_text(spec.title) or ""
    cycle.recurrence_kind, cycle.rrule = rec.kind, rec.rule_text()
    cycle.first_date, cycle.start_time, cycle.duration_minutes = rec.first_date, rec.start_time, rec.duration_minutes
    cycle.session_count, cycle.until_date, cycle.skip_holidays = rec.count, rec.until, rec.skip_holidays
    cycle.room_id, cycle.capacity = spec.room_id, spec.capacity
    cycle.enrolment_opens_at = local_day_start(spec.opens_on) if spec.opens_on else None
    cycle.enrolment_closes_at = (
        local_day_start(spec.closes_on + timedelta(days=1)) if spec.closes_on else None
    )
    cycle.approval_required = spec.approval_required
    cycle.min_attendance_percent = spec.min_attendance_percent
    cycle.offer_hours, cycle.cancellation_hours = spec.offer_hours, spec.cancellation_hours
    wanted = set(spec.trainer_ids)
    cycle.trainer_links[:] = [link for link in cycle.trainer_links if link.user_id in wanted]
    have = {link.user_id for link in cycle.trainer_links}
    cycle.trainer_links.extend(CycleTrainer(user_id=uid) for uid in sorted(wanted - have))


def _apply_replan(cycle: Cycle, replan: Replan, actor_id: int | None) -> None:
    published = cycle.status is CycleStatus.PUBLISHED
    for session, planned in replan.moved:
        before = _snapshot(session)
        session.starts_at, session.ends_at, session.room_id = planned.starts_at, planned.ends_at, cycle.room_id
        session.status = SessionStatus.SCHEDULED
        _record_change(session, SessionChangeKind.MOVED, actor_id, published, before=before)
    for session in replan.removed:
        if published:
            session.status = SessionStatus.CANCELLED
            _record_change(session, SessionChangeKind.CANCELLED, actor_id, published)
        else:
            cycle.sessions.remove(session)
    for planned in replan.added:
        session = _new_session(cycle, planned, cycle.room_id)
        if published:
            _record_change(session, SessionChangeKind.ADDED, actor_id, published, bump=False)


def _new_session(cycle: Cycle, planned: PlannedSession, room_id: int | None, *,
                 by_hand: bool = False) -> ClassSession:
    session = ClassSession(
        starts_at=planned.starts_at, ends_at=planned.ends_at, room_id=room_id,
        planned_date=None if by_hand else planned.planned_date,
        changed_individually=by_hand, status=SessionStatus.SCHEDULED, revision=0,
    )
    cycle.sessions.append(session)
    return session


def _snapshot(session: ClassSession) -> dict[str, Any]:
    return {"starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
            "room_id": session.room_id}


def _record_change(session: ClassSession, kind: SessionChangeKind, actor_id: int | None,
                   published: bool = True, *, bump: bool = True, **details: Any) -> None:
    """Raise the revision (calendars' SEQUENCE) and, for a published cycle, store the event."""
    if bump:
        session.revision += 1
    if published:
        db.session.add(SessionChange(session=session, kind=kind, revision=session.revision,
                                     actor_id=actor_id, details=details))


def publish_cycle(cycle: Cycle, *, actor_id: int | None, now: datetime) -> None:
    if not any(s.starts_at > now and not s.cancelled for s in cycle.sessions):
        raise PlanningError(_l("A cycle needs a session ahead before it can be published."))
    cycle.change_status(CycleStatus.PUBLISHED)
    cycle.published_at = now
    db.session.flush()
    record_event(actor_id, "cycle.published", "cycle", cycle.id, title=cycle.title)
    events.record(EventKind.CYCLE_PUBLISHED, cycle_id=cycle.id, now=now)


def cancel_cycle(cycle: Cycle, *, actor_id: int | None, now: datetime) -> int:
    """Cancel the cycle and every session still ahead; returns how many sessions were cancelled."""
    published = cycle.status is CycleStatus.PUBLISHED
    cycle.change_status(CycleStatus.CANCELLED)
    cycle.cancelled_at = now
    ahead = [s for s in cycle.sessions if s.starts_at > now and not s.cancelled]
    for session in ahead:
        session.status = SessionStatus.CANCELLED
        _record_change(session, SessionChangeKind.CYCLE_CANCELLED, actor_id, published)
    db.session.flush()
    record_event(actor_id, "cycle.cancelled", "cycle", cycle.id, sessions=len(ahead))
    return len(ahead)


def finish_ended_cycles(now: datetime) -> int:
    """Mark published cycles whose last session has ended as finished (safe to run twice).

    The database picks them (a live session, and none still to end: two probes per published cycle
    along `class_sessions (cycle_id, ...)`), so only the cycles to finish are loaded.
    """
    live = and_(ClassSession.cycle_id == Cycle.id, ClassSession.status != SessionStatus.CANCELLED)
    cycles = db.session.execute(
        select(Cycle)
        .where(Cycle.status == CycleStatus.PUBLISHED, exists().where(live),
               ~exists().where(live, ClassSession.ends_at > now))
    ).scalars().all()
    for cycle in cycles:
        cycle.change_status(CycleStatus.FINISHED)
    db.session.flush()
    return len(cycles)


# --- one session at a time ------------------------------------------------------------------

def _check_changeable(session: ClassSession, now: datetime) -> None:
    if session.cycle.status not in (CycleStatus.DRAFT, CycleStatus.PUBLISHED):
        raise PlanningError(_l("Sessions of a cancelled or finished cycle cannot be changed."))
    if session.starts_at <= now:
        raise PlanningError(_l("This session has already begun; it cannot be changed."))


def _planned_local(day: date, start: time, duration_minutes: int) -> PlannedSession:
    return place_session(datetime.combine(day, start), duration_minutes, local_zone())


def move_session(session: ClassSession, *, day: date, start: time, duration_minutes: int,
                 room_id: int | None, actor_id: int | None, now: datetime) -> PlannedSession:
    """Give one session a new local date, time, length or room."""
    _check_changeable(session, now)
    planned = _planned_local(day, start, duration_minutes)
    if planned.starts_at <= now:
        raise PlanningError(_l("A session cannot be moved into the past."))
    before = _snapshot(session)
    session.starts_at, session.ends_at, session.room_id = planned.starts_at, planned.ends_at, room_id
    session.status, session.changed_individually = SessionStatus.MOVED, True
    _record_change(session, SessionChangeKind.MOVED, actor_id,
                   session.cycle.status is CycleStatus.PUBLISHED, before=before)
    db.session.flush()
    return planned


def cancel_session(session: ClassSession, *, actor_id: int | None, now: datetime) -> None:
    _check_changeable(session, now)
    if session.cancelled:
        raise PlanningError(_l("This session is already cancelled."))
    session.status, session.changed_individually = SessionStatus.CANCELLED, True
    _record_change(session, SessionChangeKind.CANCELLED, actor_id,
                   session.cycle.status is CycleStatus.PUBLISHED)
    db.session.flush()


def add_session(cycle: Cycle, *, day: date, start: time, duration_minutes: int,
                room_id: int | None, actor_id: int | None, now: datetime) -> ClassSession:
    """An extra session outside the recurrence."""
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.PUBLISHED):
        raise PlanningError(_l("Sessions of a cancelled or finished cycle cannot be changed."))
    planned = _planned_local(day, start, duration_minutes)
    if planned.starts_at <= now:
        raise PlanningError(_l("An extra session must lie ahead."))
    session = _new_session(cycle, planned, room_id, by_hand=True)
    db.session.flush()
    _record_change(session, SessionChangeKind.ADDED, actor_id,
                   cycle.status is CycleStatus.PUBLISHED, bump=False)
    db.session.flush()
    return session


def session_conflicts(session_like: tuple[datetime, datetime, int | None], cycle: Cycle) -> list[Conflict]:
    """Double bookings for one session of `cycle` at the given time and room."""
    return find_conflicts([session_like], cycle.trainer_ids, cycle.id)


def trainer_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name).join(UserRole).where(UserRole.role == Role.TRAINER, User.active)
        .order_by(User.name)
    ).all()
    return [(row.id, row.name) for row in rows]


def room_choices(include_id: int | None = None) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Room.id, Room.name, Room.active).order_by(Room.name)
    ).all()
    return [(row.id, row.name) for row in rows if row.active or row.id == include_id]


def course_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Course.id, Course.title).order_by(Course.title)).all()
    return [(row.id, row.title) for row in rows]
