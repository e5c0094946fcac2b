"""The board of each cycle (threads, posts, reports), reply preferences, and the opt-in directory."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Organisation, User
from lms.db_types import UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.planning.models import Cycle


class BoardThread(db.Model):
    """A conversation on a cycle's board; its first post is the opening message."""

    __tablename__ = "board_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    cycle: Mapped[Cycle] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    posts: Mapped[list[BoardPost]] = relationship(
        back_populates="thread", cascade="all, delete-orphan", order_by="BoardPost.id"
    )

    __table_args__ = (sa.CheckConstraint("hidden_by_id IS NULL OR hidden_at IS NOT NULL", name="hidden_has_time"),)

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class BoardPost(db.Model):
    """One message: Markdown as written, and the sanitised HTML shown."""

    __tablename__ = "board_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("board_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    thread: Mapped[BoardThread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    __table_args__ = (sa.CheckConstraint("hidden_by_id IS NULL OR hidden_at IS NOT NULL", name="hidden_has_time"),)

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class ReportOutcome(str, enum.Enum):
    DISMISSED = "dismissed"
    HIDDEN = "hidden"


class BoardReport(db.Model):
    """Someone finds a post abusive; coordinators look at it and dismiss it or hide the post."""

    __tablename__ = "board_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[ReportOutcome | None] = mapped_column(enum_column(ReportOutcome, "board_report_outcome"))

    post: Mapped[BoardPost] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    __table_args__ = (
        sa.UniqueConstraint("post_id", "reporter_id", name="uq_board_reports_post_reporter"),
        sa.CheckConstraint("(resolved_at IS NULL) = (outcome IS NULL)", name="resolved_has_outcome"),
    )


class ReplyChoice(str, enum.Enum):
    EMAIL = "email"  # e-mail and the list in the app
    APP = "app"  # only the list in the app
    OFF = "off"


class CommunityPreference(db.Model):
    """How a person wants to hear about replies in threads they wrote in (default: e-mail and app)."""

    __tablename__ = "community_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    replies: Mapped[ReplyChoice] = mapped_column(enum_column(ReplyChoice, "reply_choice"), default=ReplyChoice.EMAIL)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DirectoryProfile(db.Model):
    """A person in the directory: listed only after they consented, until they withdraw."""

    __tablename__ = "directory_profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    listed: Mapped[bool] = mapped_column(default=False)
    about: Mapped[str] = mapped_column(sa.Text, default="")
    topics: Mapped[str] = mapped_column(sa.String(300), default="")
    show_email: Mapped[bool] = mapped_column(default=False)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (sa.CheckConstraint("NOT listed OR consented_at IS NOT NULL", name="listed_has_consent"),)


class DirectoryOrganisation(db.Model):
    """An organisation in the directory, listed by its contact's consent."""

    __tablename__ = "directory_organisations"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    listed: Mapped[bool] = mapped_column(default=False)
    about: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    consented_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (sa.CheckConstraint("NOT listed OR consented_at IS NOT NULL", name="listed_has_consent"),)


REPLY_LABELS = {
    ReplyChoice.EMAIL: _l("By e-mail and in my notifications"),
    ReplyChoice.APP: _l("Only in my notifications here"),
    ReplyChoice.OFF: _l("Not at all"),
}
