"""Signed attendance: the cycle's setting, the signing window, one signature per learner and session,
and no signature without a present or late record."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.attendance import service, signatures
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import AttendanceMethod, AttendanceStatus
from lms.attendance.service import AttendanceError
from lms.attendance.signature_models import AttendanceSignature, SignatureDevice
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.planning.service import cancel_session
from tests.attendance.conftest import FIRST_START, minutes

SETTINGS = CheckinSettings()  # check-in opens 30 min before the start, closes 60 min after it
DRAWING = '<svg><path d="M10 10 L60 40 L120 20"/><script>alert(1)</script></svg>'
TRAINER_DEVICE = SignatureDevice.TRAINER


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def signed_cycle(setup):
    signatures.set_signatures_required(setup.cycle, True, actor_id=setup.trainer.id, now=FIRST_START - minutes(600))
    return setup


def present(setup, learner, status=AttendanceStatus.PRESENT, at=FIRST_START):
    service.record_attendance(setup.first, learner.id, status, method=AttendanceMethod.ROLL_CALL,
                              actor_id=setup.trainer.id, now=at)


def sign(setup, learner, at=FIRST_START + minutes(20), drawing=DRAWING, device=TRAINER_DEVICE, by=None):
    return signatures.sign(setup.first, learner.id, drawing, captured_by_id=(by or setup.trainer).id,
                           device=device, now=at, settings=SETTINGS)


def test_signatures_are_off_by_default_and_a_coordinator_turns_them_on(setup):
    learner = setup.learners[0]
    present(setup, learner)
    assert not signatures.signatures_required(setup.cycle.id)
    with pytest.raises(AttendanceError, match="does not ask for signatures"):
        sign(setup, learner)
    signatures.set_signatures_required(setup.cycle, True, actor_id=setup.trainer.id, now=FIRST_START)
    assert signatures.signatures_required(setup.cycle.id)
    assert service.excused_policy(setup.cycle.id).value == "not_counted"  # the rest of the rule unchanged
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "attendance.signatures")).scalar_one()
    assert event.details == {"old": False, "new": True}


def test_the_window_runs_from_check_in_opening_to_the_end_of_the_session(signed_cycle):
    setup = signed_cycle
    opens, closes = signatures.signing_window(setup.first, SETTINGS)
    assert opens == FIRST_START - minutes(30)
    assert closes == setup.first.ends_at == FIRST_START + minutes(120)
    learner = setup.learners[0]
    present(setup, learner, at=FIRST_START - minutes(10))
    with pytest.raises(AttendanceError, match="Signing for this session opens at"):
        sign(setup, learner, at=FIRST_START - minutes(31))
    with pytest.raises(AttendanceError, match="Signing for this session closed at"):
        sign(setup, learner, at=FIRST_START + minutes(121))
    assert signatures.signing_state(setup.first, FIRST_START + minutes(120), SETTINGS) == "open"
    assert sign(setup, learner, at=FIRST_START + minutes(120)).signed_at == FIRST_START + minutes(120)


def test_a_short_session_stays_open_as_long_as_check_in(signed_cycle):
    session = signed_cycle.first
    session.ends_at = session.starts_at + minutes(45)
    assert signatures.signing_window(session, SETTINGS)[1] == session.starts_at + minutes(60)


def test_a_signature_is_kept_sanitised_with_the_time_and_the_devices_account(signed_cycle):
    setup = signed_cycle
    learner = setup.learners[0]
    present(setup, learner)
    kept = sign(setup, learner, device=SignatureDevice.LEARNER, by=learner)
    assert "script" not in kept.svg and '<path d="M10 10 L60 40 L120 20"/>' in kept.svg
    assert (kept.captured_by_id, kept.device, kept.signed_at) == (learner.id, SignatureDevice.LEARNER,
                                                                  FIRST_START + minutes(20))
    assert kept.attendance.user_id == learner.id and kept.attendance.session_id == setup.first.id
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "attendance.signed")).scalar_one()
    assert event.details["device"] == "learner" and event.actor_id == learner.id


def test_one_signature_per_learner_per_session(signed_cycle):
    setup = signed_cycle
    learner = setup.learners[0]
    present(setup, learner)
    sign(setup, learner)
    with pytest.raises(AttendanceError, match="already signed"):
        sign(setup, learner, device=SignatureDevice.LEARNER, by=learner)
    assert db.session.execute(select(func.count()).select_from(AttendanceSignature)).scalar_one() == 1


def test_no_signature_without_a_present_or_late_record(signed_cycle):
    setup = signed_cycle
    first, second, third = setup.learners
    with pytest.raises(AttendanceError, match="Only a learner marked present or late can sign"):
        sign(setup, first)
    present(setup, second, AttendanceStatus.ABSENT)
    with pytest.raises(AttendanceError, match="Only a learner marked present or late can sign"):
        sign(setup, second)
    present(setup, third, AttendanceStatus.LATE)
    assert sign(setup, third).attendance.status is AttendanceStatus.LATE


def test_an_empty_drawing_is_refused_with_a_message(signed_cycle):
    setup = signed_cycle
    learner = setup.learners[0]
    present(setup, learner)
    with pytest.raises(AttendanceError, match="Draw your signature"):
        sign(setup, learner, drawing='<svg><rect width="5" height="5"/></svg>')
    assert signatures.why_not(setup.first, learner.id, FIRST_START + minutes(20), SETTINGS) is None


def test_a_cancelled_session_takes_no_signatures(signed_cycle):
    setup = signed_cycle
    learner = setup.learners[0]
    present(setup, learner)
    cancel_session(setup.first, actor_id=None, now=FIRST_START - minutes(600))
    assert signatures.why_not(setup.first, learner.id, FIRST_START, SETTINGS) == "This session is cancelled."


def test_the_present_learners_and_their_signatures(signed_cycle):
    setup = signed_cycle
    first, second, third = setup.learners
    present(setup, first)
    present(setup, second, AttendanceStatus.EXCUSED)
    present(setup, third, AttendanceStatus.LATE)
    sign(setup, third)
    assert [u.name for u, _record in signatures.present_learners(setup.first)] == ["Deltagare A", "Deltagare C"]
    assert set(signatures.signatures_of(setup.first.id)) == {third.id}
    assert signatures.has_unsigned(setup.first, first.id) and not signatures.has_unsigned(setup.first, third.id)
