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
