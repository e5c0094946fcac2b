"""The board, moderation, reports, settings and the directory over HTTP: 403/404, CSRF, XSS, rate limits."""
import pytest
from sqlalchemy import select

from lms.community import board as service
from lms.community import directory
from lms.community.models import BoardPost, BoardReport, BoardThread, CommunityPreference, ReplyChoice
from lms.extensions import db
from tests.community.conftest import NOW
from tests.conftest import log_in
from tests.factories import make_cycle, make_organisation, make_user


def _client(app, user):
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def _thread(board, author=None, title="Välkomna", body="Hej alla!"):
    thread = service.start_thread(board.cycle, author_id=(author or board.anna).id, title=title, body=body, now=NOW)
    db.session.commit()
    return thread


def test_a_participant_starts_a_thread_and_another_replies(app, board):
    anna = _client(app, board.anna)
    assert board.cycle.title in anna.get("/community").text
    response = anna.post(f"/community/cycles/{board.cycle.id}/threads",
                         data={"title": "Kassaboken", "body": "Vem har en **mall**?"})
    thread = db.session.execute(select(BoardThread)).scalar_one()
    assert response.headers["Location"] == f"/community/threads/{thread.id}"
    bert = _client(app, board.bert)
    assert "Kassaboken" in bert.get(f"/community/cycles/{board.cycle.id}").text
    bert.post(f"/community/threads/{thread.id}/replies", data={"body": "Jag har en!"})
    page = anna.get(f"/community/threads/{thread.id}").text
    assert "<strong>mall</strong>" in page and "Jag har en!" in page
    assert "Pin to the top" not in page, "participants do not moderate"


def test_scripts_and_javascript_links_are_harmless_on_the_page(app, board):
    anna = _client(app, board.anna)
    anna.post(f"/community/cycles/{board.cycle.id}/threads",
              data={"title": "<script>alert('t')</script>", "body": "<script>alert(1)</script> [x](javascript:alert(2))"})
    thread = db.session.execute(select(BoardThread)).scalar_one()
    page = anna.get(f"/community/threads/{thread.id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page


def test_outsiders_and_other_trainers_are_refused(app, board):
    thread = _thread(board)
    post_id = thread.posts[0].id
    for person in (board.outsider, board.other_trainer):
        client = _client(app, person)
        assert client.get(f"/community/cycles/{board.cycle.id}").status_code == 403
        assert client.get(f"/community/threads/{thread.id}").status_code == 403
        assert client.post(f"/community/threads/{thread.id}/replies", data={"body": "x"}).status_code == 403
        assert client.post(f"/community/cycles/{board.cycle.id}/threads", data={"title": "x", "body": "y"}).status_code == 403
        assert client.get(f"/community/posts/{post_id}/report").status_code == 403
    client = _client(app, board.anna)
    assert client.get("/community/cycles/99999").status_code == 404
    assert client.get("/community/threads/99999").status_code == 404
    draft = make_cycle(published=False, now=NOW)
    db.session.commit()
    assert _client(app, board.coordinator).get(f"/community/cycles/{draft.id}").status_code == 404


def test_a_trainer_pins_and_hides_and_learners_no_longer_see_the_post(app, board):
    thread = _thread(board)
    reply = service.reply(thread, author_id=board.bert.id, body="Olämpligt inlägg", now=NOW)
    db.session.commit()
    anna = _client(app, board.anna)
    assert anna.post(f"/community/threads/{thread.id}/pin").status_code == 403
    assert anna.post(f"/community/posts/{reply.id}/hide").status_code == 403
    trainer = _client(app, board.trainer)
    trainer.post(f"/community/threads/{thread.id}/pin")
    trainer.post(f"/community/posts/{reply.id}/hide")
    db.session.expire_all()
    assert thread.pinned and reply.hidden
    assert "Pinned" in anna.get(f"/community/cycles/{board.cycle.id}").text
    assert "Olämpligt inlägg" not in anna.get(f"/community/threads/{thread.id}").text
    assert "Olämpligt inlägg" in trainer.get(f"/community/threads/{thread.id}").text
    assert anna.get(f"/community/posts/{reply.id}/report").status_code == 404
    coordinator = _client(app, board.coordinator)
    coordinator.post(f"/community/posts/{thread.posts[0].id}/hide")
    assert anna.get(f"/community/threads/{thread.id}").status_code == 404
    assert coordinator.get(f"/community/threads/{thread.id}").status_code == 200


def test_a_report_reaches_the_coordinators_page_and_is_decided(app, board):
    thread = _thread(board)
    reply = service.reply(thread, author_id=board.bert.id, body="Elakt skrivet", now=NOW)
    db.session.commit()
    cleo = _client(app, board.cleo)
    assert "Report a post" in cleo.get(f"/community/posts/{reply.id}/report").text
    response = cleo.post(f"/community/posts/{reply.id}/report", data={"reason": "Personangrepp"}, follow_redirects=True)
    assert "The coordinators will look at the post" in response.text
    report = db.session.execute(select(BoardReport)).scalar_one()
    assert cleo.get("/community/reports").status_code == 403
    assert _client(app, board.trainer).get("/community/reports").status_code == 403
    coordinator = _client(app, board.coordinator)
    page = coordinator.get("/community/reports").text
    assert "Personangrepp" in page and "Elakt skrivet" in page
    coordinator.post(f"/community/reports/{report.id}", data={"outcome": "hidden"})
    db.session.expire_all()
    assert reply.hidden and report.resolved_at is not None
    assert "No reports waiting." in coordinator.get("/community/reports").text
    assert coordinator.post("/community/reports/99999", data={"outcome": "hidden"}).status_code == 404


def test_reply_settings_are_saved(app, board):
    anna = _client(app, board.anna)
    assert '<input checked id="replies-0" name="replies" type="radio" value="email">' in anna.get("/community/settings").text
    anna.post("/community/settings", data={"replies": "off"})
    assert db.session.get(CommunityPreference, board.anna.id).replies is ReplyChoice.OFF


def test_the_directory_shows_only_consenting_people(app, board):
    board.anna.name = "Anna Listad"
    board.bert.name = "Bert Olistad"
    db.session.commit()
    anna = _client(app, board.anna)
    page = anna.post("/directory/me", data={"about": "Läxhjälp", "topics": "volontärer"}).text
    assert "Tick the box to agree" in page
    anna.post("/directory/me", data={"about": "Läxhjälp", "topics": "volontärer", "consent": "y", "show_email": "y"})
    listing = _client(app, board.outsider).get("/directory").text
    assert "Anna Listad" in listing and board.anna.email in listing and "Bert Olistad" not in listing
    anna.post("/directory/me/withdraw")
    assert "Anna Listad" not in _client(app, board.outsider).get("/directory").text


def test_the_directory_needs_a_log_in(client):
    assert client.get("/directory").status_code == 302
    assert client.get("/community").status_code == 302


def test_only_an_organisations_contact_lists_it(app, learner_client):
    organisation = make_organisation("Fosie Matkasse")
    contact = make_user(roles=["organisation_contact"], organisation=organisation, locale="en")
    db.session.commit()
    assert learner_client.get("/directory/organisation").status_code == 403
    assert learner_client.post("/directory/organisation", data={"consent": "y"}).status_code == 403
    client = _client(app, contact)
    client.post("/directory/organisation", data={"about": "Mat till alla", "website": "https://fosie.example",
                                                  "consent": "y"})
    assert "Mat till alla" in learner_client.get("/directory").text
    client.post("/directory/organisation/withdraw")
    assert "Mat till alla" not in learner_client.get("/directory").text


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_COMMUNITY_RATE_LIMIT="2 per minute")
def test_posting_is_rate_limited(app, board):
    thread = _thread(board)
    anna = _client(app, board.anna)
    statuses = [anna.post(f"/community/threads/{thread.id}/replies", data={"body": f"Svar {i}"}).status_code
                for i in range(3)]
    assert statuses == [302, 302, 429]
    assert len(db.session.execute(select(BoardPost)).scalars().all()) == 3


CSRF_POSTS = ["/community/cycles/{cycle}/threads", "/community/threads/{thread}/replies",
              "/community/threads/{thread}/pin", "/community/posts/{post}/hide", "/community/posts/{post}/report",
              "/community/settings", "/directory/me", "/directory/me/withdraw"]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path", CSRF_POSTS)
def test_posts_without_a_csrf_token_are_rejected(app, board, path):
    thread = _thread(board)
    client = app.test_client()
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": board.coordinator.email, "password": "correct horse battery",
                                "csrf_token": token})
    url = path.format(cycle=board.cycle.id, thread=thread.id, post=thread.posts[0].id)
    data = {"title": "T", "body": "B", "reason": "R", "replies": "off", "consent": "y"}
    assert client.post(url, data=data).status_code == 400
    db.session.expire_all()
    assert len(db.session.execute(select(BoardPost)).scalars().all()) == 1 and not thread.pinned
    assert directory.profile_of(board.coordinator.id) is None


def test_a_board_thread_title_is_stored_without_a_right_to_left_override(app, board):
    anna = _client(app, board.anna)
    anna.post(f"/community/cycles/{board.cycle.id}/threads", data={"title": "Kassa\u202eboken", "body": "Hej"})
    assert db.session.execute(select(BoardThread.title)).scalar_one() == "Kassaboken"
