"""Recording attendance: who is expected, the audit trail, check-in windows and codes, warnings."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lms.attendance import codes, service
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import (
    Attendance, AttendanceMethod, AttendanceStatus, AttendanceWarning, ExcusedPolicy, WarningKind,
)
from lms.attendance.service import AttendanceError
from lms.audit.models import AuditEvent
from lms.enrolment.service import find_enrolment, withdraw
from lms.extensions import db
from lms.planning.service import cancel_session
from tests.attendance.conftest import FIRST_START, enrol_at, minutes
from tests.factories import make_user

SETTINGS = CheckinSettings()  # opens 30 min before, closes 60 min after the start, late after 10
KEY = "test-secret-key-that-is-long-enough-0123456789"
ROLL = AttendanceMethod.ROLL_CALL


@pytest.fixture(autouse=True)
def english(app):
    """The services' messages in English, as for the test clients."""
    with force_locale("en"):
        yield


def code_now(session, now):
    return service.current_code(session, KEY, now, SETTINGS)[0]


def test_the_roll_call_lists_those_enrolled_at_the_time_of_the_session(setup):
    late_comer = make_user(name="Sen Anmälan")
    enrol_at(late_comer, setup.cycle, FIRST_START + timedelta(days=2))
    leaver = setup.learners[2]
    withdraw(find_enrolment(leaver.id, setup.cycle.id), actor_id=leaver.id, now=FIRST_START + timedelta(days=3))
    first, second = setup.sessions[0], setup.sessions[1]
    assert [u.name for u in service.session_roster(first)] == ["Deltagare A", "Deltagare B", "Deltagare C"]
    assert [u.name for u in service.session_roster(second)] == ["Deltagare A", "Deltagare B", "Sen Anmälan"]
    with pytest.raises(AttendanceError, match="not enrolled"):
        service.record_attendance(first, late_comer.id, AttendanceStatus.PRESENT, method=ROLL,
                                  actor_id=setup.trainer.id, now=FIRST_START)


def test_every_change_is_audited_with_old_and_new_status_and_how(setup):
    learner = setup.learners[0]
    first = setup.first
    saved = service.record_attendance(first, learner.id, AttendanceStatus.PRESENT, method=ROLL,
                                      actor_id=setup.trainer.id, now=FIRST_START)
    assert saved.changed
    again = service.record_attendance(first, learner.id, AttendanceStatus.PRESENT, method=ROLL,
                                      actor_id=setup.trainer.id, now=FIRST_START + minutes(1))
    assert not again.changed
    service.record_attendance(first, learner.id, AttendanceStatus.LATE, method=AttendanceMethod.PAPER,
                              actor_id=setup.trainer.id, now=FIRST_START + minutes(2), note="Kom 18.20")
    db.session.commit()
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "attendance.recorded")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [(e.details["old"], e.details["new"], e.details["method"]) for e in events] == [
        (None, "present", "roll_call"), ("present", "late", "paper")]
    assert all(e.actor_id == setup.trainer.id for e in events)
    record = db.session.execute(select(Attendance)).scalar_one()
    assert (record.status, record.note, record.method) == (AttendanceStatus.LATE, "Kom 18.20", AttendanceMethod.PAPER)


def test_nothing_but_an_excused_absence_is_recorded_before_a_session_or_at_a_cancelled_one(setup):
    learner, second = setup.learners[0], setup.sessions[1]
    with pytest.raises(AttendanceError, match="not started"):
        service.record_attendance(second, learner.id, AttendanceStatus.PRESENT, method=ROLL,
                                  actor_id=setup.trainer.id, now=FIRST_START)
    service.record_attendance(second, learner.id, AttendanceStatus.EXCUSED, method=ROLL,
                              actor_id=setup.trainer.id, now=FIRST_START, note="Resa")
    cancel_session(setup.sessions[2], actor_id=None, now=FIRST_START)
    with pytest.raises(AttendanceError, match="cancelled"):
        service.record_attendance(setup.sessions[2], learner.id, AttendanceStatus.EXCUSED, method=ROLL,
                                  actor_id=setup.trainer.id, now=FIRST_START)


def test_mark_all_present_leaves_those_already_marked(setup):
    a, b, c = setup.learners
    service.record_attendance(setup.first, b.id, AttendanceStatus.EXCUSED, method=ROLL,
                              actor_id=setup.trainer.id, now=FIRST_START)
    assert service.mark_all_present(setup.first, actor_id=setup.trainer.id, now=FIRST_START) == 2
    statuses = {uid: r.status for uid, r in service.records_of(setup.first.id).items()}
    assert statuses == {a.id: AttendanceStatus.PRESENT, b.id: AttendanceStatus.EXCUSED, c.id: AttendanceStatus.PRESENT}


def test_check_in_window_and_late_threshold(setup):
    learner, first = setup.learners[0], setup.first
    check = lambda when: service.check_in(first, learner.id, method=AttendanceMethod.CODE, actor_id=learner.id,
                                          now=when, settings=SETTINGS)
    with pytest.raises(AttendanceError, match="opens at 17:30"):
        check(FIRST_START - minutes(31))
    with pytest.raises(AttendanceError, match="closed at 19:00"):
        check(FIRST_START + minutes(60))
    assert check(FIRST_START + minutes(10)).attendance.status is AttendanceStatus.PRESENT


@pytest.mark.parametrize("offset, status", [(-30, "present"), (10, "present"), (11, "late"), (59, "late")])
def test_present_until_the_threshold_late_after_it(setup, offset, status):
    learner = setup.learners[1]
    saved = service.check_in(setup.first, learner.id, method=AttendanceMethod.QR, actor_id=learner.id,
                             now=FIRST_START + minutes(offset), settings=SETTINGS)
    assert saved.attendance.status.value == status


def test_checking_in_twice_changes_nothing(setup):
    learner, first = setup.learners[0], setup.first
    saved = service.check_in(first, learner.id, method=AttendanceMethod.CODE, actor_id=learner.id,
                             now=FIRST_START + minutes(20), settings=SETTINGS)
    assert saved.changed and saved.attendance.status is AttendanceStatus.LATE
    again = service.check_in(first, learner.id, method=AttendanceMethod.CODE, actor_id=learner.id,
                             now=FIRST_START + minutes(21), settings=SETTINGS)
    assert not again.changed and again.attendance.status is AttendanceStatus.LATE


def test_a_trainers_mark_beats_a_later_check_in_which_stays_in_the_audit_trail(setup):
    """The conflict rule: a learner's own check-in never changes what a trainer marked."""
    learner, first = setup.learners[0], setup.first
    service.record_attendance(first, learner.id, AttendanceStatus.ABSENT, method=ROLL,
                              actor_id=setup.trainer.id, now=FIRST_START)
    saved = service.check_in(first, learner.id, method=AttendanceMethod.QR, actor_id=learner.id,
                             now=FIRST_START + minutes(20), settings=SETTINGS)
    assert saved.overruled and not saved.changed and saved.attendance.status is AttendanceStatus.ABSENT
    kept_out = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.action == "attendance.checkin_overruled")).scalar_one()
    assert kept_out.actor_id == learner.id
    assert (kept_out.details["old"], kept_out.details["new"], kept_out.details["method"]) == ("absent", "late", "qr")


def test_a_trainer_scanning_a_personal_code_may_still_change_an_absence(setup):
    learner, first = setup.learners[0], setup.first
    service.record_attendance(first, learner.id, AttendanceStatus.ABSENT, method=ROLL,
                              actor_id=setup.trainer.id, now=FIRST_START)
    saved = service.check_in(first, learner.id, method=AttendanceMethod.PERSONAL_QR, actor_id=setup.trainer.id,
                             now=FIRST_START + minutes(20), settings=SETTINGS)
    assert saved.changed and saved.attendance.status is AttendanceStatus.LATE


def test_someone_not_enrolled_cannot_check_in(setup):
    stranger = make_user()
    with pytest.raises(AttendanceError, match="not enrolled"):
        service.check_in(setup.first, stranger.id, method=AttendanceMethod.CODE, actor_id=stranger.id,
                         now=FIRST_START, settings=SETTINGS)


def test_a_typed_code_finds_its_session_and_expires(setup):
    now = FIRST_START - minutes(5)
    code = code_now(setup.first, now)
    found = service.find_session_by_code(code, secret_key=KEY, now=now + timedelta(seconds=5), settings=SETTINGS)
    assert found.id == setup.first.id
    with pytest.raises(AttendanceError, match="expired"):
        service.find_session_by_code(code, secret_key=KEY, now=now + timedelta(seconds=45), settings=SETTINGS)
    with pytest.raises(AttendanceError, match="not right"):
        service.find_session_by_code("999999" if code != "999999" else "111111", secret_key=KEY, now=now,
                                     settings=SETTINGS)


def test_a_scanned_code_is_verified_for_its_own_session_only(setup):
    now = FIRST_START
    code = code_now(setup.first, now)
    service.verify_code(setup.first, code, secret_key=KEY, now=now, settings=SETTINGS)
    with pytest.raises(AttendanceError):
        service.verify_code(setup.sessions[1], code, secret_key=KEY, now=now, settings=SETTINGS)
    with pytest.raises(AttendanceError, match="expired"):
        service.verify_code(setup.first, code, secret_key=KEY, now=now + timedelta(minutes=2), settings=SETTINGS)


def test_a_trainer_checks_a_learner_in_with_the_personal_code(setup):
    learner = setup.learners[2]
    code = codes.personal_code(KEY, learner.id)
    who, saved = service.check_in_by_personal_code(setup.first, code, actor_id=setup.trainer.id, secret_key=KEY,
                                                   now=FIRST_START + minutes(15), settings=SETTINGS)
    assert who.id == learner.id and saved.attendance.status is AttendanceStatus.LATE
    assert saved.attendance.method is AttendanceMethod.PERSONAL_QR and saved.attendance.recorded_by_id == setup.trainer.id
    stranger = make_user(name="Okänd Person")
    with pytest.raises(AttendanceError, match="Okänd Person is not enrolled"):
        service.check_in_by_personal_code(setup.first, codes.personal_code(KEY, stranger.id), actor_id=setup.trainer.id,
                                          secret_key=KEY, now=FIRST_START, settings=SETTINGS)
    with pytest.raises(AttendanceError, match="not valid"):
        service.check_in_by_personal_code(setup.first, "1-0000", actor_id=setup.trainer.id, secret_key=KEY,
                                          now=FIRST_START, settings=SETTINGS)


def record_all(setup, session, statuses, when):
    for learner, status in zip(setup.learners, statuses):
        service.record_attendance(session, learner.id, status, method=ROLL, actor_id=setup.trainer.id, now=when)


def test_summary_from_the_database_agrees_with_hand_computation(setup):
    P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
    first, second, third, fourth = setup.sessions
    cancel_session(third, actor_id=None, now=FIRST_START)
    record_all(setup, first, [P, A, E], FIRST_START)
    record_all(setup, second, [P, P, P], second.starts_at)
    after_second = second.ends_at + minutes(1)
    a, b, c = (service.attendance_summary(u.id, setup.cycle.id, after_second) for u in setup.learners)
    # 3 sessions counted (one cancelled), 80 % → ceil(2.4) = 3 needed
    assert (a.held, a.attended, a.percent, a.ahead, a.can_miss, a.standing.value) == (2, 2, 100.0, 1, 0, "one_away")
    assert (b.attended, b.percent, b.can_still_reach, b.standing.value) == (1, 50.0, False, "unreachable")
    # excused leaves the count: 1 of 1 so far, ceil(0.8 × 2) = 2 needed
    assert (c.attended, c.excused, c.percent, c.needed, c.standing.value) == (1, 1, 100.0, 2, "one_away")
    service.set_excused_policy(setup.cycle, ExcusedPolicy.ABSENT, actor_id=setup.trainer.id, now=after_second)
    c = service.attendance_summary(setup.learners[2].id, setup.cycle.id, after_second)
    assert (c.percent, c.standing.value) == (50.0, "unreachable")
    assert service.attendance_summary(make_user().id, setup.cycle.id, after_second) is None


def test_a_warning_is_raised_once_per_kind_for_the_notifications_to_send(setup):
    P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
    first, second = setup.sessions[:2]
    learner = setup.learners[0]
    service.record_attendance(first, learner.id, A, method=ROLL, actor_id=setup.trainer.id, now=first.ends_at)
    # 4 sessions, ceil(3.2) = 4 needed: one absence already puts it out of reach
    kinds = lambda: db.session.execute(select(AttendanceWarning.kind).where(AttendanceWarning.user_id == learner.id)).scalars().all()
    assert kinds() == [WarningKind.UNREACHABLE]
    service.record_attendance(first, learner.id, P, method=ROLL, actor_id=setup.trainer.id, now=first.ends_at)
    assert kinds() == [WarningKind.UNREACHABLE], "none to spare, but nothing missed: no new warning"
    service.record_attendance(first, learner.id, A, method=ROLL, actor_id=setup.trainer.id, now=first.ends_at)
    service.record_attendance(second, learner.id, A, method=ROLL, actor_id=setup.trainer.id, now=second.ends_at)
    assert kinds() == [WarningKind.UNREACHABLE], "each kind is raised once"
    other = setup.learners[1]
    service.record_attendance(first, other.id, P, method=ROLL, actor_id=setup.trainer.id, now=first.ends_at)
    assert db.session.execute(select(AttendanceWarning).where(AttendanceWarning.user_id == other.id)).first() is None


def test_one_absence_away_is_warned_once_something_was_missed(app):
    from datetime import date
    from lms.attendance.models import AttendanceWarning
    from tests.factories import make_cycle
    from tests.attendance.conftest import BEFORE

    trainer, learner = make_user(roles=["trainer"]), make_user()
    cycle = make_cycle(first_date=date(2030, 1, 8), sessions=10, trainers=[trainer], now=BEFORE)
    enrol_at(learner, cycle, BEFORE)
    first, second = cycle.sessions[:2]
    for session in (first, second):
        service.record_attendance(session, learner.id, AttendanceStatus.ABSENT, method=ROLL,
                                  actor_id=trainer.id, now=session.ends_at)
    # 10 sessions at 80 %: 8 needed, 0 attended of 2, 8 ahead: no absence to spare
    warning = db.session.execute(select(AttendanceWarning)).scalar_one()
    assert (warning.kind, warning.attended, warning.counted, warning.notified_at) == (WarningKind.ONE_AWAY, 0, 2, None)
