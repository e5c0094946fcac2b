"""What the self-assessments show: paired before/after differences, grouped in SQL.

For each group the database returns the number of paired answers n (the same person, cycle and
competence, both answered with a step of the scale, not "don't know"), the sum of the differences
(after − before) and the sum of their squares; the mean, standard deviation and a 95 % t-interval
of the mean difference follow from those three numbers (docs/growth.md). No row is read into Python.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.catalog.framework_models import Competence
from lms.catalog.models import Course
from lms.extensions import db
from lms.growth.models import Phase, SelfAssessment, SelfAssessmentAnswer
from lms.planning.models import Cycle

#: an organisation's figures for a competence are shown only for at least this many people
K_ANONYMITY = 5
#: below this many pairs a mean says little: the page warns
FEW_PAIRS = 10
#: two-sided 95 % quantiles of Student's t, by degrees of freedom 1-30; above 30 the table's
#: last values are interpolated towards the normal 1.960
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
         2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
         2.052, 2.048, 2.045, 2.042)


def t_quantile(df: int) -> float:
    if df < 1:
        raise ValueError("a t-interval needs at least two pairs")
    if df <= 30:
        return T_975[df - 1]
    if df <= 60:
        return 2.042 - (2.042 - 2.000) * (df - 30) / 30
    if df <= 120:
        return 2.000 - (2.000 - 1.980) * (df - 60) / 60
    return 1.960


@dataclass(frozen=True)
class Growth:
    """Paired differences of one group: n, mean before and after, mean change and its 95 % interval."""

    n: int
    before: float
    after: float
    change: float
    sd: float | None  # None with one pair
    low: float | None
    high: float | None

    @property
    def few(self) -> bool:
        return self.n < FEW_PAIRS


def summarise(n: int, total: float, total_sq: float, before_total: float, after_total: float) -> Growth:
    """From n, Σd, Σd², Σbefore and Σafter (d = after − before)."""
    mean = total / n
    if n < 2:
        return Growth(n, before_total / n, after_total / n, mean, None, None, None)
    variance = max(0.0, (total_sq - total * total / n) / (n - 1))
    sd = math.sqrt(variance)
    half = t_quantile(n - 1) * sd / math.sqrt(n)
    return Growth(n, before_total / n, after_total / n, mean, sd, mean - half, mean + half)


def _paired(later: bool = False):  # type: ignore[no-untyped-def]
    """The pairs as a FROM clause: before's and after's (or later's) answers of the same person,
    cycle and competence, both on the scale. Returns (select-from, before level, after level, before row)."""
    first, second = aliased(SelfAssessment), aliased(SelfAssessment)
    a, b = aliased(SelfAssessmentAnswer), aliased(SelfAssessmentAnswer)
    joined = (
        select().select_from(first)
        .join(second, and_(second.user_id == first.user_id, second.cycle_id == first.cycle_id,
                           second.phase == (Phase.LATER if later else Phase.AFTER).value))
        .join(a, a.assessment_id == first.id)
        .join(b, and_(b.assessment_id == second.id, b.competence_id == a.competence_id))
        .where(first.phase == Phase.BEFORE.value, a.level.is_not(None), b.level.is_not(None))
    )
    return joined, a, b, first


def _aggregates(a, b) -> list:  # type: ignore[no-untyped-def]
    d = b.level - a.level
    return [func.count(), func.sum(d), func.sum(d * d), func.sum(a.level), func.sum(b.level)]


@dataclass(frozen=True)
class CourseLine:
    course_id: int
    course_title: str
    competence: Competence
    growth: Growth


def course_growth(*, year: int | None = None, organisation_id: int | None = None,
                  later: bool = False) -> list[CourseLine]:
    """Growth by course and competence (optionally of one year's cycles, one organisation's members),
    the largest mean change first within each competence: one grouped query and one for the names."""
    joined, a, b, first = _paired(later)
    query = (joined.add_columns(Cycle.course_id, a.competence_id, *_aggregates(a, b))
             .join(Cycle, Cycle.id == first.cycle_id).group_by(Cycle.course_id, a.competence_id))
    if year is not None:
        query = query.where(func.extract("year", Cycle.first_date) == year)
    if organisation_id is not None:
        query = query.join(User, User.id == first.user_id).where(User.organisation_id == organisation_id)
    rows = db.session.execute(query).all()
    courses = dict(db.session.execute(select(Course.id, Course.title).where(
        Course.id.in_({r[0] for r in rows}))).all()) if rows else {}
    competences = {c.id: c for c in db.session.execute(select(Competence).where(
        Competence.id.in_({r[1] for r in rows}))).scalars()} if rows else {}
    lines = [CourseLine(course_id, courses[course_id], competences[competence_id],
                        summarise(n, float(s), float(ss), float(sb), float(sa)))
             for course_id, competence_id, n, s, ss, sb, sa in rows]
    lines.sort(key=lambda line: (line.competence.framework_id, line.competence.position, -line.growth.change,
                                 line.course_title))
    return lines


@dataclass(frozen=True)
class OrganisationLine:
    competence: Competence
    people: int
    growth: Growth | None  # None: fewer than K_ANONYMITY people, withheld


def organisation_growth(organisation_id: int) -> list[OrganisationLine]:
    """The organisation's members' growth per competence over every course; a competence answered in
    pairs by fewer than K_ANONYMITY people is withheld (its figures never leave the database)."""
    joined, a, b, first = _paired()
    people = func.count(func.distinct(first.user_id))
    rows = db.session.execute(
        joined.add_columns(a.competence_id, people, *_aggregates(a, b))
        .join(User, User.id == first.user_id).where(User.organisation_id == organisation_id)
        .group_by(a.competence_id)
    ).all()
    competences = {c.id: c for c in db.session.execute(select(Competence).where(
        Competence.id.in_({r[0] for r in rows}))).scalars()} if rows else {}
    lines = [OrganisationLine(competences[cid], count,
                              summarise(n, float(s), float(ss), float(sb), float(sa)) if count >= K_ANONYMITY else None)
             for cid, count, n, s, ss, sb, sa in rows]
    lines.sort(key=lambda line: (line.competence.framework_id, line.competence.position))
    return lines


def cycle_years() -> list[int]:
    """The years that have cycles with paired answers, newest first."""
    joined, _a, _b, first = _paired()
    year = func.extract("year", Cycle.first_date)
    return sorted({int(y) for (y,) in db.session.execute(
        joined.add_columns(year).join(Cycle, Cycle.id == first.cycle_id).group_by(year)).all()}, reverse=True)
