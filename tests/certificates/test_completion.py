"""Completion: every condition is needed, issuing happens once, revoking is recorded."""
import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms import create_app
from lms.audit.models import AuditEvent
from lms.catalog.service import mark_module_done
from lms.certificates import service
from lms.certificates.sweep import sweep
from lms.certificates.codes import normalise
from lms.certificates.models import Certificate, IssueOrigin
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.conftest import base_config
from tests.factories import consume_events


def _count() -> int:
    return db.session.execute(select(func.count(Certificate.id))).scalar_one()


def test_the_sweep_issues_for_those_who_completed_and_no_one_else(setting):
    done = setting.enrol("Anna Berg", attended=5)
    setting.enrol("Modul Saknas", attended=5, modules_done=1)
    setting.enrol("Närvaro Saknas", attended=3)
    db.session.commit()
    assert sweep(AFTER_THE_CYCLE) == 1
    [certificate] = db.session.execute(select(Certificate)).scalars().all()
    assert certificate.user_id == done.id and certificate.origin is IssueOrigin.AUTOMATIC
    assert normalise(certificate.code) == certificate.code
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.user_id == done.id)).scalar_one()
    assert enrolment.status is EnrolmentStatus.COMPLETED
    assert sweep(AFTER_THE_CYCLE) == 0, "never twice"


@pytest.mark.parametrize("attended, modules_done, complete", [
    (5, None, True), (4, None, True), (3, None, False), (5, 1, False), (5, 0, False),
])
def test_each_condition_missing_alone_gives_no_certificate(setting, attended, modules_done, complete):
    learner = setting.enrol("Prövad Person", attended=attended, modules_done=modules_done)
    state = service.completion(learner.id, setting.cycle, AFTER_THE_CYCLE)
    assert state.complete is complete
    assert (service.issue_if_complete(learner.id, setting.cycle, AFTER_THE_CYCLE) is not None) is complete


def test_completion_is_issued_as_soon_as_the_last_module_is_done(setting):
    learner = setting.enrol("Snabb Person", attended=5, modules_done=1)
    assert _count() == 0
    mark_module_done(learner.id, setting.course.modules[1])
    consume_events()
    assert _count() == 1


def test_issue_is_idempotent(setting):
    learner = setting.enrol("Anna Berg", attended=5)
    first = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    second = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    assert first.id == second.id and _count() == 1


def test_concurrent_issuing_makes_one_certificate(setting, database_url, tmp_path):
    learner_id = setting.enrol("Anna Berg", attended=5).id
    cycle_id = setting.cycle.id
    db.session.commit()
    others = create_app(base_config(database_url, tmp_path))
    barrier = threading.Barrier(5)
    codes = []

    def issue():
        with others.app_context():
            barrier.wait()
            certificate = service.issue_certificate(learner_id, cycle_id, AFTER_THE_CYCLE)
            codes.append(certificate.code)
            db.session.commit()

    threads = [threading.Thread(target=issue) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with others.app_context():
        db.engine.dispose()
    assert _count() == 1
    assert len(codes) == 5 and len(set(codes)) == 1, "every request answers with the one certificate"


def test_the_snapshot_states_what_the_certificate_says(setting):
    learner = setting.enrol("Zeynep Yılmaz", attended=4)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    snapshot = certificate.snapshot
    assert snapshot["learner_name"] == "Zeynep Yılmaz"
    assert snapshot["course_title"] == "Styrelsearbete i ideella föreningar"
    assert snapshot["cycle_title"] == "Vintern 2027"
    assert snapshot["hours_attended"] == "8.0", "four sessions of two hours"
    assert snapshot["sdgs"] == [16, 17] and snapshot["trainers"] == ["Tove Utbildare"]
    assert snapshot["first_date"].startswith("2027-01-12") and snapshot["last_date"].startswith("2027-02-09")
    learner.name = "Nytt Namn"
    setting.course.title = "Ny titel"
    db.session.flush()
    assert certificate.snapshot["learner_name"] == "Zeynep Yılmaz", "the snapshot does not follow later changes"


def test_manual_issue_and_revoke_are_audited(setting):
    learner = setting.enrol("Undantag Person", attended=1)
    coordinator = setting.trainer
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE,
                                            actor_id=coordinator.id, reason="Närvaro i vårens omgång")
    assert certificate.origin is IssueOrigin.MANUAL and certificate.issue_reason == "Närvaro i vårens omgång"
    with force_locale("en"), pytest.raises(service.CertificateError, match="why"):
        service.revoke_certificate(certificate, "  ", coordinator.id, AFTER_THE_CYCLE)
    service.revoke_certificate(certificate, "Utfärdat av misstag", coordinator.id, AFTER_THE_CYCLE)
    assert certificate.revoked and certificate.revoke_reason == "Utfärdat av misstag"
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == certificate.id,
                                                                AuditEvent.object_type == "certificate")).scalars().all()
    assert sorted(actions) == ["certificate.issued", "certificate.revoked"]
    with pytest.raises(service.CertificateError):
        service.revoke_certificate(certificate, "igen", coordinator.id, AFTER_THE_CYCLE)


def test_the_roll_call_that_reaches_the_minimum_issues_the_certificate(setting):
    from lms.attendance.models import AttendanceMethod, AttendanceStatus
    from lms.attendance.service import record_attendance

    learner = setting.enrol("Sista Passet", attended=3)
    fourth = sorted(setting.cycle.sessions, key=lambda s: s.starts_at)[3]
    assert _count() == 0
    record_attendance(fourth, learner.id, AttendanceStatus.PRESENT, method=AttendanceMethod.ROLL_CALL,
                      actor_id=setting.trainer.id, now=AFTER_THE_CYCLE)
    consume_events()
    assert _count() == 1
