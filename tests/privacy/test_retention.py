"""The retention job, with the clock given: old accounts are erased, old e-mail bodies emptied."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.notifications.models import MessageStatus, OutboxMessage
from lms.notifications.outbox import Email, queue_email
from lms.notifications.scheduler import JOBS, run_job
from lms.privacy.retention import apply_retention
from tests.factories import make_cycle, make_user

NOW = datetime(2031, 6, 1, 3, 0, tzinfo=timezone.utc)


def _user(name, *, last_login_days, roles=("learner",)):
    user = make_user(name=name, roles=roles)
    user.created_at = NOW - timedelta(days=3000)
    user.last_login_at = NOW - timedelta(days=last_login_days) if last_login_days is not None else None
    return user


def _sent(key, days_ago, status=MessageStatus.SENT):
    queue_email(Email(recipient="x@example.org", subject="S", text="Hemlig text", html="<p>Hemlig</p>"),
                kind="reminder", dedupe_key=key, user_id=None, now=NOW - timedelta(days=days_ago))
    row = db.session.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).scalar_one()
    row.status = status
    row.sent_at = NOW - timedelta(days=days_ago) if status is MessageStatus.SENT else None
    return row


@pytest.mark.config(LMS_RETENTION_INACTIVE_DAYS=365, LMS_RETENTION_OUTBOX_DAYS=30)
def test_inactive_accounts_are_erased_and_the_rest_are_not(app):
    gone = _user("Länge Borta", last_login_days=400)
    never = _user("Aldrig Inloggad", last_login_days=None)  # created long ago, never used
    recent = _user("Nyss Inloggad", last_login_days=100)
    trainer = _user("Gammal Utbildare", last_login_days=900, roles=("trainer",))
    seated = _user("Sitter Kvar", last_login_days=900)
    cycle = make_cycle(first_date=date(2031, 6, 10), now=NOW - timedelta(days=30))
    enrol(seated.id, cycle, now=NOW - timedelta(days=30), check_window=False, decided=True)
    db.session.commit()
    report = apply_retention(NOW)
    db.session.commit()
    erased = {u.id for u in db.session.execute(select(User).where(User.anonymised_at.is_not(None))).scalars()}
    assert erased == {gone.id, never.id}
    assert report.accounts_erased == 2
    assert not {recent.id, trainer.id, seated.id} & erased
    assert apply_retention(NOW).accounts_erased == 0  # a second run finds nothing more


@pytest.mark.config(LMS_RETENTION_INACTIVE_DAYS=0, LMS_RETENTION_OUTBOX_DAYS=30)
def test_old_sent_bodies_are_emptied(app):
    old, fresh, waiting = _sent("old", 31), _sent("fresh", 29), _sent("waiting", 60, MessageStatus.PENDING)
    db.session.commit()
    assert apply_retention(NOW).bodies_emptied == 1
    db.session.commit()
    db.session.expire_all()
    assert (old.body_text, old.body_html, old.subject, old.recipient) == ("", "", "S", "x@example.org")
    assert fresh.body_text == "Hemlig text" and waiting.body_text == "Hemlig text"
    assert apply_retention(NOW).bodies_emptied == 0


@pytest.mark.config(LMS_RETENTION_INACTIVE_DAYS=365, LMS_RETENTION_OUTBOX_DAYS=30)
def test_the_scheduler_runs_it_in_the_retention_job(app):
    gone = _user("Länge Borta", last_login_days=400)
    db.session.commit()
    job = next(job for job in JOBS if job.id == "retention")
    assert run_job(app, job, NOW) >= 1
    assert db.session.get(User, gone.id).anonymised_at == NOW


@pytest.mark.config(LMS_RETENTION_INACTIVE_DAYS=0, LMS_RETENTION_OUTBOX_DAYS=0, LMS_RETENTION_REQUEST_DAYS=90)
def test_account_requests_leave_90_days_after_their_decision_or_when_left_undecided(app):
    from lms.audit.models import AuditEvent
    from lms.signup import service as signup
    from lms.signup.models import AccountRequest

    coordinator = make_user(name="Samordnare", roles=["coordinator"])

    def asked(address, days_ago):
        return signup.request_account(name=f"Frågar {address}", email=f"{address}@example.org", organisation_id=None,
                                      message="Jag vill gå kursen", locale="sv", now=NOW - timedelta(days=days_ago))

    declined_long_ago, declined_lately = asked("avslagen", 200), asked("nyligen", 200)
    signup.decline(declined_long_ago, actor_id=coordinator.id, now=NOW - timedelta(days=91))
    signup.decline(declined_lately, actor_id=coordinator.id, now=NOW - timedelta(days=89))
    approved = asked("godkand", 200)
    signup.approve(approved, actor_id=coordinator.id, now=NOW - timedelta(days=120))
    forgotten, waiting = asked("glomd", 91), asked("vantar", 10)
    db.session.commit()
    gone = {declined_long_ago.id, approved.id, forgotten.id}

    assert apply_retention(NOW).requests_deleted == 3
    db.session.commit()
    left = set(db.session.execute(select(AccountRequest.id)).scalars())
    assert left == {declined_lately.id, waiting.id}
    trail = db.session.execute(select(AuditEvent).where(AuditEvent.object_type == "account_request")).scalars().all()
    assert {e.object_id for e in trail} >= gone, "the decisions stay on record"
    assert all("email" not in e.details for e in trail if e.object_id in gone)
    assert any(e.details.get("email") == "vantar@example.org" for e in trail)
    assert db.session.execute(select(User).where(User.email == "godkand@example.org")).scalar_one(), "the account stays"
    assert apply_retention(NOW).requests_deleted == 0
