"""A certificate's validity: its own period, worked out by the course's rule, kept when renewed."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from lms.certificates import service
from lms.certificates.models import CertificateValidityPeriod, ExpiryBasis
from lms.certificates.validity import Status, next_fixed_date, validities_of, validity_of
from lms.extensions import db
from tests.certificates.conftest import AFTER_THE_CYCLE
from lms.enrolment.service import enrol
from tests.factories import make_cycle

YEARLY = {"months": 12, "window_days": 60, "expiry_from": "completion", "renewed_by": "course"}


def _issue(setting, rule=YEARLY, now=AFTER_THE_CYCLE):
    setting.course.validity = dict(rule)
    learner = setting.enrol("Anna Berg", attended=5)
    return service.issue_certificate(learner.id, setting.cycle.id, now)


def test_a_course_without_validity_gives_a_certificate_valid_without_end(setting):
    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    standing = validity_of(certificate, AFTER_THE_CYCLE + timedelta(days=3650))
    assert standing.status is Status.VALID and standing.valid_until is None
    assert db.session.execute(select(CertificateValidityPeriod)).first() is None


def test_yearly_validity_goes_valid_then_expiring_then_expired(setting):
    certificate = _issue(setting)
    period = db.session.execute(select(CertificateValidityPeriod)).scalar_one()
    assert period.valid_until == datetime(2028, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert period.basis is ExpiryBasis.COMPLETION
    assert validity_of(certificate, datetime(2027, 12, 1, tzinfo=timezone.utc)).status is Status.VALID
    soon = validity_of(certificate, datetime(2028, 1, 15, tzinfo=timezone.utc))
    assert soon.status is Status.EXPIRING_SOON and soon.last_day == date(2028, 3, 1) and soon.current
    gone = validity_of(certificate, datetime(2028, 3, 2, tzinfo=timezone.utc))
    assert gone.status is Status.EXPIRED and not gone.current


def test_a_revoked_certificate_says_why(setting):
    certificate = _issue(setting)
    service.revoke_certificate(certificate, "Fel person.", None, AFTER_THE_CYCLE + timedelta(days=1))
    standing = validity_of(certificate, AFTER_THE_CYCLE + timedelta(days=2))
    assert standing.status is Status.REVOKED and standing.revoke_reason == "Fel person."


def test_a_fixed_date_keeps_a_minimum_active_period(setting):
    rule = {"months": 12, "window_days": 60, "expiry_from": "fixed_date", "fixed_date": "06-30", "minimum_months": 6}
    _issue(setting, rule)  # completed 1 March 2027: 30 June 2027 is too soon, so 30 June 2028
    period = db.session.execute(select(CertificateValidityPeriod)).scalar_one()
    assert period.basis is ExpiryBasis.FIXED_DATE
    assert validities_of([period.certificate], AFTER_THE_CYCLE)[period.certificate_id].last_day == date(2028, 6, 30)
    assert next_fixed_date(datetime(2027, 1, 10, tzinfo=timezone.utc), "06-30").date() == date(2027, 7, 1)


def _renew(setting, old_certificate, *, now, rule):
    """The same learner completes a later cycle of the course."""
    from lms.catalog.models import ModuleProgress
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus

    cycle = make_cycle(setting.course, first_date=(now - timedelta(days=40)).date(), sessions=2,
                       now=now - timedelta(days=50))
    learner = old_certificate.user
    enrol(learner.id, cycle, now=now - timedelta(days=45), check_window=False, decided=True)
    for session in cycle.sessions:
        db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
    assert db.session.execute(select(ModuleProgress).where(ModuleProgress.user_id == learner.id)).first()
    db.session.flush()
    return service.issue_certificate(learner.id, cycle.id, now)


def test_a_renewal_adds_a_period_from_the_previous_expiry_and_keeps_the_old_one(setting):
    rule = dict(YEARLY, expiry_from="previous_expiry")
    first = _issue(setting, rule)
    renewal_time = datetime(2028, 2, 1, 12, 0, tzinfo=timezone.utc)  # inside the 60-day window
    second = _renew(setting, first, now=renewal_time, rule=rule)
    periods = db.session.execute(select(CertificateValidityPeriod).order_by(CertificateValidityPeriod.id)).scalars().all()
    assert len(periods) == 2
    old, new = periods
    assert old.valid_until == datetime(2028, 3, 1, 12, 0, tzinfo=timezone.utc), "the old period is not rewritten"
    assert new.renews_period_id == old.id and new.basis is ExpiryBasis.PREVIOUS_EXPIRY
    assert new.valid_until == datetime(2029, 3, 1, 12, 0, tzinfo=timezone.utc)
    standings = validities_of([first, second], renewal_time)
    assert standings[first.id].status is Status.RENEWED and standings[first.id].renewed_by_code == second.code
    assert standings[second.id].status is Status.VALID


def test_completing_again_before_the_window_is_not_a_renewal(setting):
    first = _issue(setting)
    early = datetime(2027, 9, 1, 12, 0, tzinfo=timezone.utc)
    second = _renew(setting, first, now=early, rule=YEARLY)
    assert validity_of(first, early).status is Status.VALID
    new = db.session.execute(select(CertificateValidityPeriod).where(
        CertificateValidityPeriod.certificate_id == second.id)).scalar_one()
    assert new.renews_period_id is None
