"""The domain events the notifications package turns into messages."""
from __future__ import annotations

from lms.events import EventConsumers


def register_consumers(events: EventConsumers) -> None:
    from lms.notifications.notices import ENROLMENT_KINDS, enrolment_notice

    for kind in ENROLMENT_KINDS:
        events.register(kind, "notifications.enrolment-notice", enrolment_notice)
