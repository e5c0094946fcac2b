"""Public reads: courses with filters and pagination, cycles and their sessions; drafts stay hidden."""
from datetime import date

import pytest

from lms.extensions import db
from tests.api.conftest import PLANNED_AT
from tests.factories import make_course, make_cycle


def test_courses_are_public_and_list_only_published_ones(api, center):
    make_course("dold", title="Dold kurs", published=False)
    db.session.commit()
    body = api.get("/courses").json
    assert [c["slug"] for c in body["items"]] == ["styrelsearbete"] and body["next_cursor"] is None


def test_courses_filter_by_words_area_and_goal(api, center):
    make_course("klimat", title="Klimatsmart förening", areas=("Hållbarhet",), sdgs=(13,))
    db.session.commit()
    assert [c["slug"] for c in api.get("/courses?q=klimat").json["items"]] == ["klimat"]
    assert [c["slug"] for c in api.get("/courses?area=Hållbarhet").json["items"]] == ["klimat"]
    assert [c["slug"] for c in api.get("/courses?sdg=16").json["items"]] == ["styrelsearbete"]
    assert api.get("/courses?sdg=18").status_code == 422


def test_pages_follow_the_cursor_without_gaps_or_repeats(api, center):
    for number in range(4):
        make_course(f"kurs-extra-{number}")
    db.session.commit()
    seen, cursor = [], None
    while True:
        body = api.get("/courses?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        assert len(body["items"]) <= 2
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("query, status", [("limit=0", 422), ("limit=101", 422), ("limit=abc", 422),
                                           ("cursor=not-ours", 400), ("cursor=WyJ4Il0", 400)])
def test_bad_paging_parameters_are_refused(api, center, query, status):
    response = api.get("/courses?" + query)
    assert response.status_code == status and response.mimetype == "application/problem+json"


def test_a_course_shows_its_modules_and_upcoming_cycles(api, center, clock):
    body = api.get("/courses/styrelsearbete").json
    assert body["title"] == "Styrelsearbete" and body["modules"] == []
    [offer] = body["upcoming_cycles"]
    assert offer["id"] == center.cycle.id and offer["free_seats"] == 3
    assert offer["first_starts_at"] == "2030-01-08T17:00:00+00:00"


def test_an_unknown_or_unpublished_course_is_404(api, center):
    make_course("dold", published=False)
    db.session.commit()
    for slug in ("dold", "finns-inte"):
        response = api.get(f"/courses/{slug}")
        assert response.status_code == 404 and response.json["type"].endswith("#problem-not-found")


def test_a_published_cycle_and_its_sessions_are_public(api, center):
    cycle = api.get(f"/cycles/{center.cycle.id}").json
    assert cycle["status"] == "published" and cycle["trainers"] == [{"id": center.trainer.id, "name": "Trainer"}]
    assert cycle["recurrence"]["start_time"] == "18:00:00" and cycle["recurrence"]["kind"] == "weekly"
    sessions = api.get(f"/cycles/{center.cycle.id}/sessions?limit=3").json
    assert [s["starts_at"] for s in sessions["items"]] == [
        "2030-01-08T17:00:00+00:00", "2030-01-15T17:00:00+00:00", "2030-01-22T17:00:00+00:00"]
    rest = api.get(f"/cycles/{center.cycle.id}/sessions?cursor={sessions['next_cursor']}").json
    assert [s["starts_at"] for s in rest["items"]] == ["2030-01-29T17:00:00+00:00"] and rest["next_cursor"] is None


@pytest.mark.parametrize("who, visible", [(None, False), ("learner", False), ("trainer", False),
                                          ("coordinator", True), ("admin", True)])
def test_drafts_are_seen_only_with_the_admin_scope(api, center, who, visible):
    draft = make_cycle(center.course, first_date=date(2030, 3, 5), published=False, now=PLANNED_AT)
    db.session.commit()
    client = api.as_(center.secrets[who] if who else None)
    assert client.get(f"/cycles/{draft.id}").status_code == (200 if visible else 404)
    assert client.get(f"/cycles/{draft.id}/sessions").status_code == (200 if visible else 404)
