"""Recording audit events; callers commit."""
from __future__ import annotations

from typing import Any

from lms.audit.models import AuditEvent
from lms.extensions import db


def record_event(
    actor_id: int | None, action: str, object_type: str, object_id: int | None, **details: Any
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(event)
    return event
