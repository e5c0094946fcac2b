"""Demo reserved seats: next term's board course (a popular cycle) keeps seats for two blocks: five
for Möllevångens Kulturförening, whose contact (kontakt@mollankultur.example) has given two and
has three left to give, and four shared by Rosengårds Läxhjälp and Språkvänner i Malmö, all given.
Idempotent: a cycle that has blocks already is left as it is."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import Organisation
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.db_types import utcnow
from lms.enrolment import reservations
from lms.enrolment.reservation_models import SeatReservation
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus
from lms.planning.service import local_day_start

COURSE = "styrelsearbete"
BLOCKS = [  # (organisations, seats, given by, members given a seat)
    (("Möllevångens Kulturförening",), 5, "kontakt@mollankultur.example", (40, 50)),
    (("Rosengårds Läxhjälp", "Språkvänner i Malmö"), 4, "kontakt@laxhjalpen.example", (1, 11, 2, 12)),
]


def seed_reservations_demo() -> None:
    from lms.demo import learner_email

    now = utcnow()
    cycle = db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == COURSE, Cycle.status == CycleStatus.PUBLISHED, Cycle.first_date > now.date())
        .order_by(Cycle.first_date)
    ).scalars().first()
    if cycle is None or db.session.execute(
            select(SeatReservation.id).where(SeatReservation.cycle_id == cycle.id)).first() is not None:
        return
    coordinator = find_user_by_email("samordnare@kompetenscentret.example")
    deadline = local_day_start(cycle.first_date - timedelta(days=7))
    for names, seats, giver_email, members in BLOCKS:
        organisations = db.session.execute(select(Organisation.id).where(Organisation.name.in_(names))).scalars()
        block = reservations.reserve(cycle, list(organisations), seats, deadline,
                                     actor_id=coordinator.id if coordinator else None, now=now)
        giver = find_user_by_email(giver_email)
        for member in members:
            person = find_user_by_email(member if isinstance(member, str) else learner_email(member))
            if person is not None and giver is not None:
                actor = giver if person.organisation_id == giver.organisation_id else coordinator
                reservations.give_seat(block, person, actor=actor or giver, now=now)
    db.session.flush()

