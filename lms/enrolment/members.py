"""An organisation's people as its contact sees them: who they are, where they are enrolled, their
certificates. A fixed number of queries per page, whatever the number of members.

The organisation report counts its members with `member_count`, the same rule as this list, so the
figure and the list always agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

MEMBERS_PER_PAGE = 50
#: enrolments worth showing on the members page (withdrawn and declined ones are history)
CURRENT = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED,
           EnrolmentStatus.COMPLETED)


@dataclass
class MemberLine:
    """One member with their enrolments and valid certificates."""

    user: User
    enrolments: list[Enrolment] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)


def _members_query(organisation_id: int | None) -> Select:
    """Who counts as a member: every account of the organisation (None: of any organisation),
    erased ones too, as they still took part (the page shows them without name or link)."""
    of = User.organisation_id.is_not(None) if organisation_id is None else User.organisation_id == organisation_id
    return select(User).where(of)


def member_count(organisation_id: int | None) -> int:
    """How many members the organisation (None: every one) has, by the same rule as the members page."""
    return db.session.execute(
        select(func.count()).select_from(_members_query(organisation_id).subquery())).scalar_one()


def search_members(organisation_id: int, search: str = ""):  # type: ignore[no-untyped-def]
    """A page of members matching `search` (name or e-mail), by name; use `.items` and `.total`."""
    query = _members_query(organisation_id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    return db.paginate(query.order_by(User.name, User.id), per_page=MEMBERS_PER_PAGE, error_out=False)


def member_lines(users: list[User]) -> list[MemberLine]:
    """Each member with their current enrolments (with cycle and course) and valid certificates."""
    lines = {user.id: MemberLine(user) for user in users}
    if not lines:
        return []
    for enrolment in db.session.execute(
        select(Enrolment).join(Cycle, Cycle.id == Enrolment.cycle_id)
        .where(Enrolment.user_id.in_(lines), Enrolment.status.in_(CURRENT))
        .options(joinedload(Enrolment.cycle).joinedload(Cycle.course))
        .order_by(Cycle.first_date.desc(), Cycle.id)
    ).scalars():
        lines[enrolment.user_id].enrolments.append(enrolment)
    for certificate in db.session.execute(
        select(Certificate).where(Certificate.user_id.in_(lines), Certificate.revoked_at.is_(None))
        .options(joinedload(Certificate.cycle).joinedload(Cycle.course)).order_by(Certificate.issued_at.desc())
    ).scalars():
        lines[certificate.user_id].certificates.append(certificate)
    return list(lines.values())


def find_member(organisation_id: int | None, user_id: int) -> User | None:
    """The member, if they belong to the organisation (None: any organisation, for staff)."""
    user = db.session.get(User, user_id)
    if user is None or user.anonymised_at is not None:
        return None
    if organisation_id is not None and user.organisation_id != organisation_id:
        return None
    return user


def enrolable_cycles(now: datetime) -> list[Cycle]:
    """Published cycles with a session still ahead and enrolment not closed, soonest first."""
    ahead = exists().where(ClassSession.cycle_id == Cycle.id, ClassSession.starts_at > now,
                           ClassSession.status != SessionStatus.CANCELLED)
    return list(db.session.execute(
        select(Cycle).where(Cycle.status == CycleStatus.PUBLISHED, ahead,
                            or_(Cycle.enrolment_closes_at.is_(None), Cycle.enrolment_closes_at > now))
        .options(joinedload(Cycle.course)).order_by(Cycle.first_date, Cycle.id)
    ).scalars().unique())
