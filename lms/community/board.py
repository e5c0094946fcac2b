"""The board of a cycle: who reads and moderates it, threads and replies, pins, hiding and reports.

A board is read by the cycle's participants (enrolled or completed), its trainers and the
coordinators. Trainers of the cycle and coordinators moderate: they pin threads and hide posts,
which then only moderators see. Functions flush but never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.audit.service import record_event
from lms.auth.models import Role, User, UserRole
from lms.catalog.markdown import render_markdown
from lms.community.models import (
    BoardPost, BoardReport, BoardThread, CommunityPreference, ReplyChoice, ReportOutcome,
)
from lms.community.notify import MessageKind, absolute_url, send
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus, CycleTrainer
from lms.core.unit_of_work import DomainError

MEMBERS = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)
#: cycles whose board exists: people met there, or are about to
BOARD_STATUSES = (CycleStatus.PUBLISHED, CycleStatus.FINISHED)
BODY_LIMIT = 10000
TITLE_LIMIT = 200


class BoardError(DomainError):
    """A board request that breaks a rule; the message is for the person."""


# --- who may do what ----------------------------------------------------------------------------

def is_coordinator(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.COORDINATOR)


def is_member(user_id: int, cycle_id: int) -> bool:
    return db.session.execute(
        select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id,
                                   Enrolment.status.in_(MEMBERS))
    ).first() is not None


def can_moderate(user: User, cycle: Cycle) -> bool:
    return is_coordinator(user) or (user.has_role(Role.TRAINER) and user.id in cycle.trainer_ids)


def can_read(user: User, cycle: Cycle) -> bool:
    if cycle.status not in BOARD_STATUSES:
        return False
    return can_moderate(user, cycle) or is_member(user.id, cycle.id)


# --- reading --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThreadRow:
    thread: BoardThread
    replies: int


def threads_of(cycle_id: int, *, moderator: bool) -> list[ThreadRow]:
    """The board's threads, pinned first, then the most recently active; hidden ones for moderators."""
    replies = (select(BoardPost.thread_id, (func.count(BoardPost.id) - 1).label("replies"))
               .group_by(BoardPost.thread_id))
    if not moderator:
        replies = replies.where(BoardPost.hidden_at.is_(None))
    counts = replies.subquery()
    query = (select(BoardThread, func.coalesce(counts.c.replies, 0))
             .outerjoin(counts, counts.c.thread_id == BoardThread.id)
             .options(joinedload(BoardThread.author))
             .where(BoardThread.cycle_id == cycle_id)
             .order_by(BoardThread.pinned.desc(), BoardThread.last_post_at.desc(), BoardThread.id.desc()))
    if not moderator:
        query = query.where(BoardThread.hidden_at.is_(None))
    return [ThreadRow(thread, max(count, 0)) for thread, count in db.session.execute(query).all()]


def posts_of(thread: BoardThread, *, moderator: bool) -> list[BoardPost]:
    query = (select(BoardPost).options(joinedload(BoardPost.author))
             .where(BoardPost.thread_id == thread.id).order_by(BoardPost.id))
    if not moderator:
        query = query.where(BoardPost.hidden_at.is_(None))
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class BoardRow:
    cycle: Cycle
    threads: int


def boards_for(user: User) -> list[BoardRow]:
    """The boards this person reads: their cycles' (or, for coordinators, every cycle's)."""
    query = (select(Cycle).options(joinedload(Cycle.course)).where(Cycle.status.in_(BOARD_STATUSES))
             .order_by(Cycle.status, Cycle.first_date.desc(), Cycle.id.desc()))
    if not is_coordinator(user):
        mine = select(Enrolment.cycle_id).where(Enrolment.user_id == user.id, Enrolment.status.in_(MEMBERS))
        taught = select(CycleTrainer.cycle_id).where(CycleTrainer.user_id == user.id)
        query = query.where(Cycle.id.in_(mine.union(taught)))
    cycles = list(db.session.execute(query).scalars())
    counts = dict(db.session.execute(
        select(BoardThread.cycle_id, func.count(BoardThread.id))
        .where(BoardThread.cycle_id.in_([c.id for c in cycles]), BoardThread.hidden_at.is_(None))
        .group_by(BoardThread.cycle_id)
    ).all())
    return [BoardRow(cycle, counts.get(cycle.id, 0)) for cycle in cycles]


# --- writing ------------------------------------------------------------------------------------

def _body(text: str) -> tuple[str, str]:
    body = text.strip()
    if not body:
        raise BoardError(_l("Write something first."))
    if len(body) > BODY_LIMIT:
        raise BoardError(_l("A post can be at most %(num)d characters long.", num=BODY_LIMIT))
    return body, render_markdown(body)


def _check_open(cycle: Cycle) -> None:
    if cycle.status not in BOARD_STATUSES:
        raise BoardError(_l("This board is closed."))


def start_thread(cycle: Cycle, *, author_id: int, title: str, body: str, now: datetime) -> BoardThread:
    _check_open(cycle)
    title = " ".join(title.split())
    if not title:
        raise BoardError(_l("Give the thread a title."))
    text, html = _body(body)
    thread = BoardThread(cycle_id=cycle.id, author_id=author_id, title=title[:TITLE_LIMIT],
                         created_at=now, last_post_at=now)
    thread.posts.append(BoardPost(author_id=author_id, body=text, body_html=html, created_at=now))
    db.session.add(thread)
    db.session.flush()
    return thread


def reply(thread: BoardThread, *, author_id: int, body: str, now: datetime) -> BoardPost:
    """Add a reply and tell the others who wrote in the thread, each as they chose."""
    _check_open(thread.cycle)
    if thread.hidden:
        raise BoardError(_l("This thread is hidden: it takes no replies."))
    text, html = _body(body)
    post = BoardPost(thread_id=thread.id, author_id=author_id, body=text, body_html=html, created_at=now)
    db.session.add(post)
    thread.last_post_at = now
    db.session.flush()
    _notify_reply(thread, post, now)
    return post


def reply_choices(user_ids: list[int]) -> dict[int, ReplyChoice]:
    stored = dict(db.session.execute(
        select(CommunityPreference.user_id, CommunityPreference.replies)
        .where(CommunityPreference.user_id.in_(user_ids))
    ).all()) if user_ids else {}
    return {uid: stored.get(uid, ReplyChoice.EMAIL) for uid in user_ids}


def _notify_reply(thread: BoardThread, post: BoardPost, now: datetime) -> int:
    writers = set(db.session.execute(
        select(BoardPost.author_id).where(BoardPost.thread_id == thread.id, BoardPost.author_id.is_not(None))
    ).scalars()) - {post.author_id}
    users = db.session.execute(select(User).where(User.id.in_(writers)).order_by(User.id)).scalars().all()
    choices = reply_choices([u.id for u in users])
    author = db.session.get(User, post.author_id) if post.author_id else None
    link = absolute_url("community.thread", thread_id=thread.id, _anchor=f"post-{post.id}")
    context = {"thread": thread, "cycle": thread.cycle, "course": thread.cycle.course,
               "author": author.name if author else "", "excerpt": post.body[:300],
               "settings_url": absolute_url("community.settings")}
    sent = 0
    for user in users:
        choice = choices[user.id]
        if choice is ReplyChoice.OFF or not user.is_active or not can_read(user, thread.cycle):
            continue
        sent += send(user, MessageKind.BOARD_REPLY, f"board_reply:post:{post.id}:user:{user.id}",
                     "community/reply", context, link, now=now, email=choice is ReplyChoice.EMAIL)
    return sent


def save_reply_choice(user_id: int, choice: ReplyChoice, *, now: datetime) -> None:
    preference = db.session.get(CommunityPreference, user_id)
    if preference is None:
        preference = CommunityPreference(user_id=user_id)
        db.session.add(preference)
    preference.replies, preference.updated_at = choice, now
    db.session.flush()


# --- moderating ---------------------------------------------------------------------------------

def set_pinned(thread: BoardThread, pinned: bool, *, actor_id: int) -> None:
    thread.pinned = pinned
    db.session.flush()
    record_event(actor_id, "board.pinned" if pinned else "board.unpinned", "board_thread", thread.id)


def set_thread_hidden(thread: BoardThread, hidden: bool, *, actor_id: int, now: datetime) -> None:
    thread.hidden_at, thread.hidden_by_id = (now, actor_id) if hidden else (None, None)
    db.session.flush()
    record_event(actor_id, "board.thread_hidden" if hidden else "board.thread_shown", "board_thread", thread.id)


def set_post_hidden(post: BoardPost, hidden: bool, *, actor_id: int, now: datetime) -> None:
    """Hide a post (only moderators still see it), or show it again."""
    if post.thread.posts[0].id == post.id:
        set_thread_hidden(post.thread, hidden, actor_id=actor_id, now=now)
        return
    post.hidden_at, post.hidden_by_id = (now, actor_id) if hidden else (None, None)
    db.session.flush()
    record_event(actor_id, "board.post_hidden" if hidden else "board.post_shown", "board_post", post.id)


def is_visible(post: BoardPost) -> bool:
    return not post.hidden and not post.thread.hidden


# --- reports of abuse ---------------------------------------------------------------------------

def coordinators() -> list[User]:
    return list(db.session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR).order_by(User.id)
    ).scalars())


def report_post(post: BoardPost, *, reporter_id: int, reason: str, now: datetime) -> BoardReport:
    """Note the report and tell every coordinator (once per report)."""
    reason = reason.strip()
    if not reason:
        raise BoardError(_l("Say briefly what is wrong with the post."))
    exists = db.session.execute(
        select(BoardReport.id).where(BoardReport.post_id == post.id, BoardReport.reporter_id == reporter_id)
    ).first()
    if exists:
        raise BoardError(_l("You have already reported this post. The coordinators will look at it."))
    report = BoardReport(post_id=post.id, reporter_id=reporter_id, reason=reason[:2000], created_at=now)
    db.session.add(report)
    db.session.flush()
    link = absolute_url("community.reports")
    context = {"report": report, "post": post, "thread": post.thread, "cycle": post.thread.cycle,
               "course": post.thread.cycle.course}
    for coordinator in coordinators():
        if coordinator.is_active:
            send(coordinator, MessageKind.BOARD_REPORT, f"board_report:{report.id}:user:{coordinator.id}",
                 "community/report", context, link, now=now)
    return report


def open_reports() -> list[BoardReport]:
    return list(db.session.execute(
        select(BoardReport).where(BoardReport.resolved_at.is_(None))
        .options(joinedload(BoardReport.reporter),
                 joinedload(BoardReport.post).joinedload(BoardPost.author),
                 joinedload(BoardReport.post).joinedload(BoardPost.thread).joinedload(BoardThread.cycle)
                 .joinedload(Cycle.course))
        .order_by(BoardReport.created_at, BoardReport.id)
    ).scalars())


def resolve_report(report: BoardReport, outcome: ReportOutcome, *, actor_id: int, now: datetime) -> None:
    """Dismiss the report or hide the post; every open report of the same post is settled with it."""
    if report.resolved_at is not None:
        raise BoardError(_l("This report has already been handled."))
    if outcome is ReportOutcome.HIDDEN:
        set_post_hidden(report.post, True, actor_id=actor_id, now=now)
    siblings = db.session.execute(
        select(BoardReport).where(BoardReport.post_id == report.post_id, BoardReport.resolved_at.is_(None))
    ).scalars().all()
    for item in siblings:
        item.resolved_at, item.resolved_by_id, item.outcome = now, actor_id, outcome
    db.session.flush()
    record_event(actor_id, f"board.report_{outcome.value}", "board_report", report.id, post_id=report.post_id)
