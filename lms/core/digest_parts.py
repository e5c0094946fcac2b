"""The parts of a weekly digest section, for any package to build (lms/notifications/digest.py
collects the sections; these plain values live here so that packages below notifications can
return them without importing it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import LazyString


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00 in the center's time zone, as UTC instants."""

    monday: date
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, day: date, zone: ZoneInfo) -> Week:
        monday = day - timedelta(days=day.weekday())
        start = datetime.combine(monday, time(0, 0), tzinfo=zone)
        end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=zone)
        return cls(monday, start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC")))

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2027-W02: part of each digest's dedupe key."""
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"


@dataclass(frozen=True)
class DigestItem:
    """One line: what (course and cycle, an offer, a certificate), when if it has a time, a link."""

    text: str | LazyString
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    detail: str | LazyString = ""
    link: str = ""
    deadline: datetime | None = None  # shown as "<deadline_label> <date, time>", e.g. "Answer by …"
    deadline_label: str | LazyString = ""


@dataclass(frozen=True)
class DigestSection:
    """A heading and its lines, for one person; texts may be lazy (rendered in their language)."""

    heading: str | LazyString
    items: list[DigestItem] = field(default_factory=list)
