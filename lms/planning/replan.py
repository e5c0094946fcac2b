"""Comparing a cycle's sessions with a (new) plan, and double bookings against other cycles."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.planning.models import (
    ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus,
)
from lms.planning.queries import with_trainers
from lms.planning.recurrence import Plan, PlannedSession


@dataclass
class Replan:
    """What saving a plan does to a cycle's sessions; shown before it is done."""

    kept: list[ClassSession] = field(default_factory=list)  # past, or changed by hand
    unchanged: list[ClassSession] = field(default_factory=list)
    moved: list[tuple[ClassSession, PlannedSession]] = field(default_factory=list)
    added: list[PlannedSession] = field(default_factory=list)
    removed: list[ClassSession] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.moved or self.added or self.removed)


def compute_replan(existing: list[ClassSession], plan: Plan, room_id: int | None,
                   now: datetime | None) -> Replan:
    """Match the plan to the sessions by their recurrence date; leave the past and hand-made changes.

    A session that has started, or was moved, cancelled or added by hand, is kept as it is, and
    the plan's occurrence on the same date is not added again. Other future sessions follow the
    plan: same date → moved if the time or room differs; no longer planned → removed.
    For a new cycle `now` is None: every planned session is added, also those in the past.
    """
    result = Replan()
    open_by_date: dict[date, list[ClassSession]] = defaultdict(list)
    blocked: set[date] = set()
    for session in existing:
        if (now is not None and session.starts_at <= now) or session.changed_individually:
            result.kept.append(session)
            if session.changed_individually and session.planned_date:
                blocked.add(session.planned_date)
        elif session.status is SessionStatus.CANCELLED:
            result.kept.append(session)  # cancelled by an earlier plan: history for calendars
        else:
            open_by_date[session.planned_date].append(session)
    for planned in plan.sessions:
        if (now is not None and planned.starts_at <= now) or planned.planned_date in blocked:
            continue
        candidates = open_by_date.get(planned.planned_date)
        session = candidates.pop(0) if candidates else None
        if session is None:
            result.added.append(planned)
        elif (session.starts_at, session.ends_at, session.room_id) == (
                planned.starts_at, planned.ends_at, room_id):
            result.unchanged.append(session)
        else:
            result.moved.append((session, planned))
    result.removed = [s for sessions in open_by_date.values() for s in sessions]
    return result


@dataclass(frozen=True)
class Conflict:
    """Another cycle's session at the same time in the same room, or with the same trainer."""

    starts_at: datetime
    reason: str  # "room" or "trainer"
    other_cycle: str
    other_starts_at: datetime
    trainer: str | None = None


def find_conflicts(intervals: list[tuple[datetime, datetime, int | None]], trainer_ids: list[int],
                   exclude_cycle_id: int | None) -> list[Conflict]:
    """Double bookings of the rooms or trainers in `intervals` (start, end, room) by other cycles."""
    if not intervals:
        return []
    others = _overlapping_sessions(intervals, trainer_ids, exclude_cycle_id)
    found = []
    for start, end, room_id in intervals:
        for other in others:
            if other.starts_at < end and other.ends_at > start:
                found += _clashes(start, room_id, trainer_ids, other)
    return found


def _overlapping_sessions(intervals, trainer_ids, exclude_cycle_id) -> list[ClassSession]:
    rooms = {room_id for _, _, room_id in intervals if room_id is not None}
    trainer_cycles = select(CycleTrainer.cycle_id).where(CycleTrainer.user_id.in_(trainer_ids or [-1]))
    query = (
        select(ClassSession)
        .join(ClassSession.cycle)
        .options(joinedload(ClassSession.cycle).joinedload(Cycle.course), with_trainers(joinedload(ClassSession.cycle)))
        .where(
            ClassSession.status != SessionStatus.CANCELLED,
            Cycle.status.in_([CycleStatus.DRAFT, CycleStatus.PUBLISHED]),
            ClassSession.starts_at < max(end for _, end, _ in intervals),
            ClassSession.ends_at > min(start for start, _, _ in intervals),
            or_(ClassSession.room_id.in_(rooms or [-1]), ClassSession.cycle_id.in_(trainer_cycles)),
        )
    )
    if exclude_cycle_id is not None:
        query = query.where(ClassSession.cycle_id != exclude_cycle_id)
    return list(db.session.execute(query).unique().scalars())


def _clashes(start: datetime, room_id: int | None, trainer_ids: list[int],
             other: ClassSession) -> list[Conflict]:
    label = f"{other.cycle.course.title}: {other.cycle.title}"
    clashes = []
    if room_id is not None and other.room_id == room_id:
        clashes.append(Conflict(start, "room", label, other.starts_at))
    for link in other.cycle.trainer_links:
        if link.user_id in trainer_ids:
            clashes.append(Conflict(start, "trainer", label, other.starts_at, link.user.name))
    return clashes
