"""Loader options for what pages read of a course, stated by each query that needs them."""
from __future__ import annotations

from sqlalchemy.orm import Load

from lms.catalog.models import Course


def with_topics(course: Load | None = None) -> tuple[Load, ...]:
    """Options that load a course's competence areas and goals (`area_names`, `sdgs`).

    `course` is the path to the course when it is loaded through another entity, e.g.
    `joinedload(Cycle.course)`; without it, the options fit `select(Course)`.
    """
    course = Load(Course) if course is None else course
    return course.selectinload(Course.competence_areas), course.selectinload(Course.sdg_links)
