"""Organisations' conditions for taking part, and the cycles that suit them poorly (lms/needs/conditions.py)."""
import re
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bench.pages import QueryCounter
from lms.extensions import db
from lms.needs import conditions
from lms.needs.models import OrganisationConditions
from lms.planning import queries
from lms.planning.models import CycleStatus, SessionStatus
from tests.factories import make_course, make_cycle, make_organisation

MALMO = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _state(organisation, *, day_parts=(), languages=(), seats_needed=None, note=""):
    return conditions.save_conditions(organisation.id, day_parts=day_parts, languages=languages,
                                      seats_needed=seats_needed, note=note, actor_id=None, now=NOW)


def _cycle(start: time, *, weekdays=(1,), capacity=12, sessions=4, language="sv"):
    course = make_course()
    course.language = language
    cycle = make_cycle(course, first_date=date(2027, 2, 2), start=start, weekdays=weekdays, capacity=capacity,
                       sessions=sessions, published=False, now=NOW)
    db.session.flush()
    return queries.load_cycle(cycle.id)


# --- the part of the week --------------------------------------------------------------------------

@pytest.mark.parametrize(("utc", "part"), [
    (datetime(2027, 2, 2, 15, 59, tzinfo=timezone.utc), "weekday_daytime"),   # 16:59 in Malmö, winter
    (datetime(2027, 2, 2, 16, 0, tzinfo=timezone.utc), "weekday_evening"),    # 17:00 in Malmö
    (datetime(2027, 6, 1, 15, 0, tzinfo=timezone.utc), "weekday_evening"),    # 17:00 in Malmö, summer time
    (datetime(2027, 6, 1, 14, 59, tzinfo=timezone.utc), "weekday_daytime"),
    (datetime(2027, 2, 6, 9, 0, tzinfo=timezone.utc), "weekend"),             # Saturday morning
    (datetime(2027, 2, 7, 18, 0, tzinfo=timezone.utc), "weekend"),            # Sunday evening
])
def test_a_session_falls_in_the_part_of_the_week_of_its_local_start(utc, part):
    assert conditions.day_part(utc, MALMO) == part


# --- the rules of a poor fit --------------------------------------------------------------------------

def test_nothing_stated_is_no_condition(app):
    organisation = make_organisation("Fosie Matkasse")
    _state(organisation)
    cycle = _cycle(time(13, 0), capacity=2)
    assert conditions.poor_fits(cycle, MALMO) == []


def test_a_daytime_cycle_suits_an_evening_organisation_poorly(app):
    organisation = make_organisation("Möllevångens Kulturförening")
    _state(organisation, day_parts=["weekday_evening", "weekend"])
    daytime, evening = _cycle(time(13, 0)), _cycle(time(18, 0))
    [fit] = conditions.poor_fits(daytime, MALMO)
    assert (fit.organisation.name, fit.sessions_outside, fit.sessions) == ("Möllevångens Kulturförening", 4, 4)
    assert fit.parts_outside == ("weekday_daytime",)
    assert (fit.language, fit.seats_needed) == (None, None)
    assert conditions.poor_fits(evening, MALMO) == []


def test_cancelled_sessions_do_not_count(app):
    organisation = make_organisation()
    _state(organisation, day_parts=["weekday_evening"])
    cycle = _cycle(time(13, 0), sessions=3)
    for session in cycle.sessions[:2]:
        session.status = SessionStatus.CANCELLED
    [fit] = conditions.poor_fits(cycle, MALMO)
    assert (fit.sessions_outside, fit.sessions) == (1, 1)


def test_a_course_in_a_language_the_members_did_not_name(app):
    arabic_and_english, swedish = make_organisation("Språkvänner i Malmö"), make_organisation("Fosie Matkasse")
    _state(arabic_and_english, languages=["ar", "en"])
    _state(swedish, languages=["sv"])
    [fit] = conditions.poor_fits(_cycle(time(18, 0), language="sv"), MALMO)
    assert (fit.organisation.name, fit.language, fit.sessions_outside) == ("Språkvänner i Malmö", "sv", 0)
    assert [f.organisation.name for f in conditions.poor_fits(_cycle(time(18, 0), language="en"), MALMO)] == [
        "Fosie Matkasse"]


@pytest.mark.parametrize(("needed", "poor"), [(11, False), (12, False), (13, True)])
def test_fewer_seats_than_the_members_who_come_together(app, needed, poor):
    organisation = make_organisation()
    _state(organisation, seats_needed=needed)
    fits = conditions.poor_fits(_cycle(time(18, 0), capacity=12), MALMO)
    assert [f.seats_needed for f in fits] == ([needed] if poor else [])


def test_the_organisations_with_most_reasons_come_first_and_inactive_ones_not_at_all(app):
    one, three, gone = make_organisation("A, tid"), make_organisation("B, allt"), make_organisation("C, nedlagd")
    _state(one, day_parts=["weekend"])
    _state(three, day_parts=["weekend"], languages=["ar"], seats_needed=20)
    _state(gone, day_parts=["weekend"])
    gone.active = False
    fits = conditions.poor_fits(_cycle(time(18, 0), capacity=12), MALMO)
    assert [(f.organisation.name, f.reasons) for f in fits] == [("B, allt", 3), ("A, tid", 1)]
    assert conditions.stated_count() == 2


def test_saving_again_changes_the_one_row_and_bad_values_are_refused(app):
    organisation = make_organisation()
    _state(organisation, day_parts=["weekend"], seats_needed=5)
    _state(organisation, day_parts=["weekday_evening", "weekday_evening"], languages=["sv"], note="  Rullstol  ")
    row = db.session.execute(select(OrganisationConditions)).scalar_one()
    assert (row.day_parts, row.languages, row.seats_needed, row.note) == (["weekday_evening"], ["sv"], None,
                                                                          "Rullstol")
    for bad in ({"day_parts": ["night"]}, {"languages": ["klingon"]}, {"seats_needed": 0},
                {"seats_needed": conditions.MAX_SEATS_NEEDED + 1}):
        with pytest.raises(conditions.ConditionsError):
            _state(organisation, **bad)


# --- the pages --------------------------------------------------------------------------------------

def test_a_contact_states_the_conditions_and_sees_them_on_the_needs_page(app, contact):
    client, user = contact
    assert "Not stated yet." in client.get("/needs").text
    response = client.post("/needs/conditions", data={
        "day_parts": ["weekday_evening", "weekend"], "languages": ["sv", "ar"], "seats_needed": "6",
        "note": "Volontärer <b>arbetar</b> dagtid"})
    assert response.status_code == 302
    row = db.session.get(OrganisationConditions, user.organisation_id)
    assert (row.day_parts, row.languages, row.seats_needed) == (["weekday_evening", "weekend"], ["ar", "sv"], 6)
    page = client.get("/needs").text
    assert "weekday evenings (from 17:00), weekends" in page
    assert '<span lang="ar">العربية</span>' in page
    assert "Volontärer &lt;b&gt;arbetar&lt;/b&gt; dagtid" in page
    form = client.get("/needs/conditions").text
    checked = re.findall(r'<input checked id="[a-z_]+-\d" name="[a-z_]+" type="checkbox" value="([a-z_]+)">', form)
    assert sorted(checked) == ["ar", "sv", "weekday_evening", "weekend"]


def test_a_choice_not_on_the_form_is_refused_and_nothing_is_saved(app, contact):
    client, _user = contact
    page = client.post("/needs/conditions", data={"day_parts": ["midnight"], "seats_needed": "9999"}).text
    assert "&#39;midnight&#39; is not a valid choice for this field." in page
    assert "Number must be between 1 and 500" in page
    assert db.session.execute(select(OrganisationConditions)).first() is None


def test_only_an_organisation_contact_states_conditions(app, learner_client):
    assert learner_client.get("/needs/conditions").status_code == 403
    assert learner_client.post("/needs/conditions", data={"day_parts": ["weekend"]}).status_code == 403
    assert app.test_client().get("/needs/conditions").status_code == 302
    assert db.session.execute(select(OrganisationConditions)).first() is None


def _fit_section(page: str) -> str:
    return page.split('<h2 id="fit-heading">', 1)[1].split("</section>", 1)[0]


def test_the_coordinator_sees_which_organisations_a_draft_suits_poorly(app, coordinator_client):
    evening = make_organisation("Möllevångens Kulturförening")
    _state(evening, day_parts=["weekday_evening"], seats_needed=15, note="Inget <script>alert(1)</script>")
    _state(make_organisation("Fosie Matkasse"), day_parts=["weekday_daytime", "weekday_evening"])
    cycle = _cycle(time(13, 0), capacity=12)
    db.session.commit()
    page = _fit_section(coordinator_client.get(f"/planning/cycles/{cycle.id}").text)
    assert "a poor fit for 1 of the 2 organisations that have stated their conditions" in page
    assert "It is still a draft" in page
    assert "4 of 4 sessions are at a time its members cannot come: weekdays, daytime (before 17:00)." in page
    assert "15 members usually come together; the cycle has 12 seats." in page
    assert "Inget &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Möllevångens Kulturförening" in page and "Fosie Matkasse" not in page


def test_a_finished_cycle_shows_no_fit(app, coordinator_client):
    _state(make_organisation(), day_parts=["weekend"])
    cycle = _cycle(time(13, 0))
    cycle.status = CycleStatus.FINISHED
    db.session.commit()
    assert 'id="fit-heading"' not in coordinator_client.get(f"/planning/cycles/{cycle.id}").text


def test_a_cycle_that_suits_everyone_says_so(app, coordinator_client):
    _state(make_organisation(), day_parts=["weekday_evening"])
    cycle = _cycle(time(18, 0))
    db.session.commit()
    page = _fit_section(coordinator_client.get(f"/planning/cycles/{cycle.id}").text)
    assert "meets the conditions of every organisation that has stated them (1)" in page


def test_the_cycle_page_asks_as_many_queries_for_many_organisations(app, coordinator_client):
    cycle_id = _cycle(time(13, 0)).id
    db.session.commit()

    def count() -> int:
        db.session.remove()
        with QueryCounter(db.engine) as counter:
            assert coordinator_client.get(f"/planning/cycles/{cycle_id}").status_code == 200
        return counter.count

    _state(make_organisation(), day_parts=["weekend"])
    db.session.commit()
    few = count()
    for _ in range(6):
        _state(make_organisation(), day_parts=["weekend"], languages=["ar"])
    db.session.commit()
    assert count() == few
