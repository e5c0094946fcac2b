"""The one path from a domain change to what it causes.

    a service changes something ─┐
                                 ├─ one transaction: the change, and `record(kind, **payload)`
                                 │  adds a `DomainEvent` row for each consumer of that kind
    the unit of work commits ────┘
        ├─ at once (after_commit): each of those rows is consumed, in a unit of work of its own
        └─ later (the scheduler's "domain-events" job): whatever is left, a crash between commit
           and consumption or a consumer that failed, up to LMS_EVENT_MAX_ATTEMPTS tries

One row per consumer rather than one row and a progress table: each consumer's progress, failures
and last error are then one row's columns, and the claim (`SELECT ... FOR UPDATE SKIP LOCKED` on
PostgreSQL) locks exactly the work one consumer does. An event rolled back with its change leaves
no row, so nothing is ever caused by a change that was not kept.

A consumer is `fn(event: DomainEvent) -> None`; it runs in the transaction that marks the row
consumed, so its effects and the mark are kept together or not at all. It must be idempotent
(a dedupe key, a conditional update): a row can be tried again after a failure that came after
some of its work. Consumers are registered per app by each package's `register_consumers`,
called from `init_domain_events` in `lms/__init__.py`. Consumed rows are purged after
LMS_EVENT_RETENTION_DAYS.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, select, update

from lms.core.unit_of_work import after_commit, unit_of_work
from lms.db_types import utcnow
from lms.events.models import DomainEvent, EventKind
from lms.extensions import db

__all__ = ["DomainEvent", "EventConsumers", "EventKind", "catch_up", "consume", "purge_consumed", "record"]

Consumer = Callable[[DomainEvent], None]


@dataclass
class EventConsumers:
    """The consumers of this app, by event kind and by name (the name is stored on each row)."""

    by_kind: dict[EventKind, list[str]] = field(default_factory=dict)
    by_name: dict[str, Consumer] = field(default_factory=dict)

    def register(self, kind: EventKind, name: str, consumer: Consumer) -> None:
        if self.by_name.get(name, consumer) is not consumer:
            raise ValueError(f"two consumers named {name!r}")
        self.by_name[name] = consumer
        self.by_kind.setdefault(kind, []).append(name)


def init_domain_events(app: Flask) -> EventConsumers:
    consumers = app.extensions["domain_events"] = EventConsumers()
    return consumers


def record(kind: EventKind, **payload: Any) -> list[DomainEvent]:
    """Record that `kind` happened, in the caller's transaction; consumed once that commits.

    Datetimes in the payload are stored as ISO 8601 (read them back with `event.moment(key)`).
    """
    names = current_app.extensions["domain_events"].by_kind.get(kind, [])
    stored = {key: value.isoformat() if isinstance(value, datetime) else value for key, value in payload.items()}
    events = [DomainEvent(kind=kind.value, consumer=name, payload=stored) for name in names]
    if events:
        db.session.add_all(events)
        db.session.flush()
        ids = [event.id for event in events]
        after_commit(lambda: consume(ids))
    return events


def consume(ids: list[int]) -> int:
    """Consume these events now, each in its own unit of work; how many were consumed.

    A failure is recorded on its row and left to the scheduler's job; it is never raised, as the
    change that caused the event is already kept.
    """
    return sum(_consume_one(event_id) for event_id in ids)


def catch_up(now: datetime | None = None) -> int:
    """The job: consume what is left, oldest first, each row in a unit of work of its own.

    (`now` is the job's time, unused: a consumer reads the time of its event from the payload.)
    """
    pending = db.session.execute(
        select(DomainEvent.id).where(DomainEvent.consumed_at.is_(None), DomainEvent.attempts < _max_attempts())
        .order_by(DomainEvent.id)
    ).scalars().all()
    return consume(list(pending))


def purge_consumed(now: datetime) -> int:
    """Delete events consumed more than LMS_EVENT_RETENTION_DAYS ago; failed ones are kept."""
    days = current_app.config["LMS_EVENT_RETENTION_DAYS"]
    if not days:
        return 0
    result = db.session.execute(
        delete(DomainEvent).where(DomainEvent.consumed_at < now - timedelta(days=days))
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def _max_attempts() -> int:
    return current_app.config["LMS_EVENT_MAX_ATTEMPTS"]


def _consume_one(event_id: int) -> bool:
    try:
        with unit_of_work():  # the claim, the consumer's effects and the mark, kept together
            event = _claim(event_id)
            if event is None:
                return False
            consumer = current_app.extensions["domain_events"].by_name[event.consumer]
            consumer(event)
            event.consumed_at = utcnow()
            return True
    except Exception as error:  # noqa: BLE001  (kept on the row; the job tries again)
        current_app.logger.exception("domain event %s: consumer failed", event_id)
        with unit_of_work():
            _failed(event_id, error)
        return False


def _claim(event_id: int) -> DomainEvent | None:
    """The row, locked for this consumer (another claimant skips it), if it still waits."""
    return db.session.execute(
        select(DomainEvent).where(DomainEvent.id == event_id, DomainEvent.consumed_at.is_(None),
                                  DomainEvent.attempts < _max_attempts())
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()


def _failed(event_id: int, error: Exception) -> None:
    db.session.execute(
        update(DomainEvent).where(DomainEvent.id == event_id, DomainEvent.consumed_at.is_(None))
        .values(attempts=DomainEvent.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000])
        .execution_options(synchronize_session=False))
