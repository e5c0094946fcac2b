"""Low-attendance warnings and issued certificates become messages, once each."""
from datetime import timedelta

from lms.attendance.models import AttendanceWarning, WarningKind
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.progress import queue_attendance_warnings
from tests.factories import consume_events
from tests.notifications.conftest import NOW, notifications_of, outbox_rows


def test_an_attendance_warning_goes_to_the_learner_and_the_trainer_once(world):
    from lms.attendance.models import AttendanceStatus
    world.cycle.min_attendance_percent = 50  # 2 of 3: present, absent, and one more miss is too many
    first, second, _third = world.sessions
    when = second.ends_at + timedelta(minutes=1)
    _record(first, world.bo, AttendanceStatus.PRESENT, when)
    _record(second, world.bo, AttendanceStatus.ABSENT, when)
    assert db.session.query(AttendanceWarning).one().kind is WarningKind.ONE_AWAY
    assert queue_attendance_warnings(when) == 2
    db.session.commit()
    assert queue_attendance_warnings(when + timedelta(minutes=5)) == 0
    [learner] = outbox_rows(user_id=world.bo.id)
    assert learner.subject == "Your attendance in Föreningsekonomi (Våren 2027)"
    assert "cannot miss another session" in learner.body_text and "1 of 2" in learner.body_text
    [trainer] = outbox_rows(user_id=world.trainer.id)
    assert trainer.subject.startswith("Närvaro: Bo Smith")
    assert "/attendance/cycles/" in trainer.body_text
    assert db.session.query(AttendanceWarning).one().notified_at == when


def test_an_issued_certificate_is_announced_once_and_a_revoked_one_not(world):
    from lms.certificates.service import issue_certificate

    consume_events()  # what setting up the world recorded
    now = utcnow()
    told = issue_certificate(world.anna.id, world.cycle.id, now, actor_id=world.trainer.id, reason="klar")
    revoked = issue_certificate(world.bo.id, world.cycle.id, now, actor_id=world.trainer.id, reason="klar")
    revoked.revoked_at, revoked.revoke_reason = now, "fel"  # revoked before the notice went out
    consume_events()
    consume_events()  # and the job, once more: nothing twice
    assert told.user_id == world.anna.id
    assert outbox_rows(user_id=world.bo.id, kind="certificate_issued") == []
    [row] = outbox_rows(user_id=world.anna.id, kind="certificate_issued")
    assert row.subject == "Ditt intyg: Föreningsekonomi (Våren 2027)" and "/my/certificates" in row.body_text
    assert [n.kind for n in notifications_of(world.anna)].count("certificate_issued") == 1


def _record(session, user, status, when):
    from lms.attendance.models import AttendanceMethod
    from lms.attendance.service import record_attendance
    record_attendance(session, user.id, status, method=AttendanceMethod.ROLL_CALL, actor_id=None, now=when)
    db.session.commit()


def test_a_corrected_mis_tap_sends_no_warning(world):
    """Absent, then present 1.3 s later: by the time the tick runs the rule no longer holds."""
    from lms.attendance.models import AttendanceStatus
    first = world.sessions[0]
    when = first.ends_at + timedelta(minutes=1)
    _record(first, world.bo, AttendanceStatus.ABSENT, when)  # 1 of 3 missed: 80 % is out of reach
    assert db.session.query(AttendanceWarning).count() == 1
    _record(first, world.bo, AttendanceStatus.PRESENT, when + timedelta(seconds=1.3))
    assert queue_attendance_warnings(when + timedelta(minutes=5)) == 0
    db.session.commit()
    assert outbox_rows(user_id=world.bo.id) == [] and outbox_rows(user_id=world.trainer.id) == []


def test_a_warning_that_still_holds_is_sent(world):
    from lms.attendance.models import AttendanceStatus
    first, second, _third = world.sessions
    when = second.ends_at + timedelta(minutes=1)
    _record(first, world.bo, AttendanceStatus.ABSENT, when)
    _record(second, world.bo, AttendanceStatus.ABSENT, when)
    assert queue_attendance_warnings(when + timedelta(minutes=5)) >= 1
    db.session.commit()
    assert outbox_rows(user_id=world.bo.id)
