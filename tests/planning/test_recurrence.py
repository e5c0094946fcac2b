"""Recurrence in local time: DST weeks of 2027, nonexistent and ambiguous times, holidays, ends."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lms.planning.models import PlanningError, RecurrenceKind
from lms.planning.recurrence import (
    Recurrence, TimeNote, holiday_name, normalise_rule, plan_sessions, to_utc,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def weekly(first, weekdays=(6,), start=time(18, 0), **kwargs):
    kwargs.setdefault("skip_holidays", False)
    return Recurrence(RecurrenceKind.WEEKLY, first, start, 120, weekdays=weekdays, **kwargs)


def local_times(plan):
    return [(s.local_start.date(), s.local_start.time()) for s in plan.sessions]


def test_a_weekly_18_00_session_stays_18_00_across_spring_forward_2027():
    plan = plan_sessions(weekly(date(2027, 3, 21), count=3), STOCKHOLM)
    assert [s.local_start.strftime("%Y-%m-%d %H:%M") for s in plan.sessions] == [
        "2027-03-21 18:00", "2027-03-28 18:00", "2027-04-04 18:00"]
    assert [s.starts_at.hour for s in plan.sessions] == [17, 16, 16]  # UTC: winter then summer
    assert all(s.starts_at.tzinfo == timezone.utc for s in plan.sessions)


def test_a_weekly_18_00_session_stays_18_00_across_fall_back_2027():
    plan = plan_sessions(weekly(date(2027, 10, 24), count=3), STOCKHOLM)
    assert {s.local_start.time() for s in plan.sessions} == {time(18, 0)}
    assert [s.starts_at.hour for s in plan.sessions] == [16, 17, 17]
    assert [s.ends_at - s.starts_at for s in plan.sessions] == [timedelta(hours=2)] * 3


def test_a_time_that_does_not_exist_is_shifted_forward_with_a_note():
    starts_at, note = to_utc(datetime(2027, 3, 28, 2, 30), STOCKHOLM)
    assert note is TimeNote.NONEXISTENT
    assert starts_at.astimezone(STOCKHOLM).time() == time(3, 30)
    plan = plan_sessions(Recurrence(RecurrenceKind.RRULE, date(2027, 3, 27), time(2, 30), 60,
                                    raw_rule="FREQ=DAILY;COUNT=3", skip_holidays=False), STOCKHOLM)
    assert [s.note for s in plan.sessions] == [None, TimeNote.NONEXISTENT, None]
    assert [s.local_start.time() for s in plan.sessions] == [time(2, 30), time(3, 30), time(2, 30)]


def test_a_time_that_occurs_twice_means_the_first_one():
    starts_at, note = to_utc(datetime(2027, 10, 31, 2, 30), STOCKHOLM)
    assert note is TimeNote.AMBIGUOUS
    assert starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)  # 02:30 CEST
    assert to_utc(datetime(2027, 10, 31, 18, 0), STOCKHOLM)[1] is None


def test_public_holidays_are_skipped_and_the_count_still_holds():
    # Tuesdays from 2027-04-27: 4 May, 11 May ... ; Thursdays would hit Ascension Day (6 May).
    plan = plan_sessions(weekly(date(2027, 4, 26), weekdays=(3,), count=3, skip_holidays=True),
                         STOCKHOLM, "sv")
    assert [d for d, _ in plan.skipped] == [date(2027, 5, 6)]
    assert plan.skipped[0][1] == "Kristi himmelsfärdsdag"
    assert [s.planned_date for s in plan.sessions] == [date(2027, 4, 29), date(2027, 5, 13), date(2027, 5, 20)]


def test_midsummer_eve_and_national_day_are_days_off_but_ordinary_sundays_are_not():
    assert holiday_name(date(2027, 6, 25), "sv") == "Midsommarafton"
    assert holiday_name(date(2027, 6, 6), "en") == "National Day"
    assert holiday_name(date(2027, 3, 21)) is None  # a Sunday, no holiday
    plan = plan_sessions(weekly(date(2027, 2, 1), weekdays=(6,), count=4, skip_holidays=True), STOCKHOLM)
    assert plan.skipped == []


def test_every_second_week_on_two_weekdays():
    plan = plan_sessions(weekly(date(2027, 1, 4), weekdays=(1, 3), interval=2, count=4), STOCKHOLM)
    assert [s.planned_date for s in plan.sessions] == [
        date(2027, 1, 5), date(2027, 1, 7), date(2027, 1, 19), date(2027, 1, 21)]


def test_monthly_on_the_second_tuesday_and_on_the_last_saturday():
    second = Recurrence(RecurrenceKind.MONTHLY, date(2027, 1, 1), time(18, 0), 90,
                        weekdays=(1,), nth=2, count=3, skip_holidays=False)
    assert [s.planned_date for s in plan_sessions(second, STOCKHOLM).sessions] == [
        date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    last = Recurrence(RecurrenceKind.MONTHLY, date(2027, 5, 1), time(10, 0), 90,
                      weekdays=(5,), nth=-1, until=date(2027, 7, 31))
    plan = plan_sessions(last, STOCKHOLM)
    assert [s.planned_date for s in plan.sessions] == [date(2027, 5, 29), date(2027, 7, 31)]
    assert plan.skipped[0][0] == date(2027, 6, 26)  # Midsummer Day


def test_count_versus_end_date():
    by_count = plan_sessions(weekly(date(2027, 1, 4), weekdays=(0,), count=5), STOCKHOLM)
    by_date = plan_sessions(weekly(date(2027, 1, 4), weekdays=(0,), until=date(2027, 2, 1)), STOCKHOLM)
    assert len(by_count.sessions) == 5
    assert by_date.sessions[-1].planned_date == date(2027, 2, 1) and len(by_date.sessions) == 5


def test_a_raw_rrule_with_its_own_until_and_interval():
    rule = Recurrence(RecurrenceKind.RRULE, date(2027, 9, 1), time(18, 0), 120,
                      raw_rule="RRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=WE;UNTIL=20271020T235959Z",
                      skip_holidays=False)
    assert rule.rule_text() == "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE;UNTIL=20271020T235959Z"
    assert [s.planned_date for s in plan_sessions(rule, STOCKHOLM).sessions] == [
        date(2027, 9, 1), date(2027, 9, 22), date(2027, 10, 13)]


@pytest.mark.parametrize("rule", ["", "FREQ=SECONDLY;COUNT=5", "DTSTART:20270101T000000\nRRULE:FREQ=DAILY"])
def test_bad_rules_are_refused(rule):
    with pytest.raises(PlanningError):
        normalise_rule(rule)


def test_a_plan_needs_an_end_and_a_weekday():
    with pytest.raises(PlanningError):
        plan_sessions(weekly(date(2027, 1, 4)), STOCKHOLM)
    with pytest.raises(PlanningError):
        plan_sessions(weekly(date(2027, 1, 4), weekdays=(), count=3), STOCKHOLM)
    with pytest.raises(PlanningError):
        plan_sessions(Recurrence(RecurrenceKind.RRULE, date(2027, 1, 4), time(18), 60,
                                 raw_rule="FREQ=WEEKLY;BYDAY=XX;COUNT=2"), STOCKHOLM)


def _rule(text, first=date(2027, 1, 5)):
    return Recurrence(RecurrenceKind.RRULE, first, time(18, 0), 120, raw_rule=text, skip_holidays=False)


def test_a_rule_with_sessions_millennia_ahead_is_refused_with_the_reason():
    with pytest.raises(PlanningError, match="at most 5 years"):
        plan_sessions(_rule("FREQ=YEARLY;INTERVAL=3000;COUNT=4"), STOCKHOLM)


def test_a_rule_reaching_beyond_the_allowed_years_is_refused_not_cut_short():
    with pytest.raises(PlanningError, match="at most 5 years"):
        plan_sessions(_rule("FREQ=YEARLY;COUNT=7"), STOCKHOLM)
    with pytest.raises(PlanningError, match="at most 5 years"):
        plan_sessions(weekly(date(2099, 1, 4), count=200, interval=12), STOCKHOLM)
    assert len(plan_sessions(_rule("FREQ=YEARLY;COUNT=5"), STOCKHOLM).sessions) == 5


def test_a_rule_that_gives_fewer_sessions_than_asked_for_says_so():
    with pytest.raises(PlanningError, match="only 2 of the 3"):
        plan_sessions(Recurrence(RecurrenceKind.RRULE, date(2027, 1, 5), time(18, 0), 120,
                                 raw_rule="FREQ=WEEKLY;COUNT=2", count=3, skip_holidays=False), STOCKHOLM)


# --- H4: a rule in words -------------------------------------------------------------------

@pytest.mark.parametrize("language, rule, count, until, words", [
    ("sv", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU", 6, None, "varje tisdag, 6 gånger"),
    ("en", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU", 6, None, "every Tuesday, 6 times"),
    ("sv", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", None, date(2027, 6, 3), "varannan vecka på måndag och onsdag, till och med 3 juni 2027"),
    ("en", "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE,FR", 1, None, "every 3 weeks on Monday, Wednesday, and Friday, 1 time"),
    ("sv", "FREQ=DAILY;COUNT=5", None, None, "varje dag, 5 gånger"),
    ("en", "FREQ=DAILY;INTERVAL=2;UNTIL=20270110T000000Z", None, None, "every 2 days, until 10 Jan 2027"),
    ("sv", "FREQ=MONTHLY;INTERVAL=1;BYDAY=+1TU", 4, None, "den första tisdagen i varje månad, 4 gånger"),
    ("en", "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR", 4, None, "the last Friday of every month, 4 times"),
    ("sv", "FREQ=YEARLY;BYMONTH=3;COUNT=2", None, None, "FREQ=YEARLY;BYMONTH=3;COUNT=2"),
    ("sv", "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=1;COUNT=2", None, None, "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=1;COUNT=2"),
])
def test_a_rule_is_said_in_words_in_the_persons_language(app, language, rule, count, until, words):
    from flask_babel import force_locale

    from lms.planning.recurrence import describe_rule

    with app.test_request_context(), force_locale(language):
        assert describe_rule(rule, count, until) == words
