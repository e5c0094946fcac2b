"""Courses, their modules, the versions of their content, and learners' progress."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db_types import UTCDateTime, utcnow
from lms.extensions import db


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(400))
    description: Mapped[str] = mapped_column(sa.Text)
    description_html: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5))
    estimated_hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    certificate_design: Mapped[str] = mapped_column(sa.String(80))
    learning_outcomes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: how long its certificate holds and what renews it (lms/catalog/validity.py); None: no end
    validity: Mapped[dict | None] = mapped_column(sa.JSON)
    content_version: Mapped[str] = mapped_column(sa.String(64))
    published: Mapped[bool] = mapped_column(default=True)
    #: coordinators let the trainers of the course's cycles edit it in the browser (lms/catalog/editor_routes.py)
    trainers_may_edit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )
    competence_areas: Mapped[list[CourseCompetenceArea]] = relationship(
        cascade="all, delete-orphan", order_by="CourseCompetenceArea.area"
    )
    sdg_links: Mapped[list[CourseSdg]] = relationship(
        cascade="all, delete-orphan", order_by="CourseSdg.sdg"
    )
    versions: Mapped[list[ContentVersion]] = relationship(
        back_populates="course", cascade="all, delete-orphan",
        order_by="ContentVersion.imported_at.desc()",
    )

    __table_args__ = (sa.CheckConstraint("estimated_hours >= 0", name="hours_not_negative"),)

    @property
    def area_names(self) -> list[str]:
        return [link.area for link in self.competence_areas]

    @property
    def sdgs(self) -> list[int]:
        return [link.sdg for link in self.sdg_links]

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseCompetenceArea(db.Model):
    __tablename__ = "course_competence_areas"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    area: Mapped[str] = mapped_column(sa.String(80), primary_key=True, index=True)


class CourseSdg(db.Model):
    """A UN sustainable development goal (1-17) that a course contributes to."""

    __tablename__ = "course_sdgs"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sdg: Mapped[int] = mapped_column(primary_key=True, index=True, autoincrement=False)

    __table_args__ = (sa.CheckConstraint("sdg BETWEEN 1 AND 17", name="sdg_range"),)


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    minutes: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)
    quiz_file: Mapped[str | None] = mapped_column(sa.String(160))

    course: Mapped[Course] = relationship(back_populates="modules")

    __table_args__ = (
        sa.UniqueConstraint("course_id", "slug", name="uq_modules_course_slug"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class ContentVersion(db.Model):
    """One import that changed a course: the hash of its files, when and by whom."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(sa.String(400), default="")
    #: "files" (`lms content import`) or "browser" (an upload, a published draft, a restore)
    origin: Mapped[str] = mapped_column(sa.String(20), default="files", server_default="files")
    #: the course's folder as imported, zipped (lms/catalog/history.py); None for imports before 0032
    package: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    course: Mapped[Course] = relationship(back_populates="versions")
    imported_by: Mapped[User | None] = relationship()


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module: Mapped[Module] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id", name="uq_module_progress_user_module"),
        # ids only grow, also on SQLite after the newest row is deleted: the certificate sweep
        # reads new progress as the ids above the last it saw (lms/certificates/sweep.py)
        {"sqlite_autoincrement": True},
    )
