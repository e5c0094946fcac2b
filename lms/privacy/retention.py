"""The retention job: erase accounts nobody has used for a long time, empty old e-mail bodies,
delete account requests nobody needs any more, delete old attendance signatures, and late
cancellations and lifted no-show standings older than LMS_NO_SHOW_MONTHS (they no longer count).

Run daily by the scheduler's `retention` job (lms/notifications/scheduler.py). Safe to run twice:
an erased account is not inactive any more (it is anonymised), an emptied body stays empty.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, update

from lms.attendance.signatures import delete_old_signatures
from lms.attendance.sync import delete_old_marks
from lms.audit.models import AuditEvent
from lms.auth.models import Role, User, UserRole
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.no_show import purge_old_records
from lms.extensions import db
from lms.notifications.models import MessageStatus, OutboxMessage
from lms.planning.models import Cycle, CycleStatus
from lms.privacy.erasure import erase_user
from lms.signup.models import AccountRequest, AccountRequestStatus

#: staff accounts are never erased by the clock: an admin deactivates or erases them
STAFF = (Role.ADMIN, Role.COORDINATOR, Role.TRAINER)


@dataclass(frozen=True)
class RetentionReport:
    accounts_erased: int
    bodies_emptied: int
    requests_deleted: int = 0
    marks_deleted: int = 0  # keys of roll-call marks sent from trainers' devices
    signatures_deleted: int = 0
    no_show_records_deleted: int = 0

    @property
    def total(self) -> int:
        return (self.accounts_erased + self.bodies_emptied + self.requests_deleted + self.marks_deleted
                + self.signatures_deleted + self.no_show_records_deleted)


def inactive_accounts(now: datetime, days: int) -> list[int]:
    """Accounts not used (no log-in, or created and never used) for `days`, without a seat in a running cycle."""
    cutoff = now - timedelta(days=days)
    staff = exists().where(UserRole.user_id == User.id, UserRole.role.in_(STAFF))
    seated = exists().where(
        Enrolment.user_id == User.id, Enrolment.cycle_id == Cycle.id, Cycle.status == CycleStatus.PUBLISHED,
        Enrolment.status.in_((EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)))
    return list(db.session.execute(
        select(User.id).where(User.anonymised_at.is_(None), func.coalesce(User.last_login_at, User.created_at) < cutoff,
                              ~staff, ~seated).order_by(User.id)
    ).scalars())


def empty_sent_bodies(now: datetime, days: int) -> int:
    """Sent e-mails older than `days` keep their envelope (who, what kind, when) but lose their text."""
    before = now - timedelta(days=days)
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENT, OutboxMessage.sent_at < before,
               or_(OutboxMessage.body_text != "", OutboxMessage.body_html != "", OutboxMessage.ics.is_not(None)))
        .values(body_text="", body_html="", ics=None, ics_method=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def delete_old_account_requests(now: datetime, days: int) -> int:
    """Account requests decided, or left undecided, more than `days` ago.

    The name, e-mail and message a visitor typed are kept only while someone may act on them; an
    approved request lives on as the account. Their audit events keep the id, not the e-mail.
    """
    cutoff = now - timedelta(days=days)
    old = list(db.session.execute(select(AccountRequest.id).where(or_(
        AccountRequest.decided_at < cutoff,
        and_(AccountRequest.status == AccountRequestStatus.PENDING, AccountRequest.requested_at < cutoff),
    ))).scalars())
    if not old:
        return 0
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "account_request", AuditEvent.object_id.in_(old))).scalars()
    for event in events:
        if "email" in event.details:
            event.details = {key: value for key, value in event.details.items() if key != "email"}
    db.session.execute(delete(AccountRequest).where(AccountRequest.id.in_(old)))
    return len(old)


def apply_retention(now: datetime) -> RetentionReport:
    """One run of the job; a setting of 0 turns that part off. The caller commits."""
    config = current_app.config
    inactive_days = int(config.get("LMS_RETENTION_INACTIVE_DAYS") or 0)
    outbox_days = int(config.get("LMS_RETENTION_OUTBOX_DAYS") or 0)
    request_days = int(config.get("LMS_RETENTION_REQUEST_DAYS") or 0)
    erased = 0
    if inactive_days:
        for user_id in inactive_accounts(now, inactive_days):
            erase_user(user_id, actor_id=None, now=now, why="retention")
            erased += 1
    emptied = empty_sent_bodies(now, outbox_days) if outbox_days else 0
    requests = delete_old_account_requests(now, request_days) if request_days else 0
    signature_days = int(config.get("LMS_RETENTION_SIGNATURE_DAYS") or 0)
    signed = delete_old_signatures(now, signature_days) if signature_days else 0
    return RetentionReport(erased, emptied, requests, delete_old_marks(now), signed, purge_old_records(now))


