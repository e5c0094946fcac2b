"""Demo needs and interest: what member organisations and a few learners asked for, and interest
in the sustainability course registered before its next cycle was published (and told).

Found by natural keys before they are made, so running it twice changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import Organisation
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.extensions import db
from lms.needs import conditions, service
from lms.needs.models import CompetenceNeed, CourseInterest
from lms.planning.models import Cycle, CycleStatus

#: (organisation name, area, people, goals, note)
ORGANISATION_NEEDS = [
    ("Möllevångens Kulturförening", "Ekonomi", 4, [16], "Ny kassör och två revisorer efter årsmötet i mars."),
    ("Möllevångens Kulturförening", "Ledarskap och volontärer", 12, [10, 17], "Festivalvolontärer inför sommaren."),
    ("Rosengårds Läxhjälp", "Juridik och dataskydd", 8, [4, 16], "Registerutdrag och samtycken för läxhjälpare."),
    ("Rosengårds Läxhjälp", "Projektledning", 3, [4, 10], "Vi vill söka Arvsfonden nästa höst."),
    ("Hyllie Idrottsallians", "Hållbar utveckling", 15, [3, 11, 13], "Klimatsmarta cuper och resor."),
    ("Fosie Matkasse", "Föreningsstyrning", 6, [2, 16], "Hela styrelsen är ny."),
    ("Fosie Matkasse", "Kommunikation", 5, [2, 12], "Sociala medier och att berätta om vårt arbete."),
    ("Malmö stad, fritidsförvaltningen", "Hållbar utveckling", 20, [11, 17], "Föreningsstöd kopplat till Agenda 2030."),
    ("Seniorernas Vänner i Limhamn", "Kommunikation", 7, [3, 10], "Digitala möten för äldre medlemmar."),
]
#: (learner index, area, note)
LEARNER_NEEDS = [
    (1, "Projektledning", "Jag vill lära mig skriva budget för ansökningar."),
    (3, "Kommunikation", "Hur vi når unga via sociala medier."),
    (25, "Hållbar utveckling", ""),
]
INTERESTED = (40, 41, 42, 52, 53)
#: (organisation name, when members can come, languages, members who come together, other conditions)
ORGANISATION_CONDITIONS = [
    ("Möllevångens Kulturförening", ["weekday_evening", "weekend"], ["sv", "en"], 6,
     "De flesta är volontärer som arbetar dagtid."),
    ("Språkvänner i Malmö", ["weekday_evening", "weekend"], ["ar", "en"], 4,
     "Många medlemmar läser svenska på SFI och tar hellre en kurs på arabiska eller engelska."),
    ("Hyllie Idrottsallians", ["weekday_evening"], ["sv"], 15,
     "Ledarna tränar barn tisdagar och torsdagar till 18.00; hela ledargruppen vill gå samtidigt."),
    ("Fosie Matkasse", ["weekday_daytime", "weekday_evening"], ["sv"], None,
     "Ingen budget för resor. Lokalen måste gå att nå med rullstol."),
    ("Seniorernas Vänner i Limhamn", ["weekday_daytime"], ["sv"], 8, "Helst inte efter mörkrets inbrott."),
]


def seed_needs_demo() -> None:
    from lms.demo import learner_email

    if db.session.execute(select(CompetenceNeed.id)).first() is None:
        _organisation_needs()
        for index, area, note in LEARNER_NEEDS:
            learner = find_user_by_email(learner_email(index))
            if learner is not None:
                service.save_need(None, area=area, people=1, sdgs=[], note=note, actor_id=learner.id,
                                  now=learner.created_at, user_id=learner.id)
    _told_interest([learner_email(i) for i in INTERESTED])
    _organisation_conditions()
    db.session.flush()


def _organisation_needs() -> None:
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    for name, area, people, goals, note in ORGANISATION_NEEDS:
        organisation = organisations.get(name)
        if organisation is not None:
            service.save_need(None, area=area, people=people, sdgs=goals, note=note, actor_id=None,
                              now=organisation.created_at, organisation_id=organisation.id)


def _organisation_conditions() -> None:
    organisations = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    for name, day_parts, languages, seats, note in ORGANISATION_CONDITIONS:
        organisation = organisations.get(name)
        if organisation is not None and conditions.conditions_of(organisation.id) is None:
            conditions.save_conditions(organisation.id, day_parts=day_parts, languages=languages,
                                       seats_needed=seats, note=note, actor_id=None, now=organisation.created_at)


def _told_interest(emails: list[str]) -> None:
    """Interest in Agenda 2030 from before its next cycle was published, told when it was."""
    cycle = db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == "agenda-2030", Cycle.status == CycleStatus.PUBLISHED).order_by(Cycle.id)
    ).scalars().first()
    if cycle is None or cycle.published_at is None:
        return
    for email in emails:
        learner = find_user_by_email(email)
        if learner is not None and service.interest_of(learner.id, cycle.course_id) is None:
            db.session.add(CourseInterest(user_id=learner.id, course_id=cycle.course_id,
                                          created_at=cycle.published_at - timedelta(days=30)))
    db.session.flush()
    service.notify_interested(cycle, now=cycle.published_at)
