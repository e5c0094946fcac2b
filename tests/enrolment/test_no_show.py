"""The cancellation deadline and the no-show rule, with frozen time."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.audit.models import AuditEvent
from lms.enrolment import no_show, offers, service
from lms.enrolment.models import EnrolmentError, EnrolmentStatus
from lms.enrolment.policy_models import LateCancellation
from lms.extensions import db
from lms.privacy.retention import apply_retention
from tests.factories import make_cycle, make_user

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
FIRST = datetime(2027, 3, 2, 17, 0, tzinfo=timezone.utc)  # 2 March 2027, 18:00 in Stockholm


def _seated(user=None, **kwargs):
    cycle = make_cycle(first_date=date(2027, 3, 2), now=NOW, **kwargs)
    user = user or make_user()
    return service.enrol(user.id, cycle, now=NOW)


def _absent(user, when: datetime):
    """An absence without excuse from a session of a cycle the person had a seat in."""
    cycle = make_cycle(first_date=when.date(), sessions=1, now=when - timedelta(days=30))
    session = cycle.sessions[0]
    db.session.add(Attendance(session_id=session.id, user_id=user.id, status=AttendanceStatus.ABSENT,
                              method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
    db.session.flush()


def test_the_deadline_is_the_cycles_hours_before_the_first_session(app):
    enrolment = _seated()
    enrolment.cycle.cancellation_hours = 48
    assert no_show.cancellation_deadline(enrolment.cycle) == FIRST - timedelta(hours=48)


def test_giving_up_a_seat_before_the_deadline_is_free_and_after_it_is_late(app):
    early, late = _seated(), _seated()
    deadline = no_show.cancellation_deadline(early.cycle)
    service.withdraw(early, actor_id=early.user_id, now=deadline - timedelta(minutes=1))
    service.withdraw(late, actor_id=late.user_id, now=deadline)
    rows = db.session.execute(select(LateCancellation)).scalars().all()
    assert [(r.user_id, r.cycle_id, r.occurred_at) for r in rows] == [(late.user_id, late.cycle_id, deadline)]
    assert db.session.execute(select(AuditEvent.action).where(
        AuditEvent.action == "enrolment.late_cancellation")).scalars().all() == ["enrolment.late_cancellation"]


def test_a_coordinator_removing_someone_late_is_not_the_learners_late_cancellation(app):
    enrolment = _seated()
    service.withdraw(enrolment, actor_id=make_user(roles=["coordinator"]).id, now=FIRST - timedelta(hours=1))
    assert db.session.execute(select(LateCancellation)).first() is None


def test_leaving_the_wait_list_late_is_not_a_late_cancellation(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    service.enrol(make_user().id, cycle, now=NOW)
    waiting = service.enrol(make_user().id, cycle, now=NOW)
    service.withdraw(waiting, actor_id=waiting.user_id, now=FIRST - timedelta(hours=1))
    assert db.session.execute(select(LateCancellation)).first() is None


def test_two_no_shows_or_late_cancellations_make_the_next_enrolment_ask_for_approval(app):
    learner = make_user()
    _absent(learner, datetime(2026, 10, 6, 16, 0, tzinfo=timezone.utc))
    assert not no_show.needs_approval(learner.id, NOW)
    late = _seated(learner)
    service.withdraw(late, actor_id=learner.id, now=FIRST - timedelta(hours=2))
    after = FIRST - timedelta(hours=1)
    standing = no_show.standing(learner.id, after)
    assert standing.restricted and [s.kind for s in standing.strikes] == ["late_cancellation", "no_show"]
    asking = service.enrol(learner.id, make_cycle(first_date=date(2027, 4, 6), now=NOW), now=after)
    assert asking.status is EnrolmentStatus.PENDING
    decided = service.enrol(learner.id, make_cycle(first_date=date(2027, 4, 6), now=NOW), now=after,
                            actor_id=make_user(roles=["coordinator"]).id, decided=True)
    assert decided.status is EnrolmentStatus.ENROLLED  # a coordinator enrolling them decides at once


def test_what_is_older_than_the_window_no_longer_counts_and_retention_deletes_it(app):
    learner = make_user()
    _absent(learner, datetime(2025, 11, 4, 17, 0, tzinfo=timezone.utc))
    db.session.add(LateCancellation(user_id=learner.id, cycle_id=None,
                                    occurred_at=datetime(2025, 12, 1, tzinfo=timezone.utc)))
    db.session.flush()
    assert no_show.needs_approval(learner.id, datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert not no_show.needs_approval(learner.id, datetime(2026, 12, 2, tzinfo=timezone.utc))
    apply_retention(datetime(2026, 12, 2, tzinfo=timezone.utc))
    assert db.session.execute(select(LateCancellation)).first() is None


def test_a_coordinator_lifts_the_rule_with_a_reason_and_it_is_audited(app):
    learner, coordinator = make_user(), make_user(roles=["coordinator"])
    for day in (5, 12):
        _absent(learner, datetime(2026, 10, day, 16, 0, tzinfo=timezone.utc))
    assert no_show.needs_approval(learner.id, NOW)
    with pytest.raises(EnrolmentError):
        no_show.lift_standing(learner.id, actor_id=coordinator.id, reason="  ", now=NOW)
    no_show.lift_standing(learner.id, actor_id=coordinator.id, reason="Sjuk, intyg visat", now=NOW)
    assert not no_show.needs_approval(learner.id, NOW + timedelta(minutes=1))
    assert not no_show.standing(learner.id, NOW + timedelta(minutes=1)).strikes
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "no_show.lifted")).scalar_one()
    assert (event.actor_id, event.object_id, event.details["note"]) == (coordinator.id, learner.id, "Sjuk, intyg visat")


@pytest.mark.config(LMS_NO_SHOW_LIMIT=0)
def test_a_limit_of_zero_turns_the_rule_off(app):
    learner = make_user()
    for day in (5, 12, 19):
        _absent(learner, datetime(2026, 10, day, 16, 0, tzinfo=timezone.utc))
    assert not no_show.needs_approval(learner.id, NOW)


def test_accepting_an_offer_under_the_rule_asks_for_approval(app):
    learner = make_user()
    for day in (5, 12):
        _absent(learner, datetime(2026, 10, day, 16, 0, tzinfo=timezone.utc))
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=1, now=NOW)
    seated = service.enrol(make_user().id, cycle, now=NOW)
    waiting = service.enrol(learner.id, cycle, now=NOW)
    [offer] = service.withdraw(seated, actor_id=None, now=NOW)
    assert offers.accept_offer(offer, now=NOW, actor_id=learner.id).status is EnrolmentStatus.PENDING
    assert waiting.status is EnrolmentStatus.PENDING and cycle.seats_taken == 1


def test_the_approvers_list_marks_exactly_those_under_the_rule(app):
    flagged, lifted, clean = make_user(), make_user(), make_user()
    for person in (flagged, lifted):
        for day in (5, 12):
            _absent(person, datetime(2026, 10, day, 16, 0, tzinfo=timezone.utc))
    no_show.lift_standing(lifted.id, actor_id=None, reason="Samtal", now=NOW - timedelta(days=1))
    assert no_show.restricted_among([flagged.id, lifted.id, clean.id], NOW) == {flagged.id}
    assert all(no_show.needs_approval(p.id, NOW) == (p is flagged) for p in (flagged, lifted, clean))
