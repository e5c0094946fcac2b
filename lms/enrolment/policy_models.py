"""Fair seats under pressure: wait-list offers, late cancellations and lifted no-show standings.

The rules are in lms/enrolment/offers.py (offers) and lms/enrolment/no_show.py (the no-show rule).
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db


class OfferStatus(str, enum.Enum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    #: the person left the wait-list (or the cycle was cancelled) while the offer was open
    WITHDRAWN = "withdrawn"


OFFER_STATUS_LABELS = {
    OfferStatus.OPEN: _l("waiting for an answer"),
    OfferStatus.ACCEPTED: _l("accepted"),
    OfferStatus.DECLINED: _l("declined"),
    OfferStatus.LAPSED: _l("lapsed"),
    OfferStatus.WITHDRAWN: _l("withdrawn"),
}


class WaitlistOffer(db.Model):
    """A freed seat offered to one wait-listed person until `expires_at`; an open offer holds the seat."""

    __tablename__ = "waitlist_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"))  # indexed below
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus, "offer_status"), default=OfferStatus.OPEN)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index("ix_waitlist_offers_cycle_status", "cycle_id", "status"),
        # the lapse job reads the open offers by their end
        sa.Index("ix_waitlist_offers_status_expires", "status", "expires_at"),
        sa.CheckConstraint("expires_at > offered_at", name="offer_window_positive"),
    )


class LateCancellation(db.Model):
    """A seat given up after the cycle's cancellation deadline (counted by the no-show rule)."""

    __tablename__ = "late_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cycles.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class NoShowLift(db.Model):
    """A coordinator lifted a person's no-show standing: what happened before it no longer counts."""

    __tablename__ = "no_show_lifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    lifted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
