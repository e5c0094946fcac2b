"""The hand-written .ics writer: escaping, folding, local times and invitations survive a parse,
and the result matches what the icalendar-based builder it replaced produced."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
from icalendar import Alarm, Calendar, Event

from lms.notifications.calendar import (PRODID, REMINDER_BEFORE, CalendarEvent, build_calendar,
                                        session_uid)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GENERATED = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
TRICKY = ("Kurs, del 1; \"grunder\" \\ C:\\new \\; \\,\nandra raden\r\ntredje raden\tmed tabb\r"
          "fjärde")
SWEDISH = ("Föreningsekonomi för styrelseledamöter: årsmöte, räkenskaper och återrapportering "
           "till medlemmarna – en övning i Malmö, Göteborg och Umeå")


def event(n: int, *, starts_at: datetime, hours: int = 2, **values) -> CalendarEvent:
    defaults = dict(uid=session_uid(n), summary=f"Pass {n}", starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=hours), location="", sequence=0,
                    cancelled=False)
    return CalendarEvent(**{**defaults, **values})


def local(*args) -> datetime:
    """A Stockholm wall time as the UTC instant the database holds."""
    return datetime(*args, tzinfo=STOCKHOLM).astimezone(timezone.utc)


def build(events, **kwargs) -> bytes:
    return build_calendar(events, name=kwargs.pop("name", "Kompetenscentret"), zone=STOCKHOLM,
                          generated_at=GENERATED, **kwargs)


def parsed_events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def reference_build_calendar(events, *, name, zone, generated_at, method="PUBLISH",
                             organizer=None, attendee=None) -> bytes:
    """The icalendar-based builder as it was before the direct writer: the reference."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    for item in events:
        vevent = Event()
        vevent.add("uid", item.uid)
        vevent.add("dtstamp", generated_at)
        vevent.add("dtstart", item.starts_at.astimezone(zone))
        vevent.add("dtend", item.ends_at.astimezone(zone))
        vevent.add("summary", item.summary)
        vevent.add("sequence", item.sequence)
        vevent.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        if item.location:
            vevent.add("location", item.location)
        if item.description:
            vevent.add("description", item.description)
        if item.url:
            vevent.add("url", item.url)
        if not item.cancelled:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", -REMINDER_BEFORE)
            vevent.add_component(alarm)
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


def shape(component) -> tuple:
    """A component as comparable values: its properties (any order) and its subcomponents."""
    properties = []
    for name, values in component.items():
        for value in values if isinstance(values, list) else [values]:
            properties.append((name, value.to_ical(), sorted(value.params.items())))
    return component.name, sorted(properties), sorted(shape(c) for c in component.subcomponents)


def test_text_values_parse_back_exactly():
    body = build([event(1, starts_at=local(2027, 3, 2, 18), summary=SWEDISH, location=TRICKY,
                        description=f"{TRICKY}\x00\n{SWEDISH}", url="https://example.org/a,b;c?d=1&e=2")],
                 name="Kalender; Malmö, Lund")
    calendar = icalendar.Calendar.from_ical(body)
    parsed = calendar.walk("VEVENT")[0]
    expected = TRICKY.replace("\r\n", "\n").replace("\r", "\n")
    assert str(parsed["SUMMARY"]) == SWEDISH
    assert str(parsed["LOCATION"]) == expected
    assert str(parsed["DESCRIPTION"]) == f"{expected}\n{SWEDISH}"  # no control characters
    assert str(parsed["URL"]) == "https://example.org/a,b;c?d=1&e=2"
    assert str(parsed.walk("VALARM")[0]["DESCRIPTION"]) == SWEDISH
    assert "X-WR-CALNAME:Kalender\\; Malmö\\, Lund\r\n".encode() in body  # icalendar leaves X- values raw
    assert b"URL:https://example.org/a,b;c?d=1&e=2\r\n" in body


def test_every_line_ends_in_crlf_and_fits_in_75_octets():
    body = build([event(1, starts_at=local(2027, 3, 2, 18), summary=SWEDISH * 3,
                        location=TRICKY * 4, description=SWEDISH)])
    lines = physical_lines(body)
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) == 75
    assert sum(line.startswith(b" ") for line in lines) > 5


@pytest.mark.parametrize("padding", range(4))
def test_a_fold_never_splits_a_character(padding):
    """Two-, three- and four-octet characters lined up against the fold at every offset."""
    summary = "x" * padding + "åäö€😀" * 40
    body = build([event(1, starts_at=local(2027, 3, 2, 18), summary=summary)])
    lines = physical_lines(body)
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")
    assert str(parsed_events(body)[session_uid(1)]["SUMMARY"]) == summary


def test_times_keep_their_instant_across_daylight_saving():
    march = event(1, starts_at=local(2027, 3, 21, 18))  # winter time, a week before the change
    april = event(2, starts_at=local(2027, 4, 4, 18))  # summer time
    november = event(3, starts_at=local(2028, 11, 7, 9, 30), hours=3)  # winter again, next year
    body = build([march, april, november])
    by_uid = parsed_events(body)
    for original in (march, april, november):
        parsed = by_uid[original.uid]
        for key, instant in (("DTSTART", original.starts_at), ("DTEND", original.ends_at)):
            assert parsed[key].params["TZID"] == "Europe/Stockholm"
            assert parsed.decoded(key) == instant
    assert b"DTSTART;TZID=Europe/Stockholm:20270321T180000\r\n" in body
    assert b"DTSTART;TZID=Europe/Stockholm:20270404T180000\r\n" in body
    assert b"DTEND;TZID=Europe/Stockholm:20281107T123000\r\n" in body
    assert b"DTSTAMP:20270101T120000Z\r\n" in body


def test_the_vtimezone_covers_the_events():
    """The zone rebuilt from the file's own VTIMEZONE (not looked up by name) agrees with tzdata."""
    starts = [local(2027, 3, 21, 18), local(2027, 4, 4, 18), local(2028, 11, 7, 9, 30)]
    body = build([event(n, starts_at=s) for n, s in enumerate(starts)])
    [vtimezone] = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/Stockholm"
    assert "2027-01-01 to 2029-01-01" in str(vtimezone["COMMENT"])
    own = vtimezone.to_tz(lookup_tzid=False)
    for start in (s.astimezone(STOCKHOLM) for s in starts):
        assert start.replace(tzinfo=own).utcoffset() == start.utcoffset()
    assert body.index(b"BEGIN:VTIMEZONE") < body.index(b"BEGIN:VEVENT")


def test_an_invitation_names_organizer_and_attendee():
    body = build([event(1, starts_at=local(2027, 3, 2, 18), sequence=2)], method="REQUEST",
                 organizer="kurser@example.org", attendee="anna@example.org")
    calendar = icalendar.Calendar.from_ical(body)
    parsed = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(parsed["ORGANIZER"]) == "mailto:kurser@example.org"
    assert str(parsed["ATTENDEE"]) == "mailto:anna@example.org"
    assert parsed["ATTENDEE"].params["RSVP"] == "FALSE"
    assert parsed["SEQUENCE"] == 2 and str(parsed["STATUS"]) == "CONFIRMED"
    assert parsed.walk("VALARM")[0].decoded("TRIGGER") == -REMINDER_BEFORE


def test_a_cancellation_is_cancelled_and_has_no_alarm():
    body = build([event(1, starts_at=local(2027, 3, 2, 18), sequence=3, cancelled=True)],
                 method="CANCEL", organizer="kurser@example.org", attendee="anna@example.org")
    calendar = icalendar.Calendar.from_ical(body)
    parsed = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(parsed["STATUS"]) == "CANCELLED" and parsed["SEQUENCE"] == 3
    assert parsed.walk("VALARM") == []


def test_an_empty_calendar_has_only_the_header():
    calendar = icalendar.Calendar.from_ical(build([]))
    assert calendar.subcomponents == []
    assert str(calendar["PRODID"]) == PRODID and str(calendar["X-WR-TIMEZONE"]) == "Europe/Stockholm"


VARIED = [
    event(1, starts_at=local(2027, 1, 12, 18), location="Verkstaden, Norra Grängesbergsgatan 26, 214 50 Malmö",
          url="http://localhost/cycles/7"),
    event(2, starts_at=local(2027, 3, 28, 10), summary=SWEDISH, sequence=4,
          description="Ta med: dator; laddare, \\ och\nbra humör"),
    event(3, starts_at=local(2027, 6, 1, 17, 15), summary=TRICKY, cancelled=True, sequence=1,
          location="Rum 3"),
    event(4, starts_at=local(2027, 10, 31, 1, 30), summary="Över natten", hours=3),
    event(5, starts_at=local(2028, 12, 31, 21), summary="Nyårsafton 😀", hours=2,
          url="https://example.org/a,b;c", description=SWEDISH * 2),
]


@pytest.mark.parametrize("invitation", [
    {},
    {"method": "REQUEST", "organizer": "kurser@example.org", "attendee": "anna@example.org"},
    {"method": "CANCEL", "organizer": "kurser@example.org", "attendee": "bo@example.org"},
])
@pytest.mark.parametrize("events", [VARIED, VARIED[:1], VARIED[2:3], []], ids=["all", "one", "cancelled", "none"])
def test_the_writer_matches_the_icalendar_builder(events, invitation):
    kwargs = dict(name="Föreningsekonomi (Våren 2027)", zone=STOCKHOLM, generated_at=GENERATED,
                  **invitation)
    ours = icalendar.Calendar.from_ical(build_calendar(events, **kwargs))
    reference = icalendar.Calendar.from_ical(reference_build_calendar(events, **kwargs))
    assert shape(ours) == shape(reference)
