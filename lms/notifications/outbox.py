"""The outbox: queueing a message once, claiming due rows, sending them, retrying with backoff.

Exactly once, as far as a database can make it so:

- queueing is an INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, so computing a message twice
  (two scheduler processes, a restart, a retry of the tick) adds one row;
- a dispatcher claims rows with one UPDATE that only moves *pending* rows to *sending* (on
  PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`, so two dispatchers take
  different rows instead of waiting); a row one dispatcher claimed is never claimed by another;
- marking sent or failed is guarded by the attempt number the claim gave, so a dispatcher that
  was too slow (its row was reclaimed) cannot overwrite what the next attempt did;
- each claim records its claimer ("<role>@<host>:<pid>") and a heartbeat the claimer refreshes
  while it works through its batch; a row left in *sending* is reclaimed as soon as its claimer is
  known to be gone: a scheduler that took over the leader lock reclaims the former leader's
  claims, a claimer on this host whose process no longer exists is gone, and a heartbeat older
  than LMS_OUTBOX_HEARTBEAT_SECONDS means its claimer died elsewhere. LMS_OUTBOX_STUCK_MINUTES
  remains the last resort;
- each message is checked against the present just before it is sent (`timeliness.py`): a
  reminder whose session began is *expired*, a change notice a later one replaced is *superseded*.

A process that dies after the mail server accepted a message but before the row is marked sent
sends it again after the reclaim: the Message-ID is the same both times (and the file transport
rewrites the same file), so the receiving side sees one message twice rather than two messages.
"""
from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.core.unit_of_work import unit_of_work
from lms.extensions import db
from lms.notifications.models import MessageStatus, Notification, OutboxMessage
from lms.notifications.transports import Transport

MAX_BACKOFF = timedelta(hours=6)
ERROR_LENGTH = 2000
#: a dispatcher refreshes the heartbeat of its claims at most this often
HEARTBEAT_EVERY = timedelta(seconds=10)
#: statuses that end a message's life without it being sent
NOT_SENT = (MessageStatus.FAILED, MessageStatus.EXPIRED, MessageStatus.SUPERSEDED)


@dataclass(frozen=True)
class Email:
    """A rendered message, as plain values, ready to be queued."""

    recipient: str
    subject: str
    text: str
    html: str = ""
    locale: str = "sv"
    ics: bytes | None = None
    ics_method: str | None = None
    unsubscribe_url: str | None = None


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def insert_once(model, values: dict) -> int | None:  # type: ignore[no-untyped-def]
    """Insert a row unless its dedupe key is taken; the new id, or None when it already existed.

    ON CONFLICT DO NOTHING rather than catching IntegrityError: on PostgreSQL a failed INSERT
    would abort the whole transaction of the event that caused the message.
    """
    insert = pg_insert if _dialect() == "postgresql" else sqlite_insert
    statement = (
        insert(model).values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(model.id)
    )
    return db.session.execute(statement).scalar_one_or_none()


def queue_email(email: Email, *, kind: str, dedupe_key: str, user_id: int | None, now: datetime,
                not_before: datetime | None = None) -> int | None:
    """Queue one e-mail in the current transaction; None when this dedupe key was queued before."""
    return insert_once(OutboxMessage, dict(
        user_id=user_id, recipient=email.recipient, kind=kind, dedupe_key=dedupe_key,
        locale=email.locale, subject=email.subject[:300], body_text=email.text,
        body_html=email.html, ics=email.ics.decode() if email.ics else None,
        ics_method=email.ics_method if email.ics else None,
        unsubscribe_url=email.unsubscribe_url, status=MessageStatus.PENDING, attempts=0,
        created_at=now, next_attempt_at=max(now, not_before or now), last_error="",
    ))


def existing_keys(model, keys: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """Which of `keys` are already taken (to skip rendering what would be dropped anyway)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(db.session.execute(
            select(model.dedupe_key).where(model.dedupe_key.in_(chunk))
        ).scalars())
    return found


# --- claiming and sending --------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Claim:
    message_id: int
    attempt: int


def _host() -> str:
    """This host, and its process id namespace: two containers of one pod share a host name but
    not their process ids, so a pid is only looked up among the processes it belongs to."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}{namespace}"


def claimer_id(role: str = "process") -> str:
    """Who claims, as "<role>@<host>:<pid>"; role "leader" is the scheduler holding the leader lock."""
    return f"{role}@{_host()}:{os.getpid()}"


def claim_due(now: datetime, limit: int, claimer: str | None = None) -> list[Claim]:
    """Move up to `limit` due pending rows to *sending*, atomically; the caller commits at once."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if _dialect() == "postgresql":
        # lock the candidates first: as a subquery of the UPDATE, PostgreSQL may run the
        # LIMIT ... SKIP LOCKED part more than once and claim more rows than asked for
        chosen = db.session.execute(due.with_for_update(skip_locked=True)).scalars().all()
        if not chosen:
            return []
        wanted = OutboxMessage.id.in_(chosen)
    else:  # SQLite runs one writer at a time: the single statement is atomic
        wanted = OutboxMessage.id.in_(due.scalar_subquery())
    rows = db.session.execute(
        update(OutboxMessage)
        .where(wanted, OutboxMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1,
                claimed_by=claimer or claimer_id(), heartbeat_at=now)
        .returning(OutboxMessage.id, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(Claim(message_id, attempt) for message_id, attempt in rows)


def _guarded(claim: Claim):  # type: ignore[no-untyped-def]
    return update(OutboxMessage).where(
        OutboxMessage.id == claim.message_id, OutboxMessage.status == MessageStatus.SENDING,
        OutboxMessage.attempts == claim.attempt,
    ).execution_options(synchronize_session=False)


def mark_sent(claim: Claim, now: datetime) -> bool:
    result = db.session.execute(_guarded(claim).values(status=MessageStatus.SENT, sent_at=now,
                                                       last_error=""))
    return result.rowcount == 1


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt number `attempt`: the base, doubled each time, at most 6 hours."""
    base = timedelta(seconds=current_app.config["LMS_OUTBOX_RETRY_SECONDS"])
    return min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF)


def mark_failed_attempt(claim: Claim, error: str, now: datetime) -> MessageStatus:
    """Back to pending for a later try, or failed after the last allowed attempt."""
    final = claim.attempt >= current_app.config["LMS_OUTBOX_MAX_ATTEMPTS"]
    status = MessageStatus.FAILED if final else MessageStatus.PENDING
    db.session.execute(_guarded(claim).values(
        status=status, last_error=error[:ERROR_LENGTH],
        next_attempt_at=now if final else now + backoff(claim.attempt),
    ))
    return status


def heartbeat(claimer: str, now: datetime) -> int:
    """The claimer is alive: refresh the heartbeat of the rows it holds in *sending*."""
    return db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_by == claimer)
        .values(heartbeat_at=now).execution_options(synchronize_session=False)
    ).rowcount


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def gone_claimers() -> list[str]:
    """Claimers of rows in *sending* known to be gone: processes of this host that no longer exist."""
    host = _host()
    claimers = db.session.execute(
        select(OutboxMessage.claimed_by).where(OutboxMessage.status == MessageStatus.SENDING,
                                               OutboxMessage.claimed_by.is_not(None)).distinct()
    ).scalars().all()
    gone = []
    for claimer in claimers:
        _role, _, place = claimer.partition("@")
        claimer_host, _, pid = place.rpartition(":")
        if claimer_host == host and pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            gone.append(claimer)
    return gone


def _stuck_condition(now: datetime):  # type: ignore[no-untyped-def]
    """Rows in *sending* whose claimer died: gone, silent too long, or (last resort) claimed too long ago."""
    config = current_app.config
    too_old = now - timedelta(minutes=config["LMS_OUTBOX_STUCK_MINUTES"])
    silent = now - timedelta(seconds=config["LMS_OUTBOX_HEARTBEAT_SECONDS"])
    return (OutboxMessage.status == MessageStatus.SENDING) & (
        (OutboxMessage.claimed_at < too_old) | (OutboxMessage.heartbeat_at < silent)
        | OutboxMessage.claimed_by.in_(gone_claimers())
    )


def _reclaim(condition, now: datetime, note: str) -> int:  # type: ignore[no-untyped-def]
    last = current_app.config["LMS_OUTBOX_MAX_ATTEMPTS"]
    failed = db.session.execute(
        update(OutboxMessage).where(condition, OutboxMessage.attempts >= last)
        .values(status=MessageStatus.FAILED, last_error=note, claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    retried = db.session.execute(
        update(OutboxMessage).where(condition)
        .values(status=MessageStatus.PENDING, next_attempt_at=now, last_error=note, claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return failed + retried


def reclaim_stuck(now: datetime) -> int:
    """Rows left in *sending* by a claimer that died are tried again (or failed, after the last attempt)."""
    return _reclaim(_stuck_condition(now), now, "no answer from the attempt started at claimed_at; tried again")


def reclaim_former_leaders(leader: str, now: datetime) -> int:
    """Called by a scheduler that has just taken the leader lock: the lock was free, so the
    scheduler that held it before is gone, and the rows it had claimed are tried again at once."""
    condition = ((OutboxMessage.status == MessageStatus.SENDING)
                 & OutboxMessage.claimed_by.like("leader@%") & (OutboxMessage.claimed_by != leader))
    return _reclaim(condition, now, "the scheduler that claimed it is gone; tried again")


@dataclass
class DispatchReport:
    reclaimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: claimed but not sent: no longer true (expired, superseded) or held back for a moment
    dropped: int = 0

    @property
    def handled(self) -> int:
        """Claimed messages this dispatch dealt with."""
        return self.sent + self.retrying + self.failed + self.dropped

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(self.reclaimed + other.reclaimed, self.sent + other.sent,
                              self.retrying + other.retrying, self.failed + other.failed,
                              self.dropped + other.dropped)


def dispatch(transport: Transport, now: datetime, *, limit: int | None = None,
             claimer: str | None = None) -> DispatchReport:
    """Reclaim stuck rows, claim due ones, send each and record the outcome. Commits as it goes.

    Each outcome is committed on its own, so a crash loses at most the row being sent, and that
    row is reclaimed later. The claimer's heartbeat moves on from `now` as the batch goes (by the
    monotonic clock); the outcomes carry the batch's time.
    """
    claimer = claimer or claimer_id()
    with unit_of_work():  # the batch's claim, kept before anything is sent
        report = DispatchReport(reclaimed=reclaim_stuck(now))
        claims = claim_due(now, limit or current_app.config["LMS_OUTBOX_BATCH"], claimer)
    _send_claims(transport, claims, now, claimer, report)
    return report


def _send_claims(transport: Transport, claims: list[Claim], now: datetime, claimer: str,
                 report: DispatchReport) -> None:
    started, beaten = time.monotonic(), now
    for claim in claims:
        moment = now + timedelta(seconds=time.monotonic() - started)
        with unit_of_work():  # one message: its outcome is kept before the next is sent
            if moment - beaten >= HEARTBEAT_EVERY:
                heartbeat(claimer, moment)
                beaten = moment
            _send_one(transport, claim, now, report)


def _send_one(transport: Transport, claim: Claim, now: datetime, report: DispatchReport) -> None:
    from lms.notifications.timeliness import check_before_sending

    row = db.session.get(OutboxMessage, claim.message_id)
    if row is None or row.status is not MessageStatus.SENDING or row.attempts != claim.attempt:
        return  # reclaimed meanwhile (this claimer was taken for dead): the new claim sends it
    verdict = check_before_sending(row, now)
    if verdict is not None:
        if mark_unsent(claim, verdict.status, verdict.reason, now, hold=verdict.hold):
            report.dropped += 1
        return
    try:
        transport.send(build_message(row), name=file_name(row))
    except Exception as error:  # noqa: BLE001  (any failure of a transport is retried)
        db.session.rollback()
        status = mark_failed_attempt(claim, f"{type(error).__name__}: {error}", now)
        if status is MessageStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
        current_app.logger.warning("outbox: message %s not sent: %s", claim.message_id, error)
    else:
        if mark_sent(claim, now):
            report.sent += 1


def mark_unsent(claim: Claim, status: MessageStatus, reason: str, now: datetime,
                hold: timedelta | None = None) -> bool:
    """Record that a claimed message was not sent because it is no longer true (expired,
    superseded), or, with `hold`, put it back for later without counting the attempt."""
    if hold is not None:
        values = dict(status=MessageStatus.PENDING, attempts=OutboxMessage.attempts - 1,
                      next_attempt_at=now + hold, last_error=reason, claimed_by=None)
    else:
        values = dict(status=status, last_error=reason, next_attempt_at=now, claimed_by=None)
    return db.session.execute(_guarded(claim).values(**values)).rowcount == 1


def send_now(message_id: int, transport: Transport, now: datetime) -> DispatchReport:
    """Claim and send one freshly committed row at once (account e-mails should not wait a tick)."""

    def claim_this() -> list[Claim]:
        row = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.PENDING)
            .values(status=MessageStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1,
                    claimed_by=claimer_id(), heartbeat_at=now)
            .returning(OutboxMessage.attempts)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        return [] if row is None else [Claim(message_id, row)]

    report = DispatchReport()
    with unit_of_work():
        claims = claim_this()
    _send_claims(transport, claims, now, claimer_id(), report)
    return report


# --- the message itself ----------------------------------------------------------------------

def file_name(row: OutboxMessage) -> str:
    return f"{row.created_at:%Y%m%dT%H%M%S}-{row.id:07d}-{row.kind}"


def message_id(row: OutboxMessage) -> str:
    """The same for every attempt of a row, so a repeated delivery is recognisably the same mail."""
    digest = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:24]
    host = urlsplit(current_app.config["LMS_BASE_URL"]).hostname or "kompetenscentret.local"
    return f"<{row.id}.{digest}@{host}>"


def build_message(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["LMS_MAIL_FROM"]
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = message_id(row)
    message["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    if row.ics:
        message.add_attachment(row.ics, subtype="calendar", filename="kompetenscentret.ics",
                               params={"method": row.ics_method}, cte="base64")
    return message


# --- for people looking after it --------------------------------------------------------------

@dataclass(frozen=True)
class Health:
    pending: int
    sending: int
    sent: int
    failed: int
    oldest_due_at: datetime | None  # since when the longest-waiting e-mail due to be sent has waited
    stuck: int
    expired: int = 0
    superseded: int = 0


def health(now: datetime) -> Health:
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    ).all())
    oldest_due = db.session.execute(  # a reminder queued for next week is not waiting yet
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    ).scalar_one()
    return Health(
        pending=counts.get(MessageStatus.PENDING, 0), sending=counts.get(MessageStatus.SENDING, 0),
        sent=counts.get(MessageStatus.SENT, 0), failed=counts.get(MessageStatus.FAILED, 0),
        oldest_due_at=oldest_due, stuck=len(stuck_messages(now)),
        expired=counts.get(MessageStatus.EXPIRED, 0), superseded=counts.get(MessageStatus.SUPERSEDED, 0),
    )


def stuck_messages(now: datetime) -> list[OutboxMessage]:
    """Rows in *sending* whose claimer died (see reclaim_stuck); the next dispatch takes them again."""
    return list(db.session.execute(
        select(OutboxMessage).where(_stuck_condition(now)).order_by(OutboxMessage.id)
    ).scalars())


def messages(status: MessageStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.execute(query).scalars())


def retry(message_id: int, now: datetime) -> bool:
    """Give a failed (or stuck) message a fresh set of attempts, from now.

    Expired and superseded messages are not retried: they are no longer true.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               (OutboxMessage.status == MessageStatus.FAILED) | _stuck_condition(now))
        .values(status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --- failed mail where admins and coordinators look -------------------------------------------

@dataclass(frozen=True)
class FailedSummary:
    """Failed messages as plain values, for a start page's panel and the admins' digest."""

    count: int
    oldest_at: datetime | None
    #: failed messages still worth sending (a reminder whose session began is not)
    worth_retrying: int
    #: ids of those, oldest first (at most FAILED_LISTED)
    retry_ids: tuple[int, ...] = ()
    expired: int = 0

    @property
    def any(self) -> bool:
        return self.count > 0


FAILED_LISTED = 500


def _worth_retrying(now: datetime) -> list[int]:
    from lms.notifications.timeliness import check_before_sending

    rows = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
        .order_by(OutboxMessage.created_at, OutboxMessage.id).limit(FAILED_LISTED)
    ).scalars().all()
    return [row.id for row in rows if _still_worth(row, now, check_before_sending)]


def _still_worth(row: OutboxMessage, now: datetime, check) -> bool:  # type: ignore[no-untyped-def]
    verdict = check(row, now)
    return verdict is None or verdict.hold is not None


def failed_summary(now: datetime) -> FailedSummary:
    """How many messages failed, since when, and which of them are still worth sending."""
    count, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == MessageStatus.FAILED)
    ).one()
    expired = db.session.execute(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == MessageStatus.EXPIRED)
    ).scalar_one()
    worth = _worth_retrying(now) if count else []
    return FailedSummary(count=count, oldest_at=oldest, worth_retrying=len(worth), retry_ids=tuple(worth),
                         expired=expired)


def retry_worth_sending(now: datetime) -> tuple[int, int]:
    """Retry every failed message still worth sending; the others (no longer true) are marked
    expired or superseded. Returns (retried, dropped)."""
    from lms.notifications.timeliness import check_before_sending

    rows = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED).order_by(OutboxMessage.id)
    ).scalars().all()
    retried = dropped = 0
    for row in rows:
        verdict = check_before_sending(row, now)
        if verdict is None or verdict.hold is not None:
            retried += retry(row.id, now)
        else:
            row.status, row.last_error = verdict.status, verdict.reason
            dropped += 1
    db.session.flush()
    return retried, dropped


def purge_old(now: datetime) -> int:
    """Delete sent (and expired or superseded) messages and read notifications older than
    LMS_OUTBOX_RETENTION_DAYS.

    Only what can no longer be computed again goes: reminders are computed for sessions ahead,
    session changes are marked notified, enrolment events are looked at for a few days only.
    """
    before = now - timedelta(days=current_app.config["LMS_OUTBOX_RETENTION_DAYS"])
    sent = db.session.execute(
        OutboxMessage.__table__.delete().where(OutboxMessage.status == MessageStatus.SENT,
                                               OutboxMessage.sent_at < before)
    ).rowcount
    # never sent, never to be: marked so at their next_attempt_at
    sent += db.session.execute(
        OutboxMessage.__table__.delete().where(
            OutboxMessage.status.in_([MessageStatus.EXPIRED, MessageStatus.SUPERSEDED]),
            OutboxMessage.next_attempt_at < before)
    ).rowcount
    read = db.session.execute(
        Notification.__table__.delete().where(Notification.read_at.is_not(None),
                                              Notification.created_at < before)
    ).rowcount
    return sent + read
