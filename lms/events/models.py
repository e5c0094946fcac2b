"""The durable record of domain events: one row per event and consumer (see lms/events/__init__.py)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db_types import UTCDateTime, utcnow
from lms.extensions import db


class EventKind(str, enum.Enum):
    """What happened. The enrolment kinds are also the actions of their audit events."""

    #: a module done (a passed quiz marks its module done) or attendance recorded: `user_id`, `now`
    PROGRESS_MADE = "progress.made"
    #: a quiz attempt passed (also when its module was done already): `attempt_id`, `user_id`, `now`
    QUIZ_PASSED = "quiz.passed"
    #: a cycle was published: `cycle_id`, `now`
    CYCLE_PUBLISHED = "cycle.published"
    #: a certificate was issued (by the rules or by hand): `certificate_id`
    CERTIFICATE_ISSUED = "certificate.issued"
    #: a decision about a place in a cycle: `enrolment_id`
    ENROLLED = "enrolment.enrolled"
    ENROLMENT_REQUESTED = "enrolment.pending"
    WAITLISTED = "enrolment.waitlisted"
    PROMOTED = "enrolment.promoted"
    ENROLMENT_APPROVED = "enrolment.approved"
    ENROLMENT_DECLINED = "enrolment.declined"
    ENROLMENT_WITHDRAWN = "enrolment.withdrawn"
    #: a seat offered from the wait-list, and an offer that lapsed unanswered: `offer_id`
    OFFERED = "enrolment.offered"
    OFFER_LAPSED = "enrolment.offer_lapsed"


class DomainEvent(db.Model):
    """One event for one consumer, and how far that consumer has got with it.

    `consumed_at` is set in the transaction of the consumer's effects, so an event is consumed
    exactly when its effects are kept. `attempts` counts the failed tries; at
    LMS_EVENT_MAX_ATTEMPTS the row is left alone, with `last_error` for whoever looks.
    """

    __tablename__ = "domain_events"
    __table_args__ = (sa.Index("ix_domain_events_pending", "consumed_at", "attempts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    consumer: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    def moment(self, key: str) -> datetime:
        """A datetime of the payload (stored as ISO 8601 text)."""
        return datetime.fromisoformat(self.payload[key])
