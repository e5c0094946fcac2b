"""People who registered interest in a course are told when one of its cycles is published."""
from __future__ import annotations

from lms.events import DomainEvent, EventConsumers, EventKind


def register_consumers(events: EventConsumers) -> None:
    events.register(EventKind.CYCLE_PUBLISHED, "needs.tell-interested", tell_interested)


def tell_interested(event: DomainEvent) -> None:
    """Idempotent: each interest is claimed once (see `notify_interested`)."""
    from lms.extensions import db
    from lms.needs.service import notify_interested
    from lms.planning.models import Cycle

    cycle = db.session.get(Cycle, event.payload["cycle_id"])
    if cycle is not None:
        notify_interested(cycle, now=event.moment("now"))
