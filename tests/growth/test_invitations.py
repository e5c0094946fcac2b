"""Six months after a cycle: the scheduler invites those who assessed themselves, exactly once."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from lms.extensions import db
from lms.growth.invitations import invitation_key, queue_later_invitations
from lms.growth.service import open_phase, spans
from lms.growth.models import Phase
from lms.notifications import service as notifications
from lms.notifications.models import Notification, OutboxMessage
from lms.notifications.scheduler import JOBS, run_job
from tests.factories import make_assessment

#: the setting's last session ends on 2027-01-18; six months and a week later
LATER = datetime(2027, 7, 26, 12, 0, tzinfo=timezone.utc)


def test_the_phases_follow_the_last_session(setting):
    span = spans([setting.cycle.id])[setting.cycle.id]
    assert open_phase(span, span.last_start - timedelta(minutes=1)) is Phase.BEFORE
    assert open_phase(span, span.last_start) is Phase.AFTER
    assert open_phase(span, span.last_end + timedelta(days=91)) is None
    assert open_phase(span, LATER) is Phase.LATER
    assert open_phase(span, LATER + timedelta(days=90)) is None


def test_those_who_answered_are_invited_once_and_preferences_hold(app, setting):
    anna, bo, cleo, *_ = setting.people
    for person in (anna, bo):
        make_assessment(person, setting.cycle, "before", {setting.first: 2, setting.second: 2})
    notifications.save_preferences(bo.id, email_reminders=False, reminder_hours=None, now=LATER)
    db.session.commit()
    assert queue_later_invitations(LATER - timedelta(days=10)) == 0  # not six months yet
    assert queue_later_invitations(LATER) == 2
    assert queue_later_invitations(LATER + timedelta(hours=1)) == 0
    db.session.commit()  # the scheduler's tick runs in a transaction of its own
    job = next(job for job in JOBS if job.id == "self-assessment-invitations")
    run_job(app, job, LATER + timedelta(hours=2))
    keys = db.session.execute(select(Notification.user_id).where(Notification.kind == "self_assessment")).scalars()
    assert sorted(keys) == sorted([anna.id, bo.id])  # cleo never answered: not invited
    mails = db.session.execute(select(OutboxMessage.user_id).where(OutboxMessage.kind == "self_assessment")).scalars()
    assert list(mails) == [anna.id]  # bo stopped reminders by e-mail: in the app only
    assert db.session.execute(select(Notification.link).where(
        Notification.dedupe_key == invitation_key(setting.cycle.id, anna.id))).scalar_one().endswith(
        f"/growth/cycles/{setting.cycle.id}")


def test_who_answered_the_later_one_already_is_not_invited(app, setting):
    anna = setting.people[0]
    make_assessment(anna, setting.cycle, "after", {setting.first: 3, setting.second: 3})
    make_assessment(anna, setting.cycle, "later", {setting.first: 3, setting.second: 3})
    db.session.commit()
    assert queue_later_invitations(LATER) == 0
