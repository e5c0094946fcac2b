"""A person's place in a cycle: requested, enrolled, wait-listed, withdrawn, declined, completed."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.planning.models import Cycle
from lms.core.unit_of_work import DomainError


class EnrolmentError(DomainError):
    """An enrolment request that breaks a rule; the message is for the person asking."""


class EnrolmentStatus(str, enum.Enum):
    PENDING = "pending"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    COMPLETED = "completed"


#: statuses that hold one of the cycle's seats (a pending request keeps its seat until decided)
HOLDS_SEAT = frozenset({EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED})
#: statuses from which the person may ask again (the row is reused: UNIQUE(user, cycle))
ENDED = frozenset({EnrolmentStatus.WITHDRAWN, EnrolmentStatus.DECLINED})

ENROLMENT_TRANSITIONS = {
    EnrolmentStatus.PENDING: {EnrolmentStatus.ENROLLED, EnrolmentStatus.DECLINED, EnrolmentStatus.WITHDRAWN},
    EnrolmentStatus.ENROLLED: {EnrolmentStatus.WITHDRAWN, EnrolmentStatus.COMPLETED},
    EnrolmentStatus.WAITLISTED: {EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WITHDRAWN},
    EnrolmentStatus.WITHDRAWN: {EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED},
    EnrolmentStatus.DECLINED: {EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED},
    EnrolmentStatus.COMPLETED: set(),
}


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"))  # indexed below
    status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus, "enrolment_status"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: when the seat was given: sessions before it are not held against the learner
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the wait-list is ordered by this time, then by id
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    cycle: Mapped[Cycle] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        sa.UniqueConstraint("user_id", "cycle_id", name="uq_enrolments_user_cycle"),
        sa.CheckConstraint(
            "status <> 'waitlisted' OR waitlisted_at IS NOT NULL", name="waitlist_has_time"
        ),
        # seats of a cycle by status, counted without reading the rows
        sa.Index("ix_enrolments_cycle_status", "cycle_id", "status"),
    )

    @property
    def holds_seat(self) -> bool:
        return self.status in HOLDS_SEAT

    def __repr__(self) -> str:
        return f"<Enrolment user={self.user_id} cycle={self.cycle_id} {self.status.value}>"


def check_transition(old: EnrolmentStatus, new: EnrolmentStatus) -> None:
    """Refuse a status change the rules do not allow (the change itself is made by
    lms.enrolment.service.transition, conditional on the status in the database)."""
    if new not in ENROLMENT_TRANSITIONS[old]:
        raise EnrolmentError(_l("This enrolment cannot change from %(old)s to %(new)s.",
                                old=ENROLMENT_STATUS_LABELS[old], new=ENROLMENT_STATUS_LABELS[new]))


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.PENDING: _l("awaiting approval"),
    EnrolmentStatus.ENROLLED: _l("enrolled"),
    EnrolmentStatus.WAITLISTED: _l("on the wait-list"),
    EnrolmentStatus.WITHDRAWN: _l("withdrawn"),
    EnrolmentStatus.DECLINED: _l("declined"),
    EnrolmentStatus.COMPLETED: _l("completed"),
}
