"""Board rules: who reads and moderates, threads and replies, Markdown, pins, hiding, reports, replies told."""
import pytest
from sqlalchemy import select

from lms.community import board as service
from lms.community.models import ReplyChoice, ReportOutcome
from lms.enrolment.service import find_enrolment, withdraw
from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.planning import service as planning
from tests.community.conftest import NOW
from tests.factories import make_cycle


def _keys(model) -> set[str]:
    return set(db.session.execute(select(model.dedupe_key)).scalars())


def test_participants_trainers_and_coordinators_read_the_board(board):
    cycle = board.cycle
    assert all(service.can_read(p, cycle) for p in (board.anna, board.trainer, board.coordinator))
    assert not service.can_read(board.outsider, cycle) and not service.can_read(board.other_trainer, cycle)
    assert service.can_moderate(board.trainer, cycle) and service.can_moderate(board.coordinator, cycle)
    assert not service.can_moderate(board.anna, cycle) and not service.can_moderate(board.other_trainer, cycle)
    withdraw(find_enrolment(board.anna.id, cycle.id), actor_id=board.anna.id, now=NOW)
    assert not service.can_read(board.anna, cycle), "a withdrawn learner leaves the board"


def test_a_draft_or_cancelled_cycle_has_no_board(board):
    draft = make_cycle(published=False, trainers=[board.trainer], now=NOW)
    assert not service.can_read(board.coordinator, draft)
    planning.cancel_cycle(board.cycle, actor_id=None, now=NOW)
    assert not service.can_read(board.trainer, board.cycle)


def test_posts_are_markdown_without_scripts_or_javascript_links(board):
    thread = service.start_thread(board.cycle, author_id=board.anna.id, title="  Hej   alla ",
                                  body="**Välkomna!** <script>alert(1)</script> [klick](javascript:alert(2)) "
                                       "<img src=x onerror=alert(3)> [bra](https://example.org)", now=NOW)
    html = thread.posts[0].body_html
    assert thread.title == "Hej alla"
    assert "<strong>Välkomna!</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<a" not in html.split("bra</a>")[0].replace('<a href="https', "")
    assert "<img" not in html and "&lt;img" in html, "raw HTML is shown as text"
    assert 'href="https://example.org"' in html


def test_empty_posts_and_titles_are_refused(board):
    with pytest.raises(service.BoardError):
        service.start_thread(board.cycle, author_id=board.anna.id, title="   ", body="Text", now=NOW)
    with pytest.raises(service.BoardError):
        service.start_thread(board.cycle, author_id=board.anna.id, title="Titel", body=" \n ", now=NOW)


def test_replies_reach_the_others_in_the_thread_as_they_chose(board):
    thread = service.start_thread(board.cycle, author_id=board.anna.id, title="Budget", body="Hur gör ni?", now=NOW)
    first = service.reply(thread, author_id=board.bert.id, body="Vi använder ett kalkylark.", now=NOW)
    assert _keys(OutboxMessage) == {f"board_reply:post:{first.id}:user:{board.anna.id}"}
    service.save_reply_choice(board.anna.id, ReplyChoice.APP, now=NOW)
    service.save_reply_choice(board.bert.id, ReplyChoice.OFF, now=NOW)
    second = service.reply(thread, author_id=board.cleo.id, body="Vi med!", now=NOW)
    assert f"board_reply:post:{second.id}:user:{board.anna.id}" in _keys(Notification)
    assert f"board_reply:post:{second.id}:user:{board.anna.id}" not in _keys(OutboxMessage), "app only"
    assert not any(k.endswith(f"user:{board.bert.id}") for k in _keys(Notification) if str(second.id) in k)
    assert not any(f"user:{board.cleo.id}" in k for k in _keys(Notification)), "not told of one's own reply"
    message = db.session.execute(select(OutboxMessage)).scalars().first()
    assert "Budget" in message.subject and f"/community/threads/{thread.id}#post-{first.id}" in message.body_text


def test_trainers_pin_and_pinned_threads_come_first(board):
    old = service.start_thread(board.cycle, author_id=board.trainer.id, title="Läsanvisningar", body="Läs kap 1",
                               now=NOW)
    service.start_thread(board.cycle, author_id=board.anna.id, title="Fråga", body="?", now=NOW.replace(hour=13))
    assert service.threads_of(board.cycle.id, moderator=False)[0].thread.title == "Fråga"
    service.set_pinned(old, True, actor_id=board.trainer.id)
    assert service.threads_of(board.cycle.id, moderator=False)[0].thread == old


def test_hidden_posts_are_seen_only_by_moderators(board):
    thread = service.start_thread(board.cycle, author_id=board.anna.id, title="Tråd", body="Första", now=NOW)
    bad = service.reply(thread, author_id=board.bert.id, body="Olämpligt", now=NOW)
    service.set_post_hidden(bad, True, actor_id=board.trainer.id, now=NOW)
    assert [p.body for p in service.posts_of(thread, moderator=False)] == ["Första"]
    assert [p.body for p in service.posts_of(thread, moderator=True)] == ["Första", "Olämpligt"]
    assert service.threads_of(board.cycle.id, moderator=False)[0].replies == 0
    service.set_post_hidden(thread.posts[0], True, actor_id=board.trainer.id, now=NOW)
    assert thread.hidden and service.threads_of(board.cycle.id, moderator=False) == []
    assert len(service.threads_of(board.cycle.id, moderator=True)) == 1
    with pytest.raises(service.BoardError):
        service.reply(thread, author_id=board.anna.id, body="Svar", now=NOW)
    service.set_post_hidden(thread.posts[0], False, actor_id=board.trainer.id, now=NOW)
    assert not thread.hidden


def test_a_report_reaches_every_coordinator_and_is_settled_once(board):
    thread = service.start_thread(board.cycle, author_id=board.anna.id, title="Tråd", body="Hej", now=NOW)
    bad = service.reply(thread, author_id=board.bert.id, body="Elakt", now=NOW)
    report = service.report_post(bad, reporter_id=board.cleo.id, reason="Personangrepp", now=NOW)
    service.report_post(bad, reporter_id=board.anna.id, reason="Otrevligt", now=NOW)
    assert _keys(OutboxMessage) >= {f"board_report:{report.id}:user:{board.coordinator.id}"}
    with pytest.raises(service.BoardError, match="redan anmält"):
        service.report_post(bad, reporter_id=board.cleo.id, reason="Igen", now=NOW)
    assert len(service.open_reports()) == 2
    service.resolve_report(report, ReportOutcome.HIDDEN, actor_id=board.coordinator.id, now=NOW)
    assert bad.hidden and service.open_reports() == []
    with pytest.raises(service.BoardError):
        service.resolve_report(report, ReportOutcome.DISMISSED, actor_id=board.coordinator.id, now=NOW)


def test_boards_for_lists_only_ones_own_cycles(board):
    other = make_cycle(now=NOW)
    assert [r.cycle for r in service.boards_for(board.anna)] == [board.cycle]
    assert [r.cycle for r in service.boards_for(board.trainer)] == [board.cycle]
    assert {r.cycle for r in service.boards_for(board.coordinator)} == {board.cycle, other}
    assert service.boards_for(board.outsider) == []
