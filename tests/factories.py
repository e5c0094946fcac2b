"""Small factories for test data; each flushes and leaves the commit to the test."""
from __future__ import annotations

import itertools

from lms.auth.models import Organisation, Role, Sector, User
from lms.auth.service import create_user
from lms.extensions import db

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_organisation(name: str | None = None, sector: Sector = Sector.NON_PROFIT) -> Organisation:
    organisation = Organisation(name=name or f"Föreningen nummer {next(_counter)}", sector=sector)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_user(
    email: str | None = None,
    *,
    name: str | None = None,
    roles=("learner",),
    password: str | None = DEFAULT_PASSWORD,
    organisation: Organisation | None = None,
    locale: str = "sv",
) -> User:
    number = next(_counter)
    return create_user(
        email or f"person{number}@example.org",
        name or f"Person {number}",
        roles=[Role(r) for r in roles],
        organisation_id=organisation.id if organisation else None,
        password=password,
        locale=locale,
    )


def make_course(slug: str | None = None, *, title: str | None = None, modules: int = 2,
                areas=("Föreningsstyrning",), sdgs=(16,), published: bool = True):
    """A course with `modules` required modules, as if imported from courses_content/."""
    from decimal import Decimal

    from lms.catalog.models import Course, CourseCompetenceArea, CourseSdg, Module

    number = next(_counter)
    slug = slug or f"kurs-{number}"
    course = Course(
        slug=slug, title=title or f"Kurs {number}", summary="En kurs.", description="En kurs.",
        description_html="<p>En kurs.</p>", language="sv", estimated_hours=Decimal("6"),
        certificate_design="standard", learning_outcomes=["Efter kursen kan du något."],
        content_version="0" * 64, published=published,
        competence_areas=[CourseCompetenceArea(area=a) for a in areas],
        sdg_links=[CourseSdg(sdg=s) for s in sdgs],
    )
    course.modules = [
        Module(slug=f"{i:02d}-modul", position=i, title=f"Modul {i}", body="Text.",
               body_html="<p>Text.</p>", minutes=30, required=True)
        for i in range(1, modules + 1)
    ]
    db.session.add(course)
    db.session.flush()
    return course


def make_room(name: str | None = None, *, capacity: int = 20,
              address: str = "Norra Grängesbergsgatan 26, 214 50 Malmö"):
    from lms.planning.models import Room

    room = Room(name=name or f"Sal {next(_counter)}", capacity=capacity, address=address,
                accessibility_notes="Hiss och hörslinga.")
    db.session.add(room)
    db.session.flush()
    return room


def make_cycle(course=None, *, title: str | None = None, first_date=None, start=None,
               weekdays=(1,), sessions: int = 4, capacity: int = 10, room=None, trainers=(),
               approval_required: bool = False, skip_holidays: bool = False, published: bool = True,
               opens_on=None, closes_on=None, duration_minutes: int = 120, now=None):
    """A weekly cycle planned through the service (sessions at 18:00 local unless told)."""
    from datetime import date, time

    from lms.db_types import utcnow
    from lms.planning import service
    from lms.planning.models import RecurrenceKind
    from lms.planning.recurrence import Recurrence

    course = course or make_course()
    recurrence = Recurrence(
        kind=RecurrenceKind.WEEKLY, first_date=first_date or date(2030, 1, 7),
        start_time=start or time(18, 0), duration_minutes=duration_minutes, weekdays=tuple(weekdays),
        count=sessions, skip_holidays=skip_holidays,
    )
    spec = service.CycleSpec(
        course_id=course.id, title=title or f"Omgång {next(_counter)}", recurrence=recurrence,
        room_id=room.id if room else None, capacity=capacity,
        trainer_ids=tuple(t.id for t in trainers), opens_on=opens_on, closes_on=closes_on,
        approval_required=approval_required, min_attendance_percent=80,
    )
    now = now or utcnow()
    cycle = service.save_cycle(None, spec, actor_id=None, now=now)
    if published:
        service.publish_cycle(cycle, actor_id=None, now=now)
    return cycle


def make_participants(cycle, count: int = 3, *, now=None, organisation=None):
    """`count` new learners enrolled (seated) in `cycle`, as a coordinator would enrol them."""
    from lms.db_types import utcnow
    from lms.enrolment.service import enrol

    people = [make_user(organisation=organisation) for _ in range(count)]
    for person in people:
        enrol(person.id, cycle, now=now or utcnow(), check_window=False, decided=True)
    return people


def make_finished_cycle(course=None, *, learners: int = 3, trainers=(), first_date=None, sessions: int = 3):
    """A cycle whose sessions are in the past (early 2027), marked finished, with `learners` participants.

    Returns (cycle, participants); the evaluation is open until 90 days after its last session.
    """
    from datetime import date, datetime, timezone

    from lms.planning.service import finish_ended_cycles

    planned_at = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)
    cycle = make_cycle(course, first_date=first_date or date(2027, 1, 4), sessions=sessions,
                       trainers=trainers, capacity=40, now=planned_at)
    people = make_participants(cycle, learners, now=planned_at)
    finish_ended_cycles(datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc))
    return cycle, people


def consume_events() -> int:
    """Commit the test's work as a request's unit of work does, and consume the domain events it
    recorded (lms/events): what a request shows at once, a service called directly shows after this.
    """
    from lms.core.unit_of_work import commit
    from lms.events import catch_up

    commit()
    return catch_up()


def make_competence(key: str | None = None, *, framework: str = "testcomp"):
    """A competence of a (test) framework, with Swedish and English words."""
    from sqlalchemy import select

    from lms.catalog.framework_models import Competence, Framework

    found = db.session.execute(select(Framework).where(Framework.slug == framework)).scalar_one_or_none()
    found = found or Framework(slug=framework, title_sv="Testramverk", title_en="Test framework", source="tests")
    slug = key or f"competence-{next(_counter)}"
    competence = Competence(framework=found, key=f"{framework}/{slug}", position=next(_counter), area_slug="area",
                            area_sv="Område", area_en="Area", name_sv=f"Förmåga {slug}", name_en=f"Skill {slug}",
                            statement_sv=f"Jag kan {slug}.", statement_en=f"I can {slug}.")
    db.session.add(competence)
    db.session.flush()
    return competence


def map_course(course, *competences) -> None:
    from lms.catalog.framework_models import CourseCompetence

    db.session.add_all(CourseCompetence(course_id=course.id, competence_id=c.id) for c in competences)
    db.session.flush()


def make_assessment(user, cycle, phase: str, levels: dict):
    """A self-assessment stored as given: {competence: step or None ("don't know")}."""
    from lms.growth.models import SelfAssessment, SelfAssessmentAnswer

    assessment = SelfAssessment(user_id=user.id, cycle_id=cycle.id, phase=phase, answers=[
        SelfAssessmentAnswer(competence_id=c.id, level=level) for c, level in levels.items()])
    db.session.add(assessment)
    db.session.flush()
    return assessment
