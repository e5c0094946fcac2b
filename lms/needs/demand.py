"""Demand against supply, for coordinators planning the next term: per course, area and goal.

Demand is people waiting for a course (registered interest not yet told of a cycle, and the
wait-lists of its upcoming cycles) and the needs organisations and learners stated for a
competence area. Supply is the seats of upcoming published cycles. A need names an area, not a
course, so it counts towards every course of that area. Each function runs a fixed number of queries.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lms.catalog.content import COMPETENCE_AREAS
from lms.catalog.models import Course
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.evaluations.results import course_ratings
from lms.extensions import db
from lms.needs.models import CompetenceNeed, CompetenceNeedSdg, CourseInterest
from lms.planning.queries import upcoming_cycles_for_courses


@dataclass
class CourseDemand:
    course: Course
    interest: int = 0  # registered and not yet told of a cycle
    asked: int = 0  # registered in the last year, told or not
    waitlisted: int = 0
    needed: int = 0  # people in needs for the course's areas
    cycles: int = 0
    seats: int = 0
    free_seats: int = 0
    rating: float | None = None  # overall rating of the last evaluated cycle
    rated_by: int = 0

    @property
    def waiting(self) -> int:
        return self.interest + self.waitlisted

    @property
    def short(self) -> bool:
        """More people wait than the upcoming cycles have free seats."""
        return self.waiting > self.free_seats


@dataclass
class AreaDemand:
    area: str
    needed_by_organisations: int = 0
    organisations: int = 0
    needed_by_learners: int = 0
    interest: int = 0
    waitlisted: int = 0
    courses: list[str] = field(default_factory=list)
    seats: int = 0
    free_seats: int = 0


def _interest_counts(now: datetime) -> tuple[Counter, Counter]:
    """Per course: interest not yet told of a cycle, and all interest registered in the last year."""
    rows = db.session.execute(
        select(CourseInterest.course_id, CourseInterest.notified_at)
        .where(CourseInterest.created_at >= now - timedelta(days=365))
    ).all()
    waiting, asked = Counter(), Counter()
    for course_id, notified_at in rows:
        asked[course_id] += 1
        waiting[course_id] += notified_at is None
    return waiting, asked


def _waitlisted_counts(cycle_ids: list[int]) -> Counter:
    return Counter(dict(db.session.execute(
        select(Enrolment.cycle_id, func.count(Enrolment.id))
        .where(Enrolment.cycle_id.in_(cycle_ids), Enrolment.status == EnrolmentStatus.WAITLISTED)
        .group_by(Enrolment.cycle_id)
    ).all()))


def _needs_by_area() -> dict[str, tuple[int, int, int]]:
    """Per area: people needed by organisations, how many organisations, learners' own needs."""
    rows = db.session.execute(
        select(CompetenceNeed.area, CompetenceNeed.organisation_id, CompetenceNeed.people)
    ).all()
    org_people: Counter = Counter()
    orgs: dict[str, set[int]] = defaultdict(set)
    learners: Counter = Counter()
    for area, organisation_id, people in rows:
        if organisation_id is None:
            learners[area] += people
        else:
            org_people[area] += people
            orgs[area].add(organisation_id)
    return {area: (org_people[area], len(orgs[area]), learners[area])
            for area in set(org_people) | set(learners)}


def course_demand(now: datetime) -> list[CourseDemand]:
    """Every published course, those with the most people waiting first."""
    courses = list(db.session.execute(select(Course).where(Course.published.is_(True))).scalars())
    ids = [c.id for c in courses]
    offers = upcoming_cycles_for_courses(ids, now)
    waitlisted = _waitlisted_counts([o.id for course_offers in offers.values() for o in course_offers])
    (interest, asked), needs, ratings = _interest_counts(now), _needs_by_area(), course_ratings(ids)
    rows = []
    for course in courses:
        row = CourseDemand(course, interest=interest[course.id], asked=asked[course.id])
        for offer in offers[course.id]:
            row.cycles += 1
            row.seats += offer.capacity
            row.free_seats += offer.free_seats
            row.waitlisted += waitlisted[offer.id]
        row.needed = sum(needs.get(area, (0, 0, 0))[0] + needs.get(area, (0, 0, 0))[2]
                         for area in course.area_names)
        row.rating, row.rated_by = ratings[course.id]
        rows.append(row)
    return sorted(rows, key=lambda r: (-r.waiting, -r.needed, r.course.title))


def area_demand(courses: list[CourseDemand]) -> list[AreaDemand]:
    """Per competence area, from the course rows and the needs: the known areas, then any others."""
    needs = _needs_by_area()
    areas = {area: AreaDemand(area) for area in list(COMPETENCE_AREAS) + sorted(set(needs) - set(COMPETENCE_AREAS))}
    for area, (org_people, organisations, learners) in needs.items():
        row = areas[area]
        row.needed_by_organisations, row.organisations, row.needed_by_learners = org_people, organisations, learners
    for course_row in courses:
        for area in course_row.course.area_names:
            row = areas.setdefault(area, AreaDemand(area))
            row.courses.append(course_row.course.title)
            row.interest += course_row.interest
            row.waitlisted += course_row.waitlisted
            row.seats += course_row.seats
            row.free_seats += course_row.free_seats
    return list(areas.values())


def sdg_demand() -> list[tuple[int, int, int]]:
    """(goal, people, organisations) for every goal someone said they need, most people first."""
    rows = db.session.execute(
        select(CompetenceNeedSdg.sdg, CompetenceNeed.people, CompetenceNeed.organisation_id)
        .join(CompetenceNeed, CompetenceNeed.id == CompetenceNeedSdg.need_id)
    ).all()
    people: Counter = Counter()
    orgs: dict[int, set[int]] = defaultdict(set)
    for sdg, count, organisation_id in rows:
        people[sdg] += count
        if organisation_id is not None:
            orgs[sdg].add(organisation_id)
    return sorted(((sdg, people[sdg], len(orgs[sdg])) for sdg in people), key=lambda r: (-r[1], r[0]))
