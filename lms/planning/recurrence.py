"""Turning a recurrence planned in local wall-clock time into sessions stored in UTC.

Sessions are generated with `dateutil.rrule` on naive local datetimes, so that a weekly 18:00
session stays at 18:00 local time on both sides of a daylight-saving change, and only then
placed in the time zone (see docs/planning.md for the rules on the two nights a year):

- a local time that does not exist (02:30 on the spring-forward night) is shifted forward by the
  length of the gap (to 03:30), with a warning in the preview;
- a local time that occurs twice (02:30 on the fall-back night) means its first occurrence
  (summer time, `fold=0`), with a warning in the preview.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, rrulestr
from flask_babel import lazy_gettext as _l

from lms.core.input import LATEST_DATE
from lms.planning.models import PlanningError, RecurrenceKind

#: a safety limit: no cycle has more sessions than this
MAX_SESSIONS = 200
#: a safety limit: no cycle runs longer than this many years after its first date
MAX_YEARS = 5
#: how many raw occurrences are looked at before giving up (holidays and limits skip some)
MAX_SCAN = 2000
WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: days off at the center: public holidays ("röda dagar") and the de facto ones (midsummer,
#: Christmas and New Year's Eve)
HOLIDAY_CATEGORIES = ("public", "de_facto")


class TimeNote(str, enum.Enum):
    """Why a session's local time differs from, or is less certain than, the planned time."""

    NONEXISTENT = "nonexistent"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Recurrence:
    """A recurrence as the coordinator plans it, in local time."""

    kind: RecurrenceKind
    first_date: date
    start_time: time
    duration_minutes: int
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    interval: int = 1
    nth: int = 1  # monthly: 1-4, or -1 for the last
    raw_rule: str = ""
    count: int | None = None
    until: date | None = None
    skip_holidays: bool = True

    def rule_text(self) -> str:
        """The RFC 5545 RRULE (without COUNT/UNTIL for the guided kinds: they are kept apart)."""
        if self.kind is RecurrenceKind.WEEKLY:
            days = ",".join(WEEKDAY_CODES[d] for d in sorted(set(self.weekdays)))
            return f"FREQ=WEEKLY;INTERVAL={self.interval};BYDAY={days}"
        if self.kind is RecurrenceKind.MONTHLY:
            day = WEEKDAY_CODES[self.weekdays[0]]
            return f"FREQ=MONTHLY;INTERVAL={self.interval};BYDAY={self.nth:+d}{day}"
        return normalise_rule(self.raw_rule)


@dataclass(frozen=True)
class PlannedSession:
    planned_date: date
    local_start: datetime  # aware, in the planning time zone
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    note: TimeNote | None = None


@dataclass
class Plan:
    sessions: list[PlannedSession] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)  # holidays left out


def normalise_rule(text: str) -> str:
    """An expert's RRULE, upper-cased, without a leading `RRULE:`; DTSTART is not accepted."""
    rule = "".join(text.split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    if not rule or "DTSTART" in rule or "\n" in text.strip():
        raise PlanningError(_l("Write one RRULE, for example FREQ=WEEKLY;BYDAY=TU;COUNT=8."))
    parts = dict(part.partition("=")[::2] for part in rule.split(";") if part)
    if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
        raise PlanningError(_l("The RRULE needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY."))
    return rule


def rule_parts(rule: str) -> dict[str, str]:
    """The NAME=value pairs of an RRULE, to fill the form again when a cycle is edited."""
    return dict(part.partition("=")[::2] for part in rule.split(";") if part)


def _local_starts(recurrence: Recurrence):
    """Naive local datetimes of every occurrence, lazily and in order."""
    start = datetime.combine(recurrence.first_date, recurrence.start_time)
    if recurrence.kind is RecurrenceKind.RRULE:
        try:
            return iter(rrulestr(recurrence.rule_text(), dtstart=start, ignoretz=True))
        except (ValueError, TypeError) as error:
            raise PlanningError(_l("The RRULE could not be read: %(error)s", error=str(error))) from None
    if not recurrence.weekdays:
        raise PlanningError(_l("Choose at least one weekday."))
    if recurrence.kind is RecurrenceKind.WEEKLY:
        byday = [WEEKDAYS[d] for d in sorted(set(recurrence.weekdays))]
        return iter(rrule(WEEKLY, dtstart=start, interval=recurrence.interval, byweekday=byday))
    byday = WEEKDAYS[recurrence.weekdays[0]](recurrence.nth)
    return iter(rrule(MONTHLY, dtstart=start, interval=recurrence.interval, byweekday=byday))


def plan_sessions(recurrence: Recurrence, zone: ZoneInfo, language: str = "sv") -> Plan:
    """Every session of `recurrence` in order, holidays left out, ends applied, times placed.

    What a rule may give is bounded: at most MAX_SESSIONS sessions, none later than
    `last_allowed_date` (MAX_YEARS after the first date, and never after LATEST_DATE). A rule that
    goes further, or that cannot give the number of sessions asked for, is refused with the reason,
    never cut short without a word.
    """
    if recurrence.count is None and recurrence.until is None and not _rule_ends(recurrence):
        raise PlanningError(_l("Say when the cycle ends: a number of sessions or a last date."))
    plan, last_allowed = Plan(), last_allowed_date(recurrence.first_date)
    occurrences = _local_starts(recurrence)
    for local in islice(occurrences, MAX_SCAN):
        if recurrence.until is not None and local.date() > recurrence.until:
            break
        if local.date() > last_allowed:
            raise PlanningError(_l("A cycle may run for at most %(years)d years: this recurrence has sessions "
                                   "after %(last)s. Choose a shorter interval or fewer sessions.",
                                   years=MAX_YEARS, last=last_allowed.isoformat()))
        name = holiday_name(local.date(), language) if recurrence.skip_holidays else None
        if name:
            plan.skipped.append((local.date(), name))
            continue
        plan.sessions.append(place_session(local, recurrence.duration_minutes, zone))
        if recurrence.count is not None and len(plan.sessions) >= recurrence.count:
            break
        if len(plan.sessions) > MAX_SESSIONS:
            raise PlanningError(_l("A cycle can have at most %(max)d sessions.", max=MAX_SESSIONS))
    else:
        _check_nothing_left_out(recurrence, plan, occurrences)
    if not plan.sessions:
        raise PlanningError(_l("This recurrence gives no sessions."))
    return plan


def last_allowed_date(first_date: date) -> date:
    """The latest date a session of a cycle starting on `first_date` may have."""
    try:
        limit = first_date.replace(year=first_date.year + MAX_YEARS)
    except ValueError:  # 29 February
        limit = first_date.replace(year=first_date.year + MAX_YEARS, day=28)
    return min(limit, LATEST_DATE)


def _check_nothing_left_out(recurrence: Recurrence, plan: Plan, occurrences) -> None:
    """The rule ended (or the scan gave up) before its end: refuse if sessions asked for are missing."""
    more = next(occurrences, None)
    if more is not None and (recurrence.until is None or more.date() <= recurrence.until):
        raise PlanningError(_l("This recurrence skips too many dates to be planned: make it simpler."))
    if recurrence.count is not None and len(plan.sessions) < recurrence.count:
        raise PlanningError(_l("This recurrence gives only %(found)d of the %(count)d sessions asked for.",
                               found=len(plan.sessions), count=recurrence.count))


def _rule_ends(recurrence: Recurrence) -> bool:
    parts = rule_parts(recurrence.rule_text()) if recurrence.kind is RecurrenceKind.RRULE else {}
    return "COUNT" in parts or "UNTIL" in parts


def place_session(local: datetime, duration_minutes: int, zone: ZoneInfo) -> PlannedSession:
    """Put a naive local start into `zone`, dealing deliberately with the two DST nights."""
    starts_at, note = to_utc(local, zone)
    return PlannedSession(
        planned_date=local.date(),
        local_start=starts_at.astimezone(zone),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes),
        note=note,
    )


def to_utc(local: datetime, zone: ZoneInfo) -> tuple[datetime, TimeNote | None]:
    """The UTC instant of a naive local wall-clock time, and a note if it was not plain.

    `fold=0` gives the offset in force before a transition: for a time in the spring gap that is
    winter time, so 02:30 becomes 01:30 UTC = 03:30 summer time (shifted forward by the gap); for
    a time that occurs twice it is summer time, the first of the two.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    utc = first.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        return utc, TimeNote.NONEXISTENT
    if first.utcoffset() != second.utcoffset():
        return utc, TimeNote.AMBIGUOUS
    return utc, None


@lru_cache(maxsize=64)
def _holidays(year: int, language: str) -> dict[date, str]:
    found = holidays.country_holidays(
        "SE", years=year, language="sv" if language == "sv" else "en_US",
        categories=HOLIDAY_CATEGORIES,
    )
    # Some versions of the library count every Sunday as a Swedish holiday ("Söndag"): a Sunday
    # is no reason to skip a session, so only named holidays are kept.
    named = {}
    for day, names in found.items():
        kept = [name for name in names.split("; ") if name not in {"Söndag", "Sunday"}]
        if kept:
            named[day] = "; ".join(kept)
    return named


def holiday_name(day: date, language: str = "sv") -> str | None:
    """The name of the Swedish holiday on `day` (public or de facto), or None."""
    return _holidays(day.year, language).get(day)


# --- saying a rule in words ------------------------------------------------------------------

def _day_name(code: str) -> str:
    """A weekday as in "every Tuesday", by Babel's locale data for the current language."""
    from babel.dates import get_day_names
    from flask_babel import get_locale

    return get_day_names("wide", locale=get_locale() or "sv")[WEEKDAY_CODES.index(code)]
#: "the first Tuesday of every month", by the number before the weekday in BYDAY
_MONTHLY_NTH = {
    1: _l("the first %(day)s of every month"), 2: _l("the second %(day)s of every month"),
    3: _l("the third %(day)s of every month"), 4: _l("the fourth %(day)s of every month"),
    -1: _l("the last %(day)s of every month"),
}
_KNOWN_PARTS = {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}


def describe_rule(rule: str, count: int | None = None, until: date | None = None) -> str:
    """A recurrence rule in words in the current language, e.g. "varje tisdag, 6 gånger".

    `count` and `until` are the cycle's ends kept apart from the rule (the guided kinds); a
    COUNT or UNTIL inside the rule is used when they are not given. What cannot be phrased is
    shown as the raw rule.
    """
    from flask_babel import gettext, ngettext

    from lms.core.formatting import date_text

    parts = rule_parts("".join((rule or "").split()).upper().removeprefix("RRULE:"))
    try:
        words = _describe_frequency(parts)
        count = count if count is not None else (int(parts["COUNT"]) if "COUNT" in parts else None)
        until = until if until is not None else (_until_date(parts["UNTIL"]) if "UNTIL" in parts else None)
    except (KeyError, ValueError, IndexError):
        return rule
    if words is None:
        return rule
    if count:
        words = gettext("%(rule)s, %(times)s", rule=words,
                        times=ngettext("%(num)d time", "%(num)d times", count))
    elif until is not None:
        words = gettext("%(rule)s, until %(date)s", rule=words, date=date_text(until))
    return words


def _until_date(value: str) -> date:
    return datetime.strptime(value[:8], "%Y%m%d").date()


def _weekday_list(byday: str) -> str:
    from babel.lists import format_list
    from flask_babel import get_locale

    names = [_day_name(code) for code in byday.split(",")]
    return format_list(names, locale=get_locale() or "sv")


def _describe_frequency(parts: dict[str, str]) -> str | None:
    """The FREQ/INTERVAL/BYDAY part in words, or None when the rule holds more than that."""
    from flask_babel import gettext, ngettext

    if set(parts) - _KNOWN_PARTS:
        return None
    freq, interval, byday = parts["FREQ"], int(parts.get("INTERVAL") or 1), parts.get("BYDAY", "")
    if interval < 1:
        return None
    if freq == "DAILY" and not byday:
        return gettext("every day") if interval == 1 else ngettext(
            "every %(num)d days", "every %(num)d days", interval)
    if freq == "WEEKLY":
        if not byday:
            return gettext("every week") if interval == 1 else gettext(
                "every other week") if interval == 2 else gettext("every %(num)d weeks", num=interval)
        if any(code not in WEEKDAY_CODES for code in byday.split(",")):
            return None
        days = _weekday_list(byday)
        if interval == 1:
            return gettext("every %(days)s", days=days)
        if interval == 2:
            return gettext("every other week on %(days)s", days=days)
        return gettext("every %(num)d weeks on %(days)s", num=interval, days=days)
    if freq == "MONTHLY" and byday and "," not in byday:
        nth, code = byday[:-2], byday[-2:]
        if code not in WEEKDAY_CODES or not nth or int(nth) not in _MONTHLY_NTH:
            return None
        day = _day_name(code)
        words = str(_MONTHLY_NTH[int(nth)]) % {"day": day}
        if interval > 1:
            words = gettext("%(rule)s (every %(num)d months)", rule=words, num=interval)
        return words
    if freq == "MONTHLY" and not byday:
        return gettext("every month") if interval == 1 else gettext("every %(num)d months", num=interval)
    return None
