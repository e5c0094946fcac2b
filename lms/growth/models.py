"""A learner's self-assessment of the competences a course builds, at one phase of a cycle."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.framework_models import Competence
from lms.db_types import UTCDateTime, utcnow
from lms.extensions import db


class Phase(str, enum.Enum):
    BEFORE = "before"  # at enrolment or the first session
    AFTER = "after"  # at the end of the cycle
    LATER = "later"  # six months after the end (the scheduler invites once)


#: the five steps of the scale; None in an answer is "don't know"
LEVELS = (1, 2, 3, 4, 5)


class SelfAssessment(db.Model):
    __tablename__ = "self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(sa.String(10))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answers: Mapped[list[SelfAssessmentAnswer]] = relationship(
        cascade="all, delete-orphan", back_populates="assessment")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "cycle_id", "phase", name="uq_self_assessments_user_cycle_phase"),
        sa.CheckConstraint("phase IN ('before', 'after', 'later')", name="phase_known"),
    )


class SelfAssessmentAnswer(db.Model):
    __tablename__ = "self_assessment_answers"

    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("self_assessments.id", ondelete="CASCADE"), primary_key=True)
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: 1-5 on the scale; None: "don't know"
    level: Mapped[int | None]

    assessment: Mapped[SelfAssessment] = relationship(back_populates="answers")
    competence: Mapped[Competence] = relationship()

    __table_args__ = (sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 5", name="level_range"),)
