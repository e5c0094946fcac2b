"""Low-attendance warnings and issued certificates become messages, once each."""
from datetime import timedelta

from lms.attendance.models import AttendanceWarning, WarningKind
from lms.certificates.models import Certificate, IssueOrigin
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.progress import queue_attendance_warnings, queue_certificate_notices
from tests.notifications.conftest import NOW, notifications_of, outbox_rows


def test_an_attendance_warning_goes_to_the_learner_and_the_trainer_once(world):
    db.session.add(AttendanceWarning(user_id=world.bo.id, cycle_id=world.cycle.id, kind=WarningKind.ONE_AWAY,
                                     attended=1, counted=2, created_at=NOW))
    db.session.commit()
    assert queue_attendance_warnings(NOW) == 2
    db.session.commit()
    assert queue_attendance_warnings(NOW + timedelta(minutes=5)) == 0
    [learner] = outbox_rows(user_id=world.bo.id)
    assert learner.subject == "Your attendance in Föreningsekonomi (Våren 2027)"
    assert "cannot miss another session" in learner.body_text and "1 of 2" in learner.body_text
    [trainer] = outbox_rows(user_id=world.trainer.id)
    assert trainer.subject.startswith("Närvaro: Bo Smith")
    assert "/attendance/cycles/" in trainer.body_text
    assert db.session.query(AttendanceWarning).one().notified_at == NOW


def test_an_issued_certificate_is_announced_once_and_a_revoked_one_not(world):
    now = utcnow()
    for learner, revoked in ((world.anna, None), (world.bo, now)):
        db.session.add(Certificate(user_id=learner.id, cycle_id=world.cycle.id, code=f"KC-{learner.id:09d}",
                                   origin=IssueOrigin.AUTOMATIC, issued_at=now, design="standard",
                                   snapshot={}, revoked_at=revoked, revoke_reason="fel" if revoked else None))
    db.session.commit()
    assert queue_certificate_notices(now) == 1
    db.session.commit()
    assert queue_certificate_notices(now) == 0
    [row] = outbox_rows(user_id=world.anna.id)
    assert row.subject == "Ditt intyg: Föreningsekonomi (Våren 2027)" and "/my/certificates" in row.body_text
    assert [n.kind for n in notifications_of(world.anna)] == ["certificate_issued"]
