"""The domain events the notifications package turns into messages."""
from __future__ import annotations

from lms.events import EventConsumers, EventKind


def register_consumers(events: EventConsumers) -> None:
    from lms.notifications.notices import ENROLMENT_KINDS, enrolment_notice
    from lms.notifications.offer_notices import offer_lapsed_notice, offer_notice
    from lms.notifications.progress import certificate_notice

    for kind in ENROLMENT_KINDS:
        events.register(kind, "notifications.enrolment-notice", enrolment_notice)
    events.register(EventKind.OFFERED, "notifications.offer-notice", offer_notice)
    events.register(EventKind.OFFER_LAPSED, "notifications.offer-lapsed-notice", offer_lapsed_notice)
    events.register(EventKind.CERTIFICATE_ISSUED, "notifications.certificate-notice", certificate_notice)
