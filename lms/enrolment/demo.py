"""Demo members for the organisation contact's members page: a few more people in the contact's
organisation, one invited who has not chosen a password yet, one enrolled in an upcoming cycle.
Idempotent: people are found by e-mail, enrolments by (person, cycle)."""
from __future__ import annotations

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
