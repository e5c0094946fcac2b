"""What a process keeps of each cycle's attendance figures until something they are made of changes.

The coordinator's dashboard keeps each cycle's roll-up (lms/reports/roll_ups.py) and the list of
learners at risk keeps each running cycle's learners at risk (lms/attendance/queries.py `at_risk`).
A kept value holds as long as
- the cycle's attendance version has not moved: the database moves it whenever the cycle's
  sessions, seats, records or excused-absence rule change (lms/attendance/versions.py);
- the cycle keeps its status and its minimum attendance;
- no session of the cycle has ended since, nor is `now` before the last one that had.

Each process keeps its own values. The version, read with the cycle on every request, keeps all
of them right, however many web servers there are. The key of a value is taken from the cycle as
loaded, before its records are read: a change committed in between then shows in the records and
moves the version, and the next request works the cycle out again rather than keep a value that
misses the change.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Iterable, TypeVar

from lms.planning.models import Cycle, CycleStatus

T = TypeVar("T")

CycleKey = tuple[int, CycleStatus, int]


def cycle_key(cycle: Cycle) -> CycleKey:
    return cycle.attendance_version, cycle.status, cycle.min_attendance_percent


@dataclass(frozen=True)
class _Kept(Generic[T]):
    key: CycleKey
    after: datetime | None  # the last session end at or before the `now` it was worked out for
    before: datetime | None  # the first session end after it
    value: T

    def holds(self, key: CycleKey, now: datetime) -> bool:
        return (key == self.key and (self.after is None or self.after <= now)
                and (self.before is None or now < self.before))


class KeptPerCycle(Generic[T]):
    """The values a process keeps, one per cycle and at most `size`, the least used leaving first.

    Web servers serve requests on several threads, which share one of these.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[int, _Kept[T]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, cycle: Cycle, now: datetime) -> T | None:
        with self._lock:
            kept = self._kept.get(cycle.id)
            if kept is None or not kept.holds(cycle_key(cycle), now):
                return None
            self._kept.move_to_end(cycle.id)
            return kept.value

    def keep(self, cycle_id: int, key: CycleKey, ends: Iterable[datetime | None], now: datetime, value: T) -> None:
        """Keep `value`, worked out at `now` from the cycle as it was at `key`; `ends` are the ends
        of its sessions (or only the last one at or before `now` and the first one after it)."""
        if not self.size:
            return
        ends = [end for end in ends if end is not None]
        kept = _Kept(key, max((end for end in ends if end <= now), default=None),
                     min((end for end in ends if end > now), default=None), value)
        with self._lock:
            self._kept[cycle_id] = kept
            self._kept.move_to_end(cycle_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
