"""A cycle that has ended, and learners who have or have not completed it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from lms.extensions import db
from tests.factories import make_course, make_cycle, make_organisation, make_user

PLANNED_AT = datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc)
AFTER_THE_CYCLE = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


@dataclass
class Setting:
    course: object
    cycle: object
    trainer: object
    organisation: object

    def enrol(self, name: str, *, attended: int, modules_done: int | None = None, locale: str = "sv"):
        """A learner enrolled before the first session, attending the first `attended` sessions."""
        from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
        from lms.catalog.models import ModuleProgress
        from lms.enrolment.models import Enrolment, EnrolmentStatus

        learner = make_user(name=name, organisation=self.organisation, locale=locale)
        db.session.add(Enrolment(user_id=learner.id, cycle_id=self.cycle.id, status=EnrolmentStatus.ENROLLED,
                                 requested_at=PLANNED_AT, enrolled_at=PLANNED_AT))
        for index, session in enumerate(sorted(self.cycle.sessions, key=lambda s: s.starts_at)):
            status = AttendanceStatus.PRESENT if index < attended else AttendanceStatus.ABSENT
            db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=status,
                                      method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
        modules = self.course.modules if modules_done is None else self.course.modules[:modules_done]
        for module in modules:
            db.session.add(ModuleProgress(user_id=learner.id, module_id=module.id, completed_at=PLANNED_AT))
        db.session.flush()
        return learner


@pytest.fixture
def setting(app) -> Setting:
    organisation = make_organisation("Möllevångens Kulturförening")
    course = make_course("styrelsearbete", title="Styrelsearbete i ideella föreningar", modules=2,
                         sdgs=(16, 17))
    trainer = make_user(name="Tove Utbildare", roles=["trainer"])
    cycle = make_cycle(course, title="Vintern 2027", first_date=date(2027, 1, 11), sessions=5,
                       trainers=[trainer], now=PLANNED_AT)
    db.session.commit()
    return Setting(course=course, cycle=cycle, trainer=trainer, organisation=organisation)


def when(days: int) -> datetime:
    return AFTER_THE_CYCLE + timedelta(days=days)


@pytest.fixture
def issued(setting):
    """Anna Berg's certificate of the setting's cycle, issued after it."""
    from lms.certificates import service

    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    db.session.commit()
    return certificate
