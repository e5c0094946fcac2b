"""The attendance rule, as pure arithmetic on plain values (no database, no clock).

A learner is held to the sessions of the cycle that are not cancelled, start at or after the
moment they got their seat, and (if they left) start before they withdrew. A session is *held*
once it has ended, or earlier once the learner has a record for it (a check-in counts at once).
A held session without a record counts as missed. Present and late count as attended; how an
excused absence counts is the cycle's policy (docs/attendance.md).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from lms.attendance.models import ATTENDED, AttendanceStatus, ExcusedPolicy


@dataclass(frozen=True)
class SessionFacts:
    id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


class Standing(str, enum.Enum):
    MET = "met"  # the minimum is reached even if every remaining session is missed
    ON_TRACK = "on_track"
    ONE_AWAY = "one_away"  # one more missed session and the minimum is out of reach
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class AttendanceSummary:
    """Where one learner stands in one cycle (the interface the certificates work reads)."""

    user_id: int
    cycle_id: int
    policy: ExcusedPolicy
    minimum_percent: int
    held: int  # sessions held so far that the learner is held to
    attended: int  # present or late
    excused: int
    missed: int  # absent or not recorded
    ahead: int  # sessions still to come that the learner is held to
    counted_so_far: int  # the denominator of `percent`, after the excused policy
    attended_counted: int  # the numerator of `percent`, after the excused policy
    needed: int  # attended sessions needed by the end of the cycle
    percent: float | None  # None until a session counts

    @property
    def can_miss(self) -> int:
        """How many more sessions may be missed (not excused) with the minimum still reached."""
        return max(0, min(self.ahead, self._slack))

    @property
    def _slack(self) -> int:
        return self.attended_counted + self.ahead - self.needed

    @property
    def can_still_reach(self) -> bool:
        return self._slack >= 0

    @property
    def standing(self) -> Standing:
        if not self.can_still_reach:
            return Standing.UNREACHABLE
        if self.attended_counted >= self.needed:
            return Standing.MET
        if self._slack == 0:
            return Standing.ONE_AWAY
        return Standing.ON_TRACK

    @property
    def at_risk(self) -> bool:
        """Past reach, or one absence from it after having missed a session already.

        In a short cycle with a high minimum everyone starts with no absence to spare; that alone
        is not a warning.
        """
        standing = self.standing
        if standing is Standing.UNREACHABLE:
            return True
        return standing is Standing.ONE_AWAY and self.attended_counted < self.counted_so_far


def counted_sessions(sessions: Iterable[SessionFacts], enrolled_at: datetime,
                     left_at: datetime | None) -> list[SessionFacts]:
    """The sessions a learner is held to: not cancelled, while they held their seat."""
    return [s for s in sessions
            if not s.cancelled and enrolled_at <= s.starts_at and (left_at is None or s.starts_at < left_at)]


def summarise(*, user_id: int, cycle_id: int, sessions: Iterable[SessionFacts], enrolled_at: datetime,
              left_at: datetime | None, records: Mapping[int, AttendanceStatus], policy: ExcusedPolicy,
              minimum_percent: int, now: datetime) -> AttendanceSummary:
    """Apply the rule to one learner's sessions and records (session id → status)."""
    counted = counted_sessions(sessions, enrolled_at, left_at)
    held = [s for s in counted if s.ends_at <= now or s.id in records]
    statuses = [records.get(s.id) for s in held]
    return summarise_counts(
        user_id=user_id, cycle_id=cycle_id, policy=policy, minimum_percent=minimum_percent,
        sessions=len(counted), held=len(held),
        attended=sum(1 for status in statuses if status in ATTENDED),
        excused=sum(1 for status in statuses if status is AttendanceStatus.EXCUSED),
    )


def summarise_counts(*, user_id: int, cycle_id: int, policy: ExcusedPolicy, minimum_percent: int,
                     sessions: int, held: int, attended: int, excused: int) -> AttendanceSummary:
    """The rule on counts a database can aggregate: the sessions the learner is held to, how many
    of them are held, and how many of those were attended or excused."""
    numerator, denominator, final_total = _apply_policy(policy, attended, excused, held, sessions)
    return AttendanceSummary(
        user_id=user_id, cycle_id=cycle_id, policy=policy, minimum_percent=minimum_percent,
        held=held, attended=attended, excused=excused, missed=held - attended - excused,
        ahead=sessions - held, counted_so_far=denominator, attended_counted=numerator,
        needed=_ceil_div(minimum_percent * final_total, 100),
        percent=round(100 * numerator / denominator, 1) if denominator else None,
    )


def _apply_policy(policy: ExcusedPolicy, attended: int, excused: int, held: int,
                  total: int) -> tuple[int, int, int]:
    """(numerator so far, denominator so far, denominator at the end of the cycle)."""
    if policy is ExcusedPolicy.NOT_COUNTED:
        return attended, held - excused, total - excused
    if policy is ExcusedPolicy.ATTENDED:
        return attended + excused, held, total
    return attended, held, total


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)
