"""Certificates to renew: who holds a period that ends soon (or has ended), and the demand per
course and month against the seats planned in the course that renews it.

A *current* period is one whose certificate is not revoked and that no later period renews. The
queries here read periods and their end dates only, in a few queries however many there are.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.auth.models import Role, User, UserRole
from lms.catalog.models import Course
from lms.catalog.validity import renewed_by_quiz, renewing_slug
from lms.certificates.models import Certificate, CertificateValidityPeriod
from lms.certificates.validity import Status, last_valid_day, status_at
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus
from lms.planning.service import local_zone

Period = CertificateValidityPeriod


def current_periods():  # type: ignore[no-untyped-def]
    """A select of the current periods (not revoked, not renewed), to be narrowed by the caller."""
    later = aliased(Period)
    return (select(Period).join(Certificate, Certificate.id == Period.certificate_id)
            .where(Certificate.revoked_at.is_(None), Period.valid_until.is_not(None),
                   ~select(later.id).where(later.renews_period_id == Period.id).exists()))


@dataclass(frozen=True)
class RenewalDue:
    user_id: int
    user_name: str
    course_id: int
    course_title: str
    certificate_id: int
    certificate_code: str
    valid_until: datetime
    status: Status

    @property
    def last_day(self) -> date | None:
        return last_valid_day(self.valid_until)


def _due(query, now: datetime) -> list[RenewalDue]:  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        query.add_columns(User.name, Course.title, Certificate.code)
        .join(User, User.id == Period.user_id).join(Course, Course.id == Period.course_id)
        .order_by(Period.valid_until, User.name)
    ).all()
    return [RenewalDue(p.user_id, name, p.course_id, title, p.certificate_id, code, p.valid_until, status_at(p, now))
            for p, name, title, code in rows]


def renewals_due(user_id: int, now: datetime, within_days: int, *, include_members: bool = True) -> list[RenewalDue]:
    """The current periods that end within `within_days` (or have ended in the last year) of the
    person's own certificates, or, for an organisation contact (unless `include_members` is False),
    of their organisation's members."""
    user = db.session.get(User, user_id)
    if user is None:
        return []
    holders = [user.id]
    query = current_periods().where(Period.valid_until <= now + timedelta(days=within_days),
                                    Period.valid_until > now - timedelta(days=365))
    if include_members and user.has_role(Role.ORGANISATION_CONTACT) and user.organisation_id is not None:
        members = select(User.id).where(User.organisation_id == user.organisation_id)
        return _due(query.where(Period.user_id.in_(members)), now)
    return _due(query.where(Period.user_id.in_(holders)), now)


def organisation_standing(organisation_id: int, now: datetime, *, within_days: int = 90) -> list[RenewalDue]:
    """Every current period of the organisation's members with an end: valid, expiring within
    `within_days`, or expired (the organisation's report and members page)."""
    members = list(db.session.execute(select(User.id).where(User.organisation_id == organisation_id)).scalars())
    by_user = standing_of_users(members, now, within_days=within_days)
    return sorted((due for rows in by_user.values() for due in rows), key=lambda due: (due.valid_until, due.user_name))


def standing_of_users(user_ids: list[int], now: datetime, *, within_days: int = 90) -> dict[int, list[RenewalDue]]:
    """Each person's current periods with an end (expiring within `within_days` marked so), by user id."""
    by_user: dict[int, list[RenewalDue]] = defaultdict(list)
    if not user_ids:
        return by_user
    horizon = now + timedelta(days=within_days)
    for due in _due(current_periods().where(Period.user_id.in_(user_ids)), now):
        if due.status is Status.VALID and due.valid_until <= horizon:
            due = RenewalDue(**{**due.__dict__, "status": Status.EXPIRING_SOON})
        by_user[due.user_id].append(due)
    return by_user


def contacts_of(organisation_ids: set[int]) -> dict[int, list[User]]:
    """Active organisation contacts, by organisation."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ORGANISATION_CONTACT, User.organisation_id.in_(organisation_ids),
               User.active.is_(True), User.anonymised_at.is_(None)).order_by(User.id)
    ).scalars().all()
    contacts: dict[int, list[User]] = defaultdict(list)
    for contact in rows:
        contacts[contact.organisation_id].append(contact)
    return contacts


# --- the next cycles of the renewing course ---------------------------------------------------------

def renewing_course_ids(course_ids: set[int]) -> dict[int, int]:
    """The course that renews each certified course, by the certified course's id."""
    if not course_ids:
        return {}
    courses = db.session.execute(select(Course)).scalars().all()
    by_slug = {c.slug: c.id for c in courses}
    return {c.id: by_slug.get(renewing_slug(c.slug, c.validity), c.id) for c in courses if c.id in course_ids}


def open_cycles(course_ids: set[int], now: datetime, *, per_course: int = 3) -> dict[int, list[tuple[Cycle, datetime]]]:
    """The next published cycles of each course with a session ahead, and their first session ahead."""
    if not course_ids:
        return {}
    first = (select(ClassSession.cycle_id, func.min(ClassSession.starts_at).label("starts_at"))
             .where(ClassSession.starts_at > now, ClassSession.status != SessionStatus.CANCELLED)
             .group_by(ClassSession.cycle_id).subquery())
    rows = db.session.execute(
        select(Cycle, first.c.starts_at).join(first, first.c.cycle_id == Cycle.id)
        .where(Cycle.course_id.in_(course_ids), Cycle.status == CycleStatus.PUBLISHED,
               (Cycle.enrolment_closes_at.is_(None)) | (Cycle.enrolment_closes_at > now))
        .order_by(first.c.starts_at)
    ).all()
    cycles: dict[int, list[tuple[Cycle, datetime]]] = defaultdict(list)
    for cycle, starts_at in rows:
        if len(cycles[cycle.course_id]) < per_course:
            cycles[cycle.course_id].append((cycle, starts_at))
    return cycles


# --- demand: what expires, per course and month, against the seats planned ------------------------

@dataclass(frozen=True)
class DemandMonth:
    course_id: int
    course_title: str
    month: date  # the first day of the month (local time)
    expiring: int
    planned_seats: int  # free seats in cycles of the renewing course that start that month
    cycles_by_then: int  # open cycles of the renewing course that start before the month ends
    by_quiz: bool = False  # a refresher quiz renews them: no cycle is needed

    @property
    def uncovered(self) -> bool:
        """Certificates expire and no cycle to renew in is planned by then (nor a quiz renews them)."""
        return self.expiring > 0 and self.cycles_by_then == 0 and not self.by_quiz


def _month_of(moment: datetime) -> date:
    local = moment.astimezone(local_zone()).date()
    return local.replace(day=1)


def renewal_demand(now: datetime, *, months: int = 6) -> list[DemandMonth]:
    """Per certified course and month from this one: the current periods that end that month, and
    the free seats of the renewing course's published cycles whose first session is in that month."""
    horizon = now + timedelta(days=31 * months)
    ends = db.session.execute(
        current_periods().with_only_columns(Period.course_id, Period.valid_until)
        .where(Period.valid_until > now, Period.valid_until <= horizon)
    ).all()
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for course_id, valid_until in ends:
        counts[(course_id, _month_of(valid_until))] += 1
    course_ids = {course_id for course_id, _ in counts}
    renewing = renewing_course_ids(course_ids)
    planned = open_cycles(set(renewing.values()), now, per_course=1000)
    seats: dict[tuple[int, date], int] = defaultdict(int)
    for course_id, cycles in planned.items():
        for cycle, starts_at in cycles:
            seats[(course_id, _month_of(starts_at))] += max(cycle.capacity - cycle.seats_taken, 0)
    courses = {c.id: c for c in db.session.execute(select(Course).where(Course.id.in_(course_ids))).scalars()} \
        if course_ids else {}
    rows = []
    for (course_id, month), count in counts.items():
        starts = [_month_of(starts_at) for _cycle, starts_at in planned.get(renewing[course_id], [])]
        rows.append(DemandMonth(course_id, courses[course_id].title, month, count,
                                seats.get((renewing[course_id], month), 0), sum(1 for start in starts if start <= month),
                                by_quiz=renewed_by_quiz(courses[course_id].validity)))
    return sorted(rows, key=lambda row: (row.course_title, row.month))


def renew_slugs(certificates) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """The course to take to renew each certificate (its own, or the refresher), by certificate id."""
    certificates = list(certificates)
    slugs = {c.snapshot.get("course_slug") for c in certificates}
    validity = dict(db.session.execute(select(Course.slug, Course.validity).where(Course.slug.in_(slugs))).all()) \
        if slugs else {}
    return {c.id: renewing_slug(c.snapshot.get("course_slug"), validity.get(c.snapshot.get("course_slug")))
            for c in certificates}


# --- the one-step enrolment link of a reminder ----------------------------------------------------

RENEWAL_LINK_SALT = "lms.renewal-enrol"


def _link_serializer():  # type: ignore[no-untyped-def]
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RENEWAL_LINK_SALT)


def renewal_link_token(user_id: int, cycle_id: int) -> str:
    """Signed with the secret key for this one purpose: enrol this person in this cycle."""
    return _link_serializer().dumps({"u": user_id, "c": cycle_id})


def read_renewal_link(token: str) -> tuple[int, int] | None:
    """(user id, cycle id) of a genuine link not older than LMS_RENEWAL_LINK_DAYS, else None."""
    from flask import current_app
    from itsdangerous import BadSignature

    max_age = int(current_app.config["LMS_RENEWAL_LINK_DAYS"]) * 24 * 3600
    try:
        data = _link_serializer().loads(token, max_age=max_age)
        return int(data["u"]), int(data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def demand_by_course(now: datetime, *, months: int = 6) -> list[tuple[str, list[DemandMonth]]]:
    """The renewal demand grouped by course (title, its months), in order, for the dashboard."""
    grouped: dict[str, list[DemandMonth]] = {}
    for row in renewal_demand(now, months=months):
        grouped.setdefault(row.course_title, []).append(row)
    return list(grouped.items())
