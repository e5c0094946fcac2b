"""Each cycle's attendance on the coordinator's dashboard, rolled up from its sessions, seats and
records, and kept until something it is made of changes.

Reading a page's records and rolling them up was two thirds of the dashboard's time at ×30
(docs/PERFORMANCE.md), yet between two visits most cycles on the page have not changed. A kept
roll-up holds until the cycle's attendance version moves, its status or minimum changes, or one of
its sessions ends (lms/attendance/kept.py).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from lms.attendance.kept import KeptPerCycle, cycle_key
from lms.attendance.models import ATTENDED, AttendanceStatus, ExcusedPolicy
from lms.attendance.queries import CycleAttendance, cycles_attendance
from lms.attendance.rules import AttendanceSummary
from lms.enrolment.models import EnrolmentStatus
from lms.planning.models import Cycle, CycleStatus
from lms.reports.queries import Tally


@dataclass(frozen=True)
class CycleRollUp:
    """What the dashboard shows of one cycle, apart from what its own row and certificates say."""

    seats: Counter[EnrolmentStatus]  # enrolments by status
    tallies: list[tuple[datetime, Tally]]  # the held sessions, each with its tally
    has_session_ahead: bool
    at_risk: list[AttendanceSummary]  # learners holding a seat in the running cycle
    policy: ExcusedPolicy


def roll_up(attendance: CycleAttendance, now: datetime) -> CycleRollUp:
    running = attendance.cycle.status is CycleStatus.PUBLISHED
    return CycleRollUp(
        seats=Counter(seat.status for seat in attendance.seats),
        tallies=session_tallies(attendance, now),
        has_session_ahead=any(not s.cancelled and s.ends_at > now for s in attendance.sessions),
        at_risk=[s for s in attendance.seat_summaries(now) if s.at_risk] if running else [],
        policy=attendance.policy,
    )


def session_tallies(attendance: CycleAttendance, now: datetime) -> list[tuple[datetime, Tally]]:
    """The cycle's held sessions in order, each with the seats held at its start and their records;
    a session at which nobody held a seat is left out. (The organisation report counts the same
    rule in SQL: `lms.reports.queries.enrolment_tallies`.)"""
    spans = [(seat.user_id, *seat.span) for seat in attendance.seats if seat.span]
    tallies = []
    for session in attendance.sessions:
        if session.cancelled or session.ends_at > now:
            continue
        starts = session.starts_at
        seated = [user_id for user_id, start, end in spans if start <= starts and (end is None or starts < end)]
        if not seated:
            continue
        records = attendance.records_by_session.get(session.id, {})
        statuses = [records.get(user_id) for user_id in seated]
        attended = sum(1 for status in statuses if status in ATTENDED)
        minutes = (session.ends_at - session.starts_at).total_seconds() / 60 * attended
        tallies.append((session.starts_at, Tally(len(seated), attended, statuses.count(AttendanceStatus.EXCUSED),
                                                 round(minutes))))
    return tallies


#: the roll-ups a process keeps (lms/attendance/kept.py), one per cycle
RollUps = KeptPerCycle[CycleRollUp]


def roll_ups_of(cycles: list[Cycle], now: datetime, kept: RollUps | None = None) -> list[CycleRollUp]:
    """Each cycle's roll-up, in order: those kept as they are, the others from four queries.

    The key of each is taken from the cycle as loaded, before its records are read: a change
    committed in between then shows in the records and moves the version, and the next request
    rolls the cycle up again rather than keep a roll-up that misses the change.
    """
    found = {cycle.id: kept.get(cycle, now) for cycle in cycles} if kept is not None else {}
    missing = [cycle for cycle in cycles if found.get(cycle.id) is None]
    keys = {cycle.id: cycle_key(cycle) for cycle in missing}
    for attendance in cycles_attendance(missing):
        found[attendance.cycle.id] = fresh = roll_up(attendance, now)
        if kept is not None:
            kept.keep(attendance.cycle.id, keys[attendance.cycle.id], [s.ends_at for s in attendance.sessions], now, fresh)
    return [found[cycle.id] for cycle in cycles]  # type: ignore[misc]
