"""People who registered interest in a course are told when one of its cycles is published."""
from __future__ import annotations

from datetime import datetime

from lms.events import cycle_published


def connect() -> None:
    cycle_published.connect(_tell_interested, weak=False)


def _tell_interested(cycle, now: datetime, **_extra) -> None:  # type: ignore[no-untyped-def]
    from lms.needs.service import notify_interested

    notify_interested(cycle, now=now)
