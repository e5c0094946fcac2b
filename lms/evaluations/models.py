"""Evaluation questions, and answers that cannot be linked to the person who gave them.

Three tables hold what a learner hands in, and none of them can be joined to another by person:

- `evaluation_participations` (user_id, cycle_id) says only *that* someone answered: no time,
  no id of its own, nothing pointing at the answers;
- `evaluation_responses` is one anonymous answer sheet: a random UUID and the cycle, no user,
  no time;
- `evaluation_answers` holds the sheet's answers, keyed by (response, question).

See docs/evaluations.md for why there are no timestamps and how the rows are re-written on
every submission so that neither insertion order nor the database's own row versions link them.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class QuestionKind(str, enum.Enum):
    RATING = "rating"  # a five-step Likert scale
    TEXT = "text"  # free text


class EvaluationQuestion(db.Model):
    """A question of the center's standard set (course_id NULL) or one course's own question.

    Built-in questions have a `builtin` key and an empty `text`: their wording comes from the code,
    translated for each reader. A coordinator may give one a text of their own (clear it to return
    to the built-in wording). Questions are retired rather than deleted, so old answers keep theirs.
    """

    __tablename__ = "evaluation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    builtin: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "evaluation_question_kind"))
    text: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("builtin IS NULL OR course_id IS NULL", name="builtin_is_standard"),
        sa.CheckConstraint("builtin IS NOT NULL OR text <> ''", name="custom_has_text"),
    )

    @property
    def standard(self) -> bool:
        return self.course_id is None

    @property
    def wording(self) -> str:
        """The text to show: the coordinator's own, or the built-in one in the reader's language."""
        if self.text or not self.builtin:
            return self.text
        return str(BUILTIN_TEXTS.get(self.builtin, self.builtin))

    def __repr__(self) -> str:
        return f"<EvaluationQuestion {self.id} {self.kind.value}>"


class CourseQuestionExclusion(db.Model):
    """A standard question a course does not ask."""

    __tablename__ = "evaluation_course_exclusions"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class EvaluationParticipation(db.Model):
    """That this person has answered this cycle's evaluation: nothing more, on purpose."""

    __tablename__ = "evaluation_participations"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cycle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class EvaluationResponse(db.Model):
    """One anonymous answer sheet: a random id and the cycle, no person and no time."""

    __tablename__ = "evaluation_responses"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), index=True)

    answers: Mapped[list[EvaluationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answers"

    response_id: Mapped[str] = mapped_column(
        sa.ForeignKey("evaluation_responses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_questions.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    rating: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[EvaluationResponse] = relationship(back_populates="answers")

    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint("(rating IS NULL) <> (text IS NULL)", name="one_value"),
    )


#: the center's standard set, in order: (key, kind, English wording)
BUILTIN_QUESTIONS: list[tuple[str, QuestionKind]] = [
    ("overall", QuestionKind.RATING),
    ("relevance", QuestionKind.RATING),
    ("trainer", QuestionKind.RATING),
    ("practical", QuestionKind.RATING),
    ("use", QuestionKind.RATING),
    ("best", QuestionKind.TEXT),
    ("improve", QuestionKind.TEXT),
]

BUILTIN_TEXTS = {
    "overall": _l("Overall, the course met my expectations."),
    "relevance": _l("The content was relevant to my work in my organisation."),
    "trainer": _l("The trainer explained clearly and made room for questions."),
    "practical": _l("The sessions at the center worked well (room, times, accessibility)."),
    "use": _l("I will be able to use what I learned."),
    "best": _l("What was best about the course?"),
    "improve": _l("What should we change or add?"),
}

#: the question whose average stands for "how the cycle was rated" on overview pages
OVERALL = "overall"

RATING_LABELS = {
    1: _l("Strongly disagree"),
    2: _l("Disagree"),
    3: _l("Neither agree nor disagree"),
    4: _l("Agree"),
    5: _l("Strongly agree"),
}

KIND_LABELS = {QuestionKind.RATING: _l("Scale from 1 to 5"), QuestionKind.TEXT: _l("Free text")}
