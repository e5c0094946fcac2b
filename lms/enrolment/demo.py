"""Demo members for the organisation contact's members page: a few more people in the contact's
organisation, one invited who has not chosen a password yet, one enrolled in an upcoming cycle.
Idempotent: people are found by e-mail, enrolments by (person, cycle)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import Organisation, Role
from lms.auth.service import create_user, find_user_by_email
from lms.db_types import utcnow
from lms.enrolment.members import enrolable_cycles
from lms.enrolment.service import enrol, find_enrolment
from lms.extensions import db

ORGANISATION = "Möllevångens Kulturförening"
MEMBERS = [  # (e-mail, name, may log in now, enrol in the first open cycle)
    ("hanna.lindqvist@mollankultur.example", "Hanna Lindqvist", False, False),
    ("omar.haddad@mollankultur.example", "Omar Haddad", True, False),
    ("sofia.berg@mollankultur.example", "Sofia Berg", True, True),
]


def seed_members_demo(password_hash: str) -> None:
    """Add the members above to the demo contact's organisation (once)."""
    organisation = db.session.execute(select(Organisation).where(Organisation.name == ORGANISATION)).scalar_one_or_none()
    if organisation is None:
        return
    now = utcnow()
    cycles = enrolable_cycles(now)
    for email, name, may_log_in, enrolled in MEMBERS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email, name, roles=[Role.LEARNER], organisation_id=organisation.id)
            user.password_hash = password_hash if may_log_in else None  # Hanna: invited, no password yet
        if enrolled and cycles and find_enrolment(user.id, cycles[0].id) is None:
            enrol(user.id, cycles[0], now=now, check_window=False, decided=True)
    db.session.flush()


# --- fair seats: offers from the wait-list and the no-show rule -----------------------------------

POPULAR = "agenda-2030"  # the demo's small, full cycle with a wait-list (lms/planning/demo.py)
#: who gives up a seat, and who is under the no-show rule (demo learner indexes)
LEAVER, LATE_TWICE = 31, 15


def seed_offers_demo() -> None:
    """The popular cycle: a seat freed 30 hours ago was offered to the first on the wait-list, who
    let it lapse; it passed to Anna (the demo learner, second in the queue), whose offer is open now.
    And a learner with a no-show and a late cancellation, whose request now awaits approval."""
    from lms.catalog.models import Course
    from lms.demo import learner_email
    from lms.enrolment import offers
    from lms.enrolment.models import EnrolmentStatus
    from lms.enrolment.policy_models import WaitlistOffer
    from lms.enrolment.service import withdraw
    from lms.planning.models import Cycle, CycleStatus

    now = utcnow()
    cycle = db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == POPULAR, Cycle.status == CycleStatus.PUBLISHED).order_by(Cycle.first_date)
    ).scalars().first()
    anna, leaver = find_user_by_email(learner_email(0)), find_user_by_email(learner_email(LEAVER))
    if cycle is None or anna is None or leaver is None:
        return
    if db.session.execute(select(WaitlistOffer.id).where(WaitlistOffer.cycle_id == cycle.id)).first() is None:
        queue = [e for e in _waiting(cycle.id)]
        seated = find_enrolment(leaver.id, cycle.id)
        if queue and seated is not None and seated.status is EnrolmentStatus.ENROLLED \
                and find_enrolment(anna.id, cycle.id) is None:
            enrol(anna.id, cycle, now=queue[0].waitlisted_at + timedelta(minutes=5), check_window=False)
            freed = now - timedelta(hours=30)
            cycle.offer_hours = 24
            withdraw(seated, actor_id=leaver.id, now=freed)  # offered to the first; it lapses below
            offers.lapse_offers(freed + timedelta(hours=24))  # and passes to Anna, open for 18 hours more
    _seed_no_show(learner_email(LATE_TWICE), now)
    db.session.flush()


def _waiting(cycle_id: int):
    from lms.enrolment.models import Enrolment, EnrolmentStatus

    return db.session.execute(
        select(Enrolment).where(Enrolment.cycle_id == cycle_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
    ).scalars().all()


def _seed_no_show(email: str, now) -> None:
    """Two late cancellations in the last months (the rule's limit), once."""
    from lms.enrolment.policy_models import LateCancellation
    from lms.planning.models import Cycle

    learner = find_user_by_email(email)
    if learner is None or db.session.execute(
            select(LateCancellation.id).where(LateCancellation.user_id == learner.id)).first() is not None:
        return
    cycles = db.session.execute(select(Cycle.id).order_by(Cycle.first_date).limit(2)).scalars().all()
    for months_ago, cycle_id in zip((5, 2), cycles):
        db.session.add(LateCancellation(user_id=learner.id, cycle_id=cycle_id,
                                        occurred_at=now - timedelta(days=30 * months_ago)))
