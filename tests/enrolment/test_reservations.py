"""Seats reserved per organisation: reserving, giving seats to members, the deadline, seats given back."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.enrolment import offers, reservations, service
from lms.enrolment.models import EnrolmentError, EnrolmentStatus
from lms.enrolment.reservation_models import ReservedSeat
from lms.extensions import db
from tests.factories import make_cycle, make_organisation, make_user
from tests.seats import assert_no_seat_drift

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def setting(app):
    """A cycle of 5 seats (first session 2 March 2027), two organisations with a contact and members each."""
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=5, now=NOW)
    ours, theirs = make_organisation("Möllans kultur"), make_organisation("Rosengårds IF")
    contact = make_user(roles=("learner", "organisation_contact"), organisation=ours)
    other_contact = make_user(roles=("learner", "organisation_contact"), organisation=theirs)
    members = [make_user(organisation=ours) for _ in range(3)]
    others = [make_user(organisation=theirs) for _ in range(2)]
    coordinator = make_user(roles=("coordinator",))
    return dict(cycle=cycle, ours=ours, theirs=theirs, contact=contact, other_contact=other_contact,
                members=members, others=others, coordinator=coordinator)


def _actions() -> list[str]:
    return db.session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "seat_reservation")
                              .order_by(AuditEvent.id)).scalars().all()


def test_reserved_seats_leave_the_open_pool(setting):
    cycle = setting["cycle"]
    block = reservations.reserve(cycle, [setting["ours"].id], 3, DEADLINE, actor_id=setting["coordinator"].id, now=NOW)
    assert cycle.seats_taken == 3 and block.seats_left == 3
    seated = [service.enrol(make_user().id, cycle, now=NOW) for _ in range(3)]
    assert [e.status for e in seated] == [EnrolmentStatus.ENROLLED] * 2 + [EnrolmentStatus.WAITLISTED]
    assert block.seats_left == 3  # open enrolment never took a reserved seat
    assert _actions() == ["seats_reserved"]
    assert_no_seat_drift()


def test_only_free_seats_can_be_reserved_and_the_deadline_is_ahead(setting):
    cycle = setting["cycle"]
    service.enrol(make_user().id, cycle, now=NOW)
    with pytest.raises(EnrolmentError, match="4"):
        reservations.reserve(cycle, [setting["ours"].id], 5, DEADLINE, actor_id=None, now=NOW)
    with pytest.raises(EnrolmentError):
        reservations.reserve(cycle, [setting["ours"].id], 2, NOW, actor_id=None, now=NOW)
    with pytest.raises(EnrolmentError):
        reservations.reserve(cycle, [], 2, DEADLINE, actor_id=None, now=NOW)
    assert cycle.seats_taken == 1


def test_a_contact_gives_seats_to_their_members_until_none_are_left(setting):
    cycle, contact, members = setting["cycle"], setting["contact"], setting["members"]
    block = reservations.reserve(cycle, [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    first = reservations.give_seat(block, members[0], actor=contact, now=NOW)
    assert first.status is EnrolmentStatus.ENROLLED and first.decided_by_id == contact.id
    reservations.give_seat(block, members[1], actor=contact, now=NOW)
    assert block.seats_left == 0 and cycle.seats_taken == 2
    with pytest.raises(EnrolmentError):
        reservations.give_seat(block, members[2], actor=contact, now=NOW)
    with pytest.raises(EnrolmentError):  # the same member twice
        reservations.give_seat(block, members[0], actor=setting["coordinator"], now=NOW)
    assert _actions() == ["seats_reserved", "reserved_seat_assigned", "reserved_seat_assigned"]
    choices = reservations.give_seat_choices([block], setting["ours"].id)[block.id]
    assert sorted(m.id for m in choices) == sorted([contact.id, members[2].id])
    assert_no_seat_drift()


def test_a_contact_gives_seats_only_to_their_own_members_of_their_own_blocks(setting):
    cycle = setting["cycle"]
    ours = reservations.reserve(cycle, [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    with pytest.raises(EnrolmentError):  # another organisation's contact
        reservations.give_seat(ours, setting["others"][0], actor=setting["other_contact"], now=NOW)
    with pytest.raises(EnrolmentError):  # a member of another organisation
        reservations.give_seat(ours, setting["others"][0], actor=setting["contact"], now=NOW)
    with pytest.raises(EnrolmentError):  # a learner is no contact
        reservations.give_seat(ours, setting["members"][1], actor=setting["members"][0], now=NOW)
    staff = make_user(roles=("trainer",), organisation=setting["ours"])
    with pytest.raises(EnrolmentError):
        reservations.give_seat(ours, staff, actor=setting["contact"], now=NOW)
    assert ours.seats_left == 2


def test_a_shared_block_serves_each_organisation_first_come(setting):
    cycle = setting["cycle"]
    shared = reservations.reserve(cycle, [setting["ours"].id, setting["theirs"].id], 2, DEADLINE,
                                  actor_id=None, now=NOW)
    reservations.give_seat(shared, setting["others"][0], actor=setting["other_contact"], now=NOW)
    reservations.give_seat(shared, setting["members"][0], actor=setting["contact"], now=NOW)
    with pytest.raises(EnrolmentError):
        reservations.give_seat(shared, setting["members"][1], actor=setting["contact"], now=NOW)
    assert reservations.organisation_reservations(setting["theirs"].id) == [shared]


def test_a_wait_listed_member_given_a_reserved_seat_leaves_the_wait_list(setting):
    cycle, member = setting["cycle"], setting["members"][0]
    block = reservations.reserve(cycle, [setting["ours"].id], 5, DEADLINE, actor_id=None, now=NOW)
    waiting = service.enrol(member.id, cycle, now=NOW)
    assert waiting.status is EnrolmentStatus.WAITLISTED
    seated = reservations.give_seat(block, member, actor=setting["contact"], now=NOW + timedelta(hours=1))
    assert seated.id == waiting.id and seated.status is EnrolmentStatus.ENROLLED and seated.waitlisted_at is None
    assert_no_seat_drift()


def test_at_the_deadline_the_seats_nobody_was_given_return_once(setting):
    cycle, contact = setting["cycle"], setting["contact"]
    block = reservations.reserve(cycle, [setting["ours"].id], 4, DEADLINE, actor_id=None, now=NOW)
    service.enrol(make_user().id, cycle, now=NOW)
    queued = service.enrol(make_user().id, cycle, now=NOW + timedelta(minutes=1))
    reservations.give_seat(block, setting["members"][0], actor=contact, now=NOW)
    assert reservations.release_due(DEADLINE - timedelta(seconds=1)) == 0
    assert reservations.release_due(DEADLINE) == 3
    assert reservations.release_due(DEADLINE + timedelta(minutes=1)) == 0  # once
    db.session.refresh(block)
    assert block.released_at == DEADLINE and block.released_seats == 3 and block.seats_left == 0
    [offer] = offers.offers_waiting(queued.user_id, DEADLINE)  # the wait-list is offered a returned seat
    assert offer.enrolment_id == queued.id and queued.status is EnrolmentStatus.WAITLISTED
    assert cycle.seats_taken == 3
    with pytest.raises(EnrolmentError):
        reservations.give_seat(block, setting["members"][1], actor=contact, now=DEADLINE)
    assert _actions() == ["seats_reserved", "reserved_seat_assigned", "reserved_seats_released"]
    assert_no_seat_drift()


def test_a_seat_is_not_given_after_the_deadline_even_before_the_job_ran(setting):
    block = reservations.reserve(setting["cycle"], [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    with pytest.raises(EnrolmentError):
        reservations.give_seat(block, setting["members"][0], actor=setting["contact"], now=DEADLINE)


def test_a_withdrawn_reserved_seat_goes_back_to_its_block_before_the_deadline(setting):
    cycle, contact, members = setting["cycle"], setting["contact"], setting["members"]
    block = reservations.reserve(cycle, [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    for _ in range(3):
        service.enrol(make_user().id, cycle, now=NOW)
    waiting = service.enrol(make_user().id, cycle, now=NOW + timedelta(minutes=1))
    given = reservations.give_seat(block, members[0], actor=contact, now=NOW)
    assert service.withdraw(given, actor_id=members[0].id, now=NOW + timedelta(days=1)) == []
    db.session.refresh(block)
    assert block.seats_left == 2 and waiting.status is EnrolmentStatus.WAITLISTED
    assert db.session.execute(select(ReservedSeat)).scalars().all() == []
    assert "reserved_seat_returned" in _actions()
    assert_no_seat_drift()
    # after the deadline a withdrawn seat is an open one: it is offered to the wait-list, in order
    again = reservations.give_seat(block, members[1], actor=contact, now=NOW + timedelta(days=2))
    assert reservations.release_due(DEADLINE) == 1
    assert [o.enrolment_id for o in offers.offers_waiting(waiting.user_id, DEADLINE)] == [waiting.id]
    later = service.enrol(make_user().id, cycle, now=DEADLINE)
    offered = service.withdraw(again, actor_id=members[1].id, now=DEADLINE + timedelta(days=1))
    assert [o.enrolment_id for o in offered] == [later.id]
    assert_no_seat_drift()


def test_a_coordinator_may_release_a_block_early(setting):
    cycle = setting["cycle"]
    block = reservations.reserve(cycle, [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    assert reservations.release(block.id, now=NOW, actor_id=setting["coordinator"].id) == 2
    assert reservations.release(block.id, now=NOW, actor_id=setting["coordinator"].id) == 0
    assert cycle.seats_taken == 0
    assert_no_seat_drift()


def test_the_scheduler_job_releases_each_due_block_once(setting, app):
    from lms.notifications.scheduler import JOBS, run_job

    job = next(job for job in JOBS if job.id == "reserved-seats-release")
    block = reservations.reserve(setting["cycle"], [setting["ours"].id], 2, DEADLINE, actor_id=None, now=NOW)
    db.session.commit()
    assert run_job(app, job, now=DEADLINE - timedelta(minutes=1)) == 0
    assert run_job(app, job, now=DEADLINE) == 2
    assert run_job(app, job, now=DEADLINE + timedelta(minutes=1)) == 0
    db.session.expire_all()
    assert block.released_at == DEADLINE and setting["cycle"].seats_taken == 0
    assert _actions() == ["seats_reserved", "reserved_seats_released"]
