"""Quizzes, their questions, learners' attempts and answers.

Questions are never edited in place: an import that changes a quiz retires the old questions and
adds new ones, so that earlier attempts can still be shown and graded as they were taken.
"""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.catalog.models import Module
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.quizzes.kinds import QuestionKind


class FeedbackPolicy(str, enum.Enum):
    AFTER_SUBMIT = "after_submit"
    AFTER_LAST_ATTEMPT = "after_last_attempt"
    NEVER = "never"


class AttemptStatus(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    NEEDS_GRADING = "needs_grading"
    GRADED = "graded"


class Quiz(db.Model):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), unique=True, index=True
    )
    source_file: Mapped[str] = mapped_column(sa.String(160))
    source_hash: Mapped[str] = mapped_column(sa.String(64))
    pass_mark: Mapped[int] = mapped_column(default=70)
    attempts_allowed: Mapped[int] = mapped_column(default=0)
    time_limit_minutes: Mapped[int | None]
    shuffle: Mapped[bool] = mapped_column(default=True)
    draw_count: Mapped[int | None]
    feedback_policy: Mapped[FeedbackPolicy] = mapped_column(
        enum_column(FeedbackPolicy, "feedback_policy"), default=FeedbackPolicy.AFTER_SUBMIT
    )

    module: Mapped[Module] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        sa.CheckConstraint("attempts_allowed >= 0", name="attempts_not_negative"),
    )

    @property
    def current_questions(self) -> list[Question]:
        return [q for q in self.questions if not q.retired]


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    category: Mapped[str] = mapped_column(sa.String(200), default="")
    text_html: Mapped[str] = mapped_column(sa.Text)
    general_feedback_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: kind-specific: options with ids, weights and feedback; accepted answers; ranges; pairs
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    retired: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus, "attempt_status"), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the questions drawn for this attempt, in the order shown, and each one's option order
    layout: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number", name="uq_quiz_attempts_quiz_user_number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    @property
    def question_ids(self) -> list[int]:
        return [entry["question"] for entry in self.layout]


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    response: Mapped[Any] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: share of the question's point earned, 0..1; None until graded (essays wait for a trainer)
    fraction: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 5))
    grader_feedback: Mapped[str | None] = mapped_column(sa.Text)
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id", name="uq_attempt_answers_attempt_question"),
    )
