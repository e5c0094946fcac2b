"""Change notices and enrolment messages: .ics with the session's UID, SEQUENCE and METHOD,
bursts of edits coalesced, cycle cancellations, and decisions that always go out.
"""
from datetime import date, time, timedelta

from sqlalchemy import select

from lms.enrolment.offers import accept_offer, offers_waiting
from lms.notifications.timeliness import check_before_sending
from lms.db_types import utcnow
from lms.enrolment import service as enrolment
from lms.extensions import db
from lms.notifications import service
from lms.notifications.notices import queue_change_notices
from lms.planning import service as planning
from lms.planning.models import SessionChange
from tests.factories import consume_events, make_cycle, make_user
from tests.notifications.conftest import NOW, STOCKHOLM, ics_of, notifications_of, outbox_rows

LATER = NOW + timedelta(minutes=10)  # past the coalescing delay


def _move(session, day, hour=18, at=NOW):
    planning.move_session(session, day=day, start=time(hour, 0), duration_minutes=120,
                          room_id=session.room_id, actor_id=None, now=at)
    session.changes[-1].created_at = at  # planning stamps changes with the wall clock; freeze it


def test_a_moved_session_is_sent_to_learners_and_trainer_with_an_updating_ics(world):
    first = world.sessions[0]
    _move(first, date(2027, 3, 3))
    db.session.commit()
    assert queue_change_notices(LATER) == 3
    db.session.commit()
    [row] = outbox_rows(user_id=world.bo.id)
    assert row.kind == "session_moved" and row.subject.startswith("Moved: Föreningsekonomi")
    assert "Before: Tuesday 2 March 2027, 18:00" in row.body_text
    assert "Now: Wednesday 3 March 2027, 18:00–20:00" in row.body_text
    calendar, [event] = ics_of(row)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"session-{first.id}@kompetenscentret" and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART").astimezone(STOCKHOLM).strftime("%d %H:%M") == "03 18:00"
    assert {r.user_id for r in outbox_rows()} == {world.anna.id, world.bo.id, world.trainer.id}
    assert db.session.execute(select(SessionChange.notified_at)).scalar_one() == LATER
    assert queue_change_notices(LATER + timedelta(minutes=1)) == 0


def test_a_cancelled_session_is_sent_with_method_cancel(world):
    second = world.sessions[1]
    planning.cancel_session(second, actor_id=None, now=NOW)
    db.session.commit()
    queue_change_notices(LATER)
    db.session.commit()
    [row] = outbox_rows(user_id=world.anna.id)
    assert row.kind == "session_cancelled" and row.subject.startswith("Inställt: Föreningsekonomi")
    calendar, [event] = ics_of(row)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"session-{second.id}@kompetenscentret" and event["SEQUENCE"] == 1


def test_a_burst_of_edits_waits_and_goes_out_as_one_message_about_the_latest_state(world):
    first = world.sessions[0]
    _move(first, date(2027, 3, 3), at=NOW)
    db.session.commit()
    assert queue_change_notices(NOW + timedelta(minutes=2)) == 0  # still being edited
    _move(first, date(2027, 3, 4), hour=19, at=NOW + timedelta(minutes=3))
    db.session.commit()
    assert queue_change_notices(NOW + timedelta(minutes=6)) == 0
    assert queue_change_notices(NOW + timedelta(minutes=9)) == 3
    db.session.commit()
    [row] = outbox_rows(user_id=world.anna.id)
    _, [event] = ics_of(row)
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTART").astimezone(STOCKHOLM).strftime("%d %H:%M") == "04 19:00"
    assert "tisdag 2 mars 2027, 18:00" in row.body_text  # before: the time people knew


def test_an_added_session_is_announced(world):
    planning.add_session(world.cycle, day=date(2027, 3, 20), start=time(10, 0), duration_minutes=180,
                         room_id=None, actor_id=None, now=NOW)
    db.session.commit()
    queue_change_notices(LATER)
    db.session.commit()
    [row] = outbox_rows(user_id=world.bo.id)
    assert row.kind == "session_added" and "Saturday 20 March 2027, 10:00–13:00" in row.body_text
    assert row.ics_method == "REQUEST"


def test_a_cancelled_cycle_is_one_message_per_person_cancelling_every_session(world):
    waiting = make_user("vanta@example.org")
    world.cycle.capacity = 2
    enrolment.enrol(waiting.id, world.cycle, now=NOW)
    planning.cancel_cycle(world.cycle, actor_id=None, now=NOW)
    db.session.commit()
    assert queue_change_notices(LATER) == 4
    db.session.commit()
    [row] = outbox_rows(user_id=world.anna.id)
    assert row.kind == "cycle_cancelled" and row.subject == "Inställt: Föreningsekonomi (Våren 2027)"
    calendar, events = ics_of(row)
    assert str(calendar["METHOD"]) == "CANCEL" and len(events) == 3
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    [told] = outbox_rows(user_id=waiting.id)
    assert told.ics is None  # the wait-listed never had the sessions


def test_changes_and_cancellations_go_out_even_with_reminder_emails_off(world):
    service.save_preferences(world.anna.id, email_reminders=False, reminder_hours=[], now=NOW)
    planning.cancel_session(world.sessions[0], actor_id=None, now=NOW)
    db.session.commit()
    queue_change_notices(LATER)
    db.session.commit()
    assert [r.kind for r in outbox_rows(user_id=world.anna.id)] == ["session_cancelled"]


def _told() -> int:
    """Commit, consume the enrolment events (lms/events): the messages queued by that."""
    before = len(outbox_rows())
    consume_events()
    return len(outbox_rows()) - before


def _future_cycle(**kwargs):
    """Enrolment events are stamped with the real time, so these cycles lie in the future."""
    return make_cycle(first_date=date(2030, 1, 8), now=utcnow(), **kwargs)


def test_enrolment_confirmation_wait_list_offer_and_decisions(app):
    cycle = _future_cycle(capacity=1, sessions=2)
    first, second = make_user("forst@example.org", locale="en"), make_user("andra@example.org")
    mine = enrolment.enrol(first.id, cycle, now=utcnow())
    enrolment.enrol(second.id, cycle, now=utcnow())
    assert _told() == 2
    [confirmed] = outbox_rows(user_id=first.id)
    assert confirmed.kind == "enrolment_confirmed" and confirmed.subject.startswith("You are enrolled")
    calendar, events = ics_of(confirmed)
    assert str(calendar["METHOD"]) == "REQUEST" and len(events) == 2
    [waiting] = outbox_rows(user_id=second.id)
    assert waiting.kind == "enrolment_waitlisted" and waiting.ics is None
    enrolment.withdraw(mine, actor_id=first.id, now=utcnow())
    assert _told() == 1
    offer = outbox_rows(user_id=second.id)[-1]
    assert offer.kind == "waitlist_offer" and offer.subject.startswith("En plats är ledig för dig")
    assert "/offers/" in offer.body_text and "?answer=accept" in offer.body_text and offer.ics is None
    assert [n.kind for n in notifications_of(second)][-1] == "waitlist_offer"
    assert check_before_sending(offer, utcnow()) is None
    accept_offer(offers_waiting(second.id, utcnow())[0], now=utcnow(), actor_id=second.id)
    assert check_before_sending(offer, utcnow()).status.value == "expired"  # not sent once answered
    assert _told() == 1
    promoted = outbox_rows(user_id=second.id)[-1]
    assert promoted.kind == "enrolment_promoted" and promoted.subject.startswith("Du fick en plats")
    assert promoted.ics_method == "REQUEST"
    assert _told() == 0


def test_approval_and_decline_are_told(app):
    cycle = _future_cycle(approval_required=True)
    coordinator = make_user(roles=["coordinator"])
    yes, no = make_user("ja@example.org"), make_user("nej@example.org")
    asked = [enrolment.enrol(u.id, cycle, now=utcnow()) for u in (yes, no)]
    assert _told() == 0  # a request awaiting approval: nothing to tell yet
    enrolment.approve(asked[0], actor_id=coordinator.id, now=utcnow())
    enrolment.decline(asked[1], actor_id=coordinator.id, now=utcnow())
    assert _told() == 2
    assert [r.kind for r in outbox_rows(user_id=yes.id)] == ["enrolment_confirmed"]
    assert [r.kind for r in outbox_rows(user_id=no.id)] == ["enrolment_declined"]
    assert [n.kind for n in notifications_of(no)] == ["enrolment_declined"]
