"""The outbox: one row per dedupe key, claims that never hand a row to two dispatchers, retries
with backoff up to a limit, reclaiming rows left behind by a dead process, and what a message holds.
"""
import email
import email.policy
import time as clock
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.extensions import db
from lms.notifications import outbox
from lms.notifications.models import MessageStatus, OutboxMessage
from lms.notifications.outbox import Email, claim_due, dispatch, queue_email
from lms.notifications.transports import FileTransport
from tests.notifications.conftest import NOW, RecordingTransport, outbox_rows, queue_plain, run_in_threads


def test_the_same_dedupe_key_queues_one_row(app):
    message = Email("anna@example.org", "Påminnelse", "Hej")
    first = queue_email(message, kind="reminder", dedupe_key="reminder:24h:session:81:user:7", user_id=None, now=NOW)
    again = queue_email(message, kind="reminder", dedupe_key="reminder:24h:session:81:user:7", user_id=None, now=NOW)
    db.session.commit()
    assert first is not None and again is None
    assert [r.dedupe_key for r in outbox_rows()] == ["reminder:24h:session:81:user:7"]


def test_a_duplicate_does_not_spoil_the_transaction_of_the_event(app):
    queue_plain(1)
    queue_email(Email("x@example.org", "S", "T"), kind="reminder", dedupe_key="test:0", user_id=None, now=NOW)
    queue_email(Email("x@example.org", "S", "T"), kind="reminder", dedupe_key="test:new", user_id=None, now=NOW)
    db.session.commit()  # on PostgreSQL a failed INSERT would have aborted the transaction
    assert len(outbox_rows()) == 2


def test_dispatch_sends_due_messages_once_and_marks_them_sent(app):
    queue_plain(3)
    later = queue_email(Email("later@example.org", "Later", "x"), kind="reminder", dedupe_key="later",
                        user_id=None, now=NOW, not_before=NOW + timedelta(hours=1))
    db.session.commit()
    transport = RecordingTransport()
    report = dispatch(transport, NOW)
    assert report.sent == 3 and len(transport.sent) == 3
    assert dispatch(transport, NOW + timedelta(minutes=5)).sent == 0
    rows = {r.id: r for r in outbox_rows()}
    assert rows[later].status is MessageStatus.PENDING
    assert all(r.status is MessageStatus.SENT and r.sent_at == NOW and r.attempts == 1
               for i, r in rows.items() if i != later)
    assert dispatch(transport, NOW + timedelta(hours=1)).sent == 1


def test_two_dispatchers_at_once_never_send_a_message_twice(app):
    keys = [f"race:{i}" for i in range(40)]
    for key in keys:
        queue_email(Email("p@example.org", key, "x"), kind="reminder", dedupe_key=key, user_id=None, now=NOW)
    db.session.commit()
    transport = RecordingTransport(delay=0.002)

    def dispatcher(_index):
        while dispatch(transport, NOW, limit=5).sent:
            pass

    assert run_in_threads(app, 4, dispatcher) == []
    subjects = sorted(m["Subject"] for m in transport.messages)
    assert subjects == sorted(keys)  # each exactly once
    assert {r.status for r in outbox_rows()} == {MessageStatus.SENT}


@pytest.mark.xfail(strict=True, reason="select-then-update claims race: proves the threads really overlap")
def test_naive_claiming_sends_messages_twice(app):
    queue_plain(10)
    transport = RecordingTransport()

    def naive_dispatcher(_index):
        ids = db.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.PENDING)
        ).scalars().all()
        clock.sleep(0.05)  # the time between looking and claiming
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                           .values(status=MessageStatus.SENDING, claimed_at=NOW))
        db.session.commit()
        for row in db.session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).scalars():
            transport.send(outbox.build_message(row), name=outbox.file_name(row))

    assert run_in_threads(app, 2, naive_dispatcher) == []
    assert len(transport.sent) == len(set(transport.sent)) == 10


def test_a_failing_message_is_retried_with_growing_waits_then_failed(app):
    [message_id] = queue_plain(1)
    broken = RecordingTransport(fail=ConnectionRefusedError("the mail server is down"))
    now, waits = NOW, []
    for _ in range(app.config["LMS_OUTBOX_MAX_ATTEMPTS"] - 1):
        assert dispatch(broken, now).retrying == 1
        row = db.session.get(OutboxMessage, message_id)
        waits.append(row.next_attempt_at - now)
        assert dispatch(broken, row.next_attempt_at - timedelta(seconds=1)).retrying == 0  # not yet
        now = row.next_attempt_at
    assert waits[:4] == [timedelta(seconds=s) for s in (60, 120, 240, 480)]
    assert dispatch(broken, now).failed == 1
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert row.status is MessageStatus.FAILED and "mail server is down" in row.last_error
    assert dispatch(RecordingTransport(), now + timedelta(days=1)).sent == 0  # failed stays failed
    assert outbox.retry(message_id, now)
    db.session.commit()
    assert dispatch(RecordingTransport(), now).sent == 1


def test_the_backoff_is_capped(app):
    assert outbox.backoff(1) == timedelta(minutes=1)
    assert outbox.backoff(30) == timedelta(hours=6)


def test_a_row_left_sending_by_a_dead_process_is_reclaimed_after_the_timeout(app):
    """The last resort: a claimer elsewhere that keeps its heartbeat but never finishes."""
    [message_id] = queue_plain(1)
    assert [c.message_id for c in claim_due(NOW, 10, "leader@elsewhere:1")] == [message_id]
    db.session.commit()  # ... and the process hangs here
    outbox.heartbeat("leader@elsewhere:1", NOW + timedelta(minutes=13, seconds=30))
    transport = RecordingTransport()
    assert dispatch(transport, NOW + timedelta(minutes=14)).sent == 0  # maybe still sending
    report = dispatch(transport, NOW + timedelta(minutes=16))
    assert report.reclaimed == 1 and report.sent == 1
    row = db.session.get(OutboxMessage, message_id)
    assert row.status is MessageStatus.SENT and row.attempts == 2


def test_a_slow_dispatcher_cannot_overwrite_the_attempt_that_replaced_it(app):
    [message_id] = queue_plain(1)
    [slow] = claim_due(NOW, 10)
    db.session.commit()
    later = NOW + timedelta(minutes=20)
    assert dispatch(RecordingTransport(), later).sent == 1  # reclaimed and sent
    assert not outbox.mark_sent(slow, later)  # the first attempt finishes late: no effect
    assert outbox.mark_failed_attempt(slow, "late", later) is MessageStatus.PENDING
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert row.status is MessageStatus.SENT and row.last_error == ""


def test_a_crash_between_sending_and_marking_delivers_the_same_message_again(app, tmp_path):
    """The one window no database closes: the file transport rewrites one file, SMTP gets the same Message-ID."""
    [message_id] = queue_plain(1)
    transport = FileTransport(tmp_path / "out")
    [claim] = claim_due(NOW, 10)
    db.session.commit()
    row = db.session.get(OutboxMessage, message_id)
    transport.send(outbox.build_message(row), name=outbox.file_name(row))  # sent; then the crash
    first_id = outbox.build_message(row)["Message-ID"]
    assert dispatch(transport, NOW + timedelta(minutes=16)).sent == 1
    files = list((tmp_path / "out").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == first_id


def test_health_counts_and_the_oldest_pending_message(app):
    queue_plain(2)
    queue_plain(1, now=NOW + timedelta(hours=1), prefix="other")
    dispatch(RecordingTransport(fail=OSError("down")), NOW + timedelta(hours=1), limit=1)
    state = outbox.health(NOW + timedelta(hours=2))
    assert (state.pending, state.failed, state.sent) == (3, 0, 0)
    assert state.oldest_due_at == NOW


def test_a_message_queued_for_later_is_not_waiting_until_it_is_due(app):
    queue_plain(1, now=NOW)
    db.session.execute(update(OutboxMessage).values(next_attempt_at=NOW + timedelta(days=4)))
    assert outbox.health(NOW + timedelta(days=1)).oldest_due_at is None
    assert outbox.health(NOW + timedelta(days=4, minutes=20)).oldest_due_at == NOW + timedelta(days=4)


def test_retention_deletes_only_old_sent_messages(app):
    queue_plain(2)
    dispatch(RecordingTransport(), NOW, limit=1)
    assert outbox.purge_old(NOW + timedelta(days=89)) == 0
    assert outbox.purge_old(NOW + timedelta(days=91)) == 1
    db.session.commit()
    assert [r.status for r in outbox_rows()] == [MessageStatus.PENDING]
