"""Enrolment rules: windows, the wait-list in order, approval, bulk enrolment, late enrolment."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.enrolment.offers import accept_offer, open_offer_of
from lms.enrolment import queries, service
from lms.enrolment.models import EnrolmentError, EnrolmentStatus
from lms.extensions import db
from tests.factories import make_cycle, make_organisation, make_user

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_enrolling_takes_a_seat_and_is_audited(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=2, now=NOW)
    learner = make_user()
    enrolment = service.enrol(learner.id, cycle, now=NOW)
    assert enrolment.status is EnrolmentStatus.ENROLLED and enrolment.enrolled_at == NOW
    assert cycle.seats_taken == 1
    assert db.session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "enrolment")
                              ).scalars().all() == ["enrolment.enrolled"]
    with pytest.raises(EnrolmentError):
        service.enrol(learner.id, cycle, now=NOW)


def test_the_enrolment_window_is_respected(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), opens_on=date(2027, 2, 1), closes_on=date(2027, 2, 15), now=NOW)
    learner = make_user()
    for moment in (datetime(2027, 1, 31, 22, 59, tzinfo=timezone.utc),   # 23:59 local on 31 Jan
                   datetime(2027, 2, 15, 23, 0, tzinfo=timezone.utc)):   # 00:00 local on 16 Feb
        assert not service.enrolment_open(cycle, moment)
        with pytest.raises(EnrolmentError):
            service.enrol(learner.id, cycle, now=moment)
    assert service.enrolment_open(cycle, datetime(2027, 1, 31, 23, 0, tzinfo=timezone.utc))
    assert service.enrol(learner.id, cycle, now=datetime(2027, 2, 15, 22, 59, tzinfo=timezone.utc))


def test_drafts_and_cycles_that_have_ended_take_no_enrolments(app):
    draft = make_cycle(first_date=date(2027, 3, 2), published=False, now=NOW)
    with pytest.raises(EnrolmentError):
        service.enrol(make_user().id, draft, now=NOW)
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=2, now=NOW)
    with pytest.raises(EnrolmentError):
        service.enrol(make_user().id, cycle, now=datetime(2027, 4, 1, tzinfo=timezone.utc))


def test_beyond_capacity_people_queue_and_the_first_is_offered_the_freed_seat(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    first, second, third = make_user(), make_user(), make_user()
    seated = service.enrol(first.id, cycle, now=NOW)
    waiting = [service.enrol(u.id, cycle, now=NOW + timedelta(minutes=i + 1)) for i, u in enumerate((second, third))]
    assert [w.status for w in waiting] == [EnrolmentStatus.WAITLISTED] * 2
    assert queries.waitlist_positions([cycle.id]) == {waiting[0].id: 1, waiting[1].id: 2}
    offered = service.withdraw(seated, actor_id=first.id, now=NOW + timedelta(days=1))
    assert [o.user_id for o in offered] == [second.id]
    assert cycle.seats_taken == 1  # the open offer holds the seat
    accept_offer(offered[0], now=NOW + timedelta(days=1, hours=1), actor_id=second.id)
    assert waiting[0].status is EnrolmentStatus.ENROLLED
    assert waiting[0].enrolled_at == NOW + timedelta(days=1, hours=1)
    assert queries.waitlist_positions([cycle.id]) == {waiting[1].id: 1}
    assert cycle.seats_taken == 1


def test_leaving_the_wait_list_frees_no_seat_and_asking_again_goes_to_the_back(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    service.enrol(make_user().id, cycle, now=NOW)
    a, b = make_user(), make_user()
    ea = service.enrol(a.id, cycle, now=NOW + timedelta(minutes=1))
    eb = service.enrol(b.id, cycle, now=NOW + timedelta(minutes=2))
    assert service.withdraw(ea, actor_id=a.id, now=NOW + timedelta(minutes=3)) == []
    again = service.enrol(a.id, cycle, now=NOW + timedelta(minutes=4))
    assert again.id == ea.id and again.status is EnrolmentStatus.WAITLISTED
    assert queries.waitlist_positions([cycle.id]) == {eb.id: 1, ea.id: 2}
    assert cycle.seats_taken == 1


def test_approval_holds_the_seat_until_a_coordinator_decides(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, approval_required=True, now=NOW)
    coordinator = make_user(roles=["coordinator"])
    asking, waiting = make_user(), make_user()
    request = service.enrol(asking.id, cycle, now=NOW)
    queued = service.enrol(waiting.id, cycle, now=NOW + timedelta(minutes=1))
    assert (request.status, queued.status) == (EnrolmentStatus.PENDING, EnrolmentStatus.WAITLISTED)
    assert service.can_decide(coordinator, request)
    service.decline(request, actor_id=coordinator.id, now=NOW + timedelta(hours=1))
    assert request.status is EnrolmentStatus.DECLINED and request.decided_by_id == coordinator.id
    assert queued.status is EnrolmentStatus.WAITLISTED  # offered the seat, which it holds
    accept_offer(open_offer_of(queued.id), now=NOW + timedelta(hours=1), actor_id=waiting.id)
    assert queued.status is EnrolmentStatus.PENDING  # accepted, and asks in turn
    service.approve(queued, actor_id=coordinator.id, now=NOW + timedelta(hours=2))
    assert queued.status is EnrolmentStatus.ENROLLED and queued.enrolled_at == NOW + timedelta(hours=2)
    assert cycle.seats_taken == 1
    with pytest.raises(EnrolmentError):
        service.approve(queued, actor_id=coordinator.id, now=NOW)


def test_an_organisation_contact_decides_only_for_their_own_members(app):
    own, other = make_organisation(), make_organisation()
    contact = make_user(roles=["organisation_contact", "learner"], organisation=own)
    other_contact = make_user(roles=["organisation_contact"], organisation=other)
    member = make_user(organisation=own)
    cycle = make_cycle(first_date=date(2027, 3, 2), approval_required=True, now=NOW)
    request = service.enrol(member.id, cycle, now=NOW)
    own_request = service.enrol(contact.id, cycle, now=NOW)
    assert service.can_decide(contact, request)
    assert not service.can_decide(other_contact, request)
    assert not service.can_decide(contact, own_request)
    assert not service.can_decide(member, request)
    assert [e.id for e in queries.pending_requests(contact)] == [request.id]
    assert queries.pending_requests(other_contact) == []


def test_bulk_enrolment_reports_each_person(app):
    own = make_organisation()
    contact = make_user(roles=["organisation_contact"], organisation=own)
    members = [make_user(f"medlem{i}@example.org", organisation=own) for i in range(3)]
    make_user("annan@example.org", organisation=make_organisation())
    inactive = make_user("slutat@example.org", organisation=own)
    inactive.active = False
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=2, approval_required=True, now=NOW)
    service.enrol(members[2].id, cycle, now=NOW)
    with force_locale("en"):
        report = service.bulk_enrol(
            cycle, actor=contact, user_ids=[members[0].id], now=NOW,
            emails="Medlem1@example.org, medlem0@example.org; annan@example.org\nokand@example.org "
                   "slutat@example.org medlem2@example.org",
        )
    assert [(line.who, line.outcome) for line in report] == [
        ("medlem0@example.org", "enrolled"),      # decided by the contact: no approval needed
        ("medlem1@example.org", "waitlisted"),    # the second seat went to medlem2's request
        ("annan@example.org", "refused"),
        ("okand@example.org", "refused"),
        ("slutat@example.org", "refused"),
        ("medlem2@example.org", "already"),      # already signed up: said so, not refused
    ]
    reasons = {line.who: line.reason for line in report}
    # to a contact, another organisation's member and an unknown address look alike
    assert reasons["annan@example.org"] == reasons["okand@example.org"] == \
        "No member of your organisation has this e-mail address."
    assert reasons["medlem2@example.org"] == "awaiting approval", reasons


def test_a_coordinator_bulk_enrols_anyone_also_outside_the_window(app):
    coordinator = make_user(roles=["coordinator"])
    cycle = make_cycle(first_date=date(2027, 3, 2), opens_on=date(2027, 2, 20), now=NOW)
    people = [make_user(organisation=make_organisation()) for _ in range(2)]
    report = service.bulk_enrol(cycle, actor=coordinator, user_ids=[p.id for p in people], now=NOW)
    assert [line.outcome for line in report] == ["enrolled", "enrolled"]


def test_enrolling_after_the_first_session_is_not_held_to_earlier_sessions(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=4, now=NOW)
    late = service.enrol(make_user().id, cycle, now=datetime(2027, 3, 10, tzinfo=timezone.utc))
    required = queries.required_sessions(late)
    assert [s.id for s in required] == [s.id for s in cycle.sessions[2:]]
    early = service.enrol(make_user().id, cycle, now=NOW)
    assert len(queries.required_sessions(early)) == 4


def test_raising_the_capacity_offers_the_new_seat_to_the_wait_list(app):
    from dataclasses import replace

    from tests.planning.test_service import _spec_of
    from lms.planning.service import save_cycle

    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    service.enrol(make_user().id, cycle, now=NOW)
    waiting = service.enrol(make_user().id, cycle, now=NOW)
    save_cycle(cycle, replace(_spec_of(cycle), capacity=2), actor_id=None, now=NOW)
    assert open_offer_of(waiting.id) is not None and cycle.seats_taken == 2


def test_the_schedule_shows_sessions_of_enrolled_cycles_only(app):
    learner = make_user()
    enrolled = make_cycle(first_date=date(2027, 3, 2), sessions=2, capacity=1, now=NOW)
    full = make_cycle(first_date=date(2027, 3, 2), sessions=2, capacity=1, now=NOW)
    service.enrol(make_user().id, full, now=NOW)
    service.enrol(learner.id, enrolled, now=NOW)
    service.enrol(learner.id, full, now=NOW)
    assert {s.cycle_id for s in queries.sessions_for_user(learner.id)} == {enrolled.id}
    assert [e.cycle_id for e in queries.my_enrolments(learner.id)] == [enrolled.id, full.id]


def test_a_contact_does_not_bulk_enrol_a_staff_account_of_their_organisation(app):
    own = make_organisation()
    contact = make_user(roles=["organisation_contact"], organisation=own)
    trainer = make_user("tranare@example.org", roles=["trainer", "learner"], organisation=own)
    learner = make_user("medlem@example.org", organisation=own)
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=5, now=NOW)
    with force_locale("en"):
        report = service.bulk_enrol(cycle, actor=contact, user_ids=[trainer.id, learner.id], now=NOW)
    assert [(line.who, line.outcome) for line in report] == [
        ("tranare@example.org", "refused"), ("medlem@example.org", "enrolled")]
    assert "staff account" in report[0].reason
    assert not service.contact_may_enrol(trainer) and service.contact_may_enrol(learner)


def test_bulk_entries_are_split_by_lines_commas_and_semicolons_and_a_bad_one_is_one_line():
    assert service.split_addresses("not an email\nAnna Berg <anna@example.org>; bo@example.org, "
                                   "cy@example.org dee@example.org\n\n") == [
        "not an email", "anna@example.org", "bo@example.org", "cy@example.org", "dee@example.org"]


def test_a_bulk_entry_that_is_not_an_address_is_reported_once(app):
    coordinator = make_user(roles=["coordinator"])
    cycle = make_cycle(first_date=date(2027, 3, 2), now=NOW)
    with force_locale("en"):
        report = service.bulk_enrol(cycle, actor=coordinator, emails="not an email", now=NOW)
    assert [(line.who, line.outcome, line.reason) for line in report] == [
        ("not an email", "refused", "This is not an e-mail address.")]
