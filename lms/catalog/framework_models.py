"""Competence frameworks (GreenComp, the center's practical areas) and the competences each course builds.

Imported from `courses_content/_frameworks/` with the courses (lms/catalog/frameworks.py). A
competence that leaves the files is kept, retired, so that answers given about it keep their meaning.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db


class Framework(db.Model):
    __tablename__ = "competence_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_sv: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    source: Mapped[str] = mapped_column(sa.Text)


class Competence(db.Model):
    """One competence of a framework, with the plain statement a learner rates themselves against."""

    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competence_frameworks.id", ondelete="CASCADE"), index=True)
    #: `<framework>/<competence>`, as course.yaml names it
    key: Mapped[str] = mapped_column(sa.String(170), unique=True)
    position: Mapped[int]
    area_slug: Mapped[str] = mapped_column(sa.String(80))
    area_sv: Mapped[str] = mapped_column(sa.String(300))
    area_en: Mapped[str] = mapped_column(sa.String(300))
    name_sv: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    statement_sv: Mapped[str] = mapped_column(sa.String(300))
    statement_en: Mapped[str] = mapped_column(sa.String(300))
    retired: Mapped[bool] = mapped_column(default=False)

    framework: Mapped[Framework] = relationship()

    def name(self, language: str) -> str:
        return self.name_sv if language == "sv" else self.name_en

    def area(self, language: str) -> str:
        return self.area_sv if language == "sv" else self.area_en

    def statement(self, language: str) -> str:
        return self.statement_sv if language == "sv" else self.statement_en


class CourseCompetence(db.Model):
    """A course builds this competence (course.yaml's `competences:`)."""

    __tablename__ = "course_competences"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    competence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True, index=True)
