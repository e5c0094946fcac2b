"""Planning a cycle, double bookings, changes to sessions and re-planning a published cycle."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.planning import service
from lms.planning.models import (
    CycleStatus, PlanningError, SessionChange, SessionChangeKind, SessionStatus,
)
from tests.factories import make_course, make_cycle, make_room, make_user

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)


def changes(session):
    return db.session.execute(
        select(SessionChange.kind, SessionChange.revision).where(SessionChange.session_id == session.id)
        .order_by(SessionChange.id)
    ).all()


def test_a_cycle_is_saved_as_a_draft_with_its_sessions_in_utc(app):
    room = make_room()
    cycle = make_cycle(first_date=date(2027, 3, 16), sessions=4, room=room, published=False, now=NOW)
    assert cycle.status is CycleStatus.DRAFT
    assert [s.starts_at.hour for s in cycle.sessions] == [17, 17, 16, 16]  # 18:00 across DST
    assert all(s.room_id == room.id and s.revision == 0 for s in cycle.sessions)
    assert db.session.execute(select(SessionChange)).first() is None  # a draft notifies nobody


def test_publishing_needs_a_session_ahead(app):
    cycle = make_cycle(first_date=date(2027, 3, 16), published=False, now=NOW)
    with pytest.raises(PlanningError):
        service.publish_cycle(cycle, actor_id=None, now=datetime(2028, 1, 1, tzinfo=timezone.utc))
    service.publish_cycle(cycle, actor_id=None, now=NOW)
    assert cycle.status is CycleStatus.PUBLISHED
    with pytest.raises(PlanningError):
        service.publish_cycle(cycle, actor_id=None, now=NOW)


def test_room_and_trainer_double_bookings_are_found_against_other_cycles(app):
    room, other_room = make_room(), make_room()
    trainer = make_user(roles=["trainer"], name="Tove Utbildare")
    make_cycle(title="Tisdagar", first_date=date(2027, 3, 2), weekdays=(1,), room=room, now=NOW)
    make_cycle(title="Med Tove", first_date=date(2027, 3, 2), weekdays=(1,), start=time(19, 0),
               room=other_room, trainers=[trainer], now=NOW)
    clash = make_cycle(first_date=date(2027, 3, 9), weekdays=(1,), sessions=2, room=room,
                       trainers=[trainer], published=False, now=NOW)
    spec = _spec_of(clash)
    preview = service.preview_cycle(spec, clash, now=NOW)
    reasons = sorted((c.reason, c.other_cycle.split(": ")[1]) for c in preview.conflicts)
    assert reasons == [("room", "Tisdagar"), ("room", "Tisdagar"),
                       ("trainer", "Med Tove"), ("trainer", "Med Tove")]
    assert preview.conflicts_for(clash.sessions[0].starts_at)


def test_no_double_booking_at_other_times_or_with_cancelled_sessions(app):
    room = make_room()
    other = make_cycle(first_date=date(2027, 3, 2), weekdays=(1,), sessions=1, room=room, now=NOW)
    service.cancel_session(other.sessions[0], actor_id=None, now=NOW)
    later = make_cycle(first_date=date(2027, 3, 2), weekdays=(1,), start=time(20, 0), sessions=1,
                       room=room, published=False, now=NOW)
    assert service.preview_cycle(_spec_of(later), later, now=NOW).conflicts == []


def _spec_of(cycle, **changes):
    from lms.planning.models import RecurrenceKind
    from lms.planning.recurrence import Recurrence

    recurrence = Recurrence(RecurrenceKind.WEEKLY, cycle.first_date, cycle.start_time,
                            cycle.duration_minutes, weekdays=(cycle.first_date.weekday(),),
                            count=cycle.session_count, skip_holidays=cycle.skip_holidays)
    spec = service.CycleSpec(cycle.course_id, cycle.title, recurrence, cycle.room_id, cycle.capacity,
                             tuple(cycle.trainer_ids), None, None, cycle.approval_required, 80)
    return replace(spec, **changes)


def test_moving_cancelling_and_adding_raise_revisions_and_store_changes(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=3, now=NOW)
    first, second, _ = cycle.sessions
    service.move_session(first, day=date(2027, 3, 3), start=time(17, 0), duration_minutes=90,
                         room_id=None, actor_id=None, now=NOW)
    assert first.status is SessionStatus.MOVED and first.revision == 1
    assert first.starts_at == datetime(2027, 3, 3, 16, 0, tzinfo=timezone.utc)
    service.move_session(first, day=date(2027, 3, 4), start=time(17, 0), duration_minutes=90,
                         room_id=None, actor_id=None, now=NOW)
    service.cancel_session(second, actor_id=None, now=NOW)
    extra = service.add_session(cycle, day=date(2027, 4, 1), start=time(10, 0), duration_minutes=60,
                                room_id=None, actor_id=None, now=NOW)
    assert changes(first) == [(SessionChangeKind.MOVED, 1), (SessionChangeKind.MOVED, 2)]
    assert changes(second) == [(SessionChangeKind.CANCELLED, 1)]
    assert changes(extra) == [(SessionChangeKind.ADDED, 0)]
    stored = db.session.execute(select(SessionChange)).scalars().all()
    assert all(change.notified_at is None for change in stored)


def test_past_sessions_and_finished_cycles_cannot_be_changed(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=2, now=NOW)
    later = datetime(2027, 3, 5, tzinfo=timezone.utc)
    with pytest.raises(PlanningError):
        service.cancel_session(cycle.sessions[0], actor_id=None, now=later)
    with pytest.raises(PlanningError):
        service.move_session(cycle.sessions[1], day=date(2027, 3, 1), start=time(18), duration_minutes=60,
                             room_id=None, actor_id=None, now=later)


def test_cancelling_a_cycle_cancels_every_session_ahead(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=3, now=NOW)
    cancelled = service.cancel_cycle(cycle, actor_id=None, now=datetime(2027, 3, 5, tzinfo=timezone.utc))
    assert cancelled == 2
    assert [s.status for s in cycle.sessions] == [SessionStatus.SCHEDULED] + [SessionStatus.CANCELLED] * 2
    assert changes(cycle.sessions[2]) == [(SessionChangeKind.CYCLE_CANCELLED, 1)]
    with pytest.raises(PlanningError):
        service.publish_cycle(cycle, actor_id=None, now=NOW)


def test_replanning_a_published_cycle_keeps_past_and_hand_changed_sessions(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), weekdays=(1,), sessions=6, now=NOW)
    s = cycle.sessions
    moved_by_hand = s[3]
    service.move_session(moved_by_hand, day=date(2027, 3, 24), start=time(18), duration_minutes=120,
                         room_id=None, actor_id=None, now=NOW)
    later = datetime(2027, 3, 12, tzinfo=timezone.utc)  # two sessions have taken place
    past = [(x.id, x.starts_at) for x in s[:2]]
    new_spec = _spec_of(cycle, recurrence=replace(_spec_of(cycle).recurrence, start_time=time(17, 0), count=7))
    preview = service.preview_cycle(new_spec, cycle, now=later)
    r = preview.replan
    assert {x.id for x in r.kept} == {s[0].id, s[1].id, moved_by_hand.id}
    assert [x.id for x, _ in r.moved] == [s[2].id, s[4].id, s[5].id]
    assert [p.planned_date for p in r.added] == [date(2027, 4, 13)]
    assert r.removed == []
    service.save_cycle(cycle, new_spec, actor_id=None, now=later)
    assert [(x.id, x.starts_at) for x in cycle.sessions[:2]] == past
    assert moved_by_hand.starts_at.astimezone(service.local_zone()).time() == time(18, 0)
    assert s[2].starts_at.astimezone(service.local_zone()).time() == time(17, 0)
    assert s[2].revision == 1 and changes(s[2]) == [(SessionChangeKind.MOVED, 1)]
    assert len([x for x in cycle.sessions if not x.cancelled]) == 7


def test_shortening_a_published_plan_cancels_the_sessions_it_drops(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), weekdays=(1,), sessions=4, now=NOW)
    shorter = _spec_of(cycle, recurrence=replace(_spec_of(cycle).recurrence, count=2))
    service.save_cycle(cycle, shorter, actor_id=None, now=NOW)
    assert [x.status for x in cycle.sessions] == [SessionStatus.SCHEDULED] * 2 + [SessionStatus.CANCELLED] * 2
    assert changes(cycle.sessions[3]) == [(SessionChangeKind.CANCELLED, 1)]


def test_replanning_a_draft_simply_replaces_its_sessions(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), weekdays=(1,), sessions=4, published=False, now=NOW)
    service.save_cycle(cycle, _spec_of(cycle, recurrence=replace(_spec_of(cycle).recurrence, count=2)),
                       actor_id=None, now=NOW)
    db.session.expire_all()
    assert len(cycle.sessions) == 2


def test_the_capacity_cannot_drop_below_the_seats_taken(app):
    from lms.enrolment.service import enrol

    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=3, now=NOW)
    for _ in range(2):
        enrol(make_user().id, cycle, now=NOW)
    with pytest.raises(PlanningError):
        service.save_cycle(cycle, _spec_of(cycle, capacity=1), actor_id=None, now=NOW)


def test_rooms_have_unique_names(app):
    service.save_room(None, name="Verkstaden", capacity=10, address="Malmö", accessibility_notes="",
                      active=True, actor_id=None)
    with pytest.raises(PlanningError):
        service.save_room(None, name="Verkstaden", capacity=5, address="Malmö", accessibility_notes="",
                          active=True, actor_id=None)


def test_only_trainers_can_teach_and_the_course_must_exist(app):
    learner = make_user()
    cycle = make_cycle(first_date=date(2027, 3, 2), published=False, now=NOW)
    with pytest.raises(PlanningError):
        service.preview_cycle(_spec_of(cycle, trainer_ids=(learner.id,)), cycle, now=NOW)
    with pytest.raises(PlanningError):
        service.preview_cycle(_spec_of(cycle, course_id=999999), cycle, now=NOW)


def test_finished_cycles_are_marked_once_their_last_session_ends(app):
    cycle = make_cycle(first_date=date(2027, 3, 2), sessions=2, now=NOW)
    assert service.finish_ended_cycles(NOW) == 0
    assert service.finish_ended_cycles(NOW + timedelta(days=90)) == 1
    assert cycle.status is CycleStatus.FINISHED
    assert service.finish_ended_cycles(NOW + timedelta(days=90)) == 0


def test_upcoming_cycles_for_the_catalogue(app):
    from lms.planning.queries import upcoming_cycles_for_courses

    course, other = make_course(), make_course()
    soon = make_cycle(course, title="Snart", first_date=date(2027, 2, 2), capacity=5, now=NOW)
    make_cycle(course, title="Utkast", first_date=date(2027, 2, 2), published=False, now=NOW)
    make_cycle(course, title="Över", first_date=date(2027, 1, 5), sessions=1, now=NOW)
    offers = upcoming_cycles_for_courses([course.id, other.id], now=datetime(2027, 1, 20, tzinfo=timezone.utc))
    assert [o.title for o in offers[course.id]] == ["Snart"]
    assert offers[other.id] == []
    offer = offers[course.id][0]
    assert (offer.id, offer.free_seats, offer.sessions, offer.enrolment_open) == (soon.id, 5, 4, True)
    assert offer.first_starts_at == soon.sessions[0].starts_at


def test_a_cycle_is_finished_by_its_last_live_session_and_never_without_one(app):
    from lms.db_types import utcnow

    ending = make_cycle(first_date=date(2027, 3, 2), sessions=3, now=NOW)
    last = max(ending.sessions, key=lambda s: s.starts_at)
    service.cancel_session(last, actor_id=None, now=NOW)
    all_cancelled = make_cycle(first_date=date(2027, 3, 2), sessions=2, now=NOW)
    for session in all_cancelled.sessions:
        service.cancel_session(session, actor_id=None, now=NOW)
    draft = make_cycle(first_date=date(2027, 3, 2), sessions=2, published=False, now=NOW)
    second_end = sorted(s.ends_at for s in ending.sessions)[1]
    assert service.finish_ended_cycles(second_end - timedelta(minutes=1)) == 0
    assert service.finish_ended_cycles(second_end) == 1, "the cancelled third session does not count"
    assert ending.status is CycleStatus.FINISHED
    assert all_cancelled.status is CycleStatus.PUBLISHED and draft.status is CycleStatus.DRAFT
    assert service.finish_ended_cycles(utcnow() + timedelta(days=3650)) == 0


# --- H4: the preview warns of a plan in the past and of sessions on public holidays ----------

def _weekly_spec(first: date, count: int, *, skip_holidays: bool, weekday: int):
    from lms.planning.models import RecurrenceKind
    from lms.planning.recurrence import Recurrence

    course = make_course()
    recurrence = Recurrence(RecurrenceKind.WEEKLY, first, time(18, 0), 120, weekdays=(weekday,),
                            count=count, skip_holidays=skip_holidays)
    return service.CycleSpec(course.id, "Vår", recurrence, None, 12, (), None, None, False, 80)


def test_the_preview_warns_when_every_session_or_some_are_in_the_past(app):
    from flask_babel import force_locale

    with force_locale("en"):
        _check_past_warnings()


def _check_past_warnings():
    all_past = service.preview_cycle(_weekly_spec(date(2026, 9, 1), 3, skip_holidays=True, weekday=1), None, now=NOW)
    assert any("Every session of this plan is in the past" in w for w in all_past.warnings), all_past.warnings
    some = service.preview_cycle(_weekly_spec(date(2026, 12, 22), 3, skip_holidays=True, weekday=1), None, now=NOW)
    assert any("2 sessions of this plan are in the past" in w for w in some.warnings), some.warnings
    ahead = service.preview_cycle(_weekly_spec(date(2027, 2, 2), 3, skip_holidays=True, weekday=1), None, now=NOW)
    assert ahead.warnings == []


def test_the_preview_marks_sessions_on_public_holidays_when_they_are_not_skipped(app):
    from flask_babel import force_locale

    with force_locale("en"):
        _check_holiday_marks()


def _check_holiday_marks():
    # Thursdays from 2027-04-29: Ascension Day (Kristi himmelsfärdsdag) is 2027-05-06
    kept = service.preview_cycle(_weekly_spec(date(2027, 4, 29), 3, skip_holidays=False, weekday=3), None, now=NOW,
                                 language="en")
    assert list(kept.holidays) == [date(2027, 5, 6)] and "Ascension" in kept.holidays[date(2027, 5, 6)]
    assert any("1 session falls on a public holiday" in w for w in kept.warnings), kept.warnings
    skipped = service.preview_cycle(_weekly_spec(date(2027, 4, 29), 3, skip_holidays=True, weekday=3), None, now=NOW)
    assert skipped.holidays == {} and not skipped.warnings
