"""Needs stated by organisations and learners, and learners' interest in courses without a cycle."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Organisation, User
from lms.catalog.models import Course
from lms.db_types import UTCDateTime, utcnow
from lms.extensions import db


class CompetenceNeed(db.Model):
    """"We need <area> for <people> people": of an organisation (stated by its contact) or of one learner."""

    __tablename__ = "competence_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: set for a learner's own need; None for an organisation's
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    area: Mapped[str] = mapped_column(sa.String(80), index=True)
    people: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    sdg_links: Mapped[list[CompetenceNeedSdg]] = relationship(
        cascade="all, delete-orphan", order_by="CompetenceNeedSdg.sdg"
    )

    __table_args__ = (
        sa.CheckConstraint("(organisation_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("people BETWEEN 1 AND 10000", name="people_range"),
        sa.CheckConstraint("user_id IS NULL OR people = 1", name="personal_is_one"),
    )

    @property
    def sdgs(self) -> list[int]:
        return [link.sdg for link in self.sdg_links]


class CompetenceNeedSdg(db.Model):
    __tablename__ = "competence_need_sdgs"

    need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence_needs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sdg: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)

    __table_args__ = (sa.CheckConstraint("sdg BETWEEN 1 AND 17", name="sdg_range"),)


class CourseInterest(db.Model):
    """A learner would take this course if a cycle opened; told once when one does."""

    __tablename__ = "course_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified_cycle_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cycles.id", ondelete="SET NULL"), index=True
    )

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", name="uq_course_interests_user_course"),
        sa.CheckConstraint("notified_cycle_id IS NULL OR notified_at IS NOT NULL", name="notified_has_time"),
    )


class OrganisationConditions(db.Model):
    """What an organisation's members need of a cycle to take part in it, stated by its contact.

    Each condition left empty means "no condition": a cycle is never judged on what was not said.
    """

    __tablename__ = "organisation_conditions"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    #: the parts of the week members can come (lms/needs/conditions.py: DAY_PARTS); empty: any time
    day_parts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: languages members can take a course in (locale codes); empty: not stated
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: how many members usually come to one cycle together
    seats_needed: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        sa.CheckConstraint("seats_needed IS NULL OR seats_needed BETWEEN 1 AND 500", name="seats_needed_range"),
    )
