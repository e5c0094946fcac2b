"""iCalendar (RFC 5545) files of sessions: one cycle as a download, or a person's feed.

Each session keeps one UID for its whole life; SEQUENCE is its revision, so a calendar app
replaces a moved session instead of adding a second one, and a cancelled session is sent with
STATUS:CANCELLED rather than left out. Times are written in Europe/Stockholm with a VTIMEZONE.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from lms.planning.models import ClassSession, CycleStatus

PRODID = "-//Kompetenscentret//Kursplanering//SV"
UID_DOMAIN = "kompetenscentret"
REMINDER_BEFORE = timedelta(hours=2)


@dataclass(frozen=True)
class CalendarEvent:
    """One session as plain values."""

    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str
    sequence: int
    cancelled: bool
    description: str = ""
    url: str = ""


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@{UID_DOMAIN}"


def session_event(session: ClassSession, *, url: str = "", description: str = "") -> CalendarEvent:
    cycle = session.cycle
    room = session.room
    return CalendarEvent(
        uid=session_uid(session.id),
        summary=f"{cycle.course.title} ({cycle.title})",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=room.location if room else "",
        sequence=session.revision,
        cancelled=session.cancelled or cycle.status is CycleStatus.CANCELLED,
        description=description,
        url=url,
    )


def build_calendar(events: list[CalendarEvent], *, name: str, zone: ZoneInfo,
                   generated_at: datetime, method: str = "PUBLISH",
                   organizer: str | None = None, attendee: str | None = None) -> bytes:
    """An .ics file with the events in local time, the VTIMEZONE they need, and a reminder each.

    E-mailed invitations use METHOD:REQUEST (or CANCEL), which calendar programs expect to name
    an ORGANIZER and the ATTENDEE: give both e-mail addresses for those.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    for event in events:
        vevent = _vevent(event, zone, generated_at)
        if organizer:
            vevent.add("organizer", f"mailto:{organizer}")
        if attendee:
            vevent.add("attendee", f"mailto:{attendee}", parameters={"RSVP": "FALSE"})
        calendar.add_component(vevent)
    if events:
        first = min(e.starts_at for e in events).date()
        last = max(e.ends_at for e in events).date()
        calendar.add_missing_timezones(first_date=date(first.year, 1, 1),
                                       last_date=date(last.year + 1, 1, 1))
    return calendar.to_ical()


def _vevent(event: CalendarEvent, zone: ZoneInfo, generated_at: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", generated_at)
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    vevent.add("summary", event.summary)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    if not event.cancelled:
        vevent.add_component(_alarm(event.summary))
    return vevent


def _alarm(summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -REMINDER_BEFORE)
    return alarm
