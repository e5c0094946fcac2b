"""Needs, interest in a course without a cycle (told once when one opens), and demand against supply."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.needs import demand, service
from lms.notifications.models import Notification, OutboxMessage
from lms.planning import service as planning
from tests.factories import (
    consume_events, make_course, make_cycle, make_organisation, make_participants, make_user,
)

NOW = datetime(2029, 10, 1, 12, 0, tzinfo=timezone.utc)


def _keys(model) -> set[str]:
    return set(db.session.execute(select(model.dedupe_key)).scalars())


def test_an_organisation_states_a_need_with_goals(app):
    organisation = make_organisation()
    contact = make_user(roles=["organisation_contact"], organisation=organisation)
    need = service.save_need(None, area="Ekonomi", people=12, sdgs=[16, 4, 16], note="Nya kassörer",
                             actor_id=contact.id, now=NOW, organisation_id=organisation.id)
    assert need.sdgs == [4, 16] and need.people == 12
    assert service.needs_of(organisation_id=organisation.id) == [need]
    assert service.can_edit_need(contact, need)
    assert not service.can_edit_need(make_user(roles=["organisation_contact"], organisation=make_organisation()), need)
    assert not service.can_edit_need(make_user(organisation=organisation), need)


def test_a_learners_own_need_is_for_one_person(app):
    learner = make_user()
    need = service.save_need(None, area="Kommunikation", people=40, sdgs=[], note="",
                             actor_id=learner.id, now=NOW, user_id=learner.id)
    assert need.people == 1 and service.can_edit_need(learner, need)


@pytest.mark.parametrize("area, people, sdgs", [("Astrologi", 1, []), ("Ekonomi", 0, []), ("Ekonomi", 2, [18])])
def test_needs_must_fit_the_lists(app, area, people, sdgs):
    organisation = make_organisation()
    with pytest.raises(service.NeedsError):
        service.save_need(None, area=area, people=people, sdgs=sdgs, note="", actor_id=None, now=NOW,
                          organisation_id=organisation.id)


def test_interest_only_in_a_course_without_a_cycle_ahead(app):
    course = make_course()
    make_cycle(course, now=NOW)  # published, sessions in 2030
    with pytest.raises(service.NeedsError, match="öppen omgång"):
        service.register_interest(make_user().id, course, now=NOW)
    other = make_course()
    assert other in service.courses_without_cycle(NOW) and course not in service.courses_without_cycle(NOW)


def test_interested_learners_are_told_once_when_a_cycle_opens(app):
    course = make_course(title="Föreningsekonomi")
    anna, bert = make_user(), make_user()
    for person in (anna, bert):
        service.register_interest(person.id, course, now=NOW)
    service.register_interest(anna.id, course, now=NOW)  # twice: still one interest
    cycle = make_cycle(course, first_date=date(2030, 2, 4), published=False, now=NOW)
    planning.publish_cycle(cycle, actor_id=None, now=NOW)
    consume_events()
    expected = {f"interest:cycle:{cycle.id}:user:{anna.id}", f"interest:cycle:{cycle.id}:user:{bert.id}"}
    assert _keys(OutboxMessage) == expected and _keys(Notification) == expected
    interest = service.interest_of(anna.id, course.id)
    assert interest.notified_at == NOW and interest.notified_cycle_id == cycle.id
    message = db.session.execute(select(OutboxMessage)).scalars().first()
    assert "Föreningsekonomi" in message.subject and f"/cycles/{cycle.id}" in message.body_text

    second = make_cycle(course, first_date=date(2030, 4, 1), published=False, now=NOW)
    planning.publish_cycle(second, actor_id=None, now=NOW)
    consume_events()
    assert service.notify_interested(second, now=NOW) == 0
    assert _keys(OutboxMessage) == expected, "told once, not again for the next cycle"


def test_interest_in_another_course_is_left_alone(app):
    wanted, other = make_course(), make_course()
    learner = make_user()
    service.register_interest(learner.id, wanted, now=NOW)
    make_cycle(other, now=NOW)
    assert service.interest_of(learner.id, wanted.id).notified_at is None
    assert _keys(OutboxMessage) == set()


def test_withdrawn_interest_is_not_told(app):
    course = make_course()
    learner = make_user()
    service.register_interest(learner.id, course, now=NOW)
    assert service.withdraw_interest(learner.id, course.id)
    make_cycle(course, now=NOW)
    assert _keys(OutboxMessage) == set()


def test_renewed_interest_after_a_missed_cycle_is_told_again(app):
    course = make_course()
    learner = make_user()
    service.register_interest(learner.id, course, now=NOW)
    first = make_cycle(course, first_date=date(2030, 1, 7), sessions=1, now=NOW)
    consume_events()
    later = datetime(2030, 3, 1, tzinfo=timezone.utc)  # the first cycle has ended
    service.register_interest(learner.id, course, now=later)
    assert service.interest_of(learner.id, course.id).notified_at is None
    second = make_cycle(course, first_date=date(2030, 5, 6), now=later)
    consume_events()
    assert {first.id, second.id} == {int(k.split(":")[2]) for k in _keys(OutboxMessage)}


def test_demand_against_supply_per_course_and_area(app):
    wanted = make_course(title="Ekonomi för kassörer", areas=("Ekonomi",))
    full = make_course(title="GDPR", areas=("Juridik och dataskydd",))
    organisation = make_organisation()
    for learner in (make_user(), make_user(), make_user()):
        service.register_interest(learner.id, wanted, now=NOW)
    cycle = make_cycle(full, capacity=2, now=NOW)
    make_participants(cycle, 2, now=NOW)
    from lms.enrolment.service import enrol

    enrol(make_user().id, cycle, now=NOW, check_window=False)  # wait-listed: no seat left
    service.save_need(None, area="Ekonomi", people=10, sdgs=[8], note="", actor_id=None, now=NOW,
                      organisation_id=organisation.id)
    service.save_need(None, area="Projektledning", people=5, sdgs=[8, 17], note="", actor_id=None, now=NOW,
                      organisation_id=organisation.id)
    rows = {r.course.title: r for r in demand.course_demand(NOW)}
    assert (rows["Ekonomi för kassörer"].interest, rows["Ekonomi för kassörer"].needed) == (3, 10)
    assert rows["Ekonomi för kassörer"].short and rows["Ekonomi för kassörer"].cycles == 0
    assert (rows["GDPR"].waitlisted, rows["GDPR"].free_seats, rows["GDPR"].seats) == (1, 0, 2)
    areas = {a.area: a for a in demand.area_demand(list(rows.values()))}
    assert areas["Projektledning"].needed_by_organisations == 5 and areas["Projektledning"].courses == []
    assert areas["Ekonomi"].interest == 3 and areas["Ekonomi"].organisations == 1
    assert demand.sdg_demand() == [(8, 15, 1), (17, 5, 1)]
