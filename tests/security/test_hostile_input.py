"""Input an attacker sends (issue 19, point 5): each is a 404 or a clear 400/422, never a server error.

Ids beyond the database's integers in paths and query strings, dates at the end of the calendar,
NUL and control characters anywhere in a request, JSON nested without end.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from lms.core.input import MAX_ID, json_depth
from lms.extensions import db
from tests.api.conftest import token_for
from tests.factories import make_course, make_cycle, make_user

HUGE = "99999999999999999999999"


def _int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(type(c).__name__ == "IntegerConverter" for c in rule._converters.values())]


def _with(rule, value: str) -> str:
    """The rule's path with every int argument `value` and every other one a plain word."""
    path = rule.rule
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        replacement = value if kind == "IntegerConverter" else (
            sorted(converter.items)[0] if hasattr(converter, "items") else "x")
        path = path.replace(f"<{'int' if kind == 'IntegerConverter' else ''}", "<", 1)
        start = path.index("<")
        path = path[:start] + str(replacement) + path[path.index(">", start) + 1:]
    return path


def test_every_integer_route_argument_is_bounded(app):
    """Every `<int:...>` route answers 404 for an id no row can have, whatever its method (never 405)."""
    rules = _int_rules(app)
    assert len(rules) >= 40
    client = app.test_client()
    for rule in rules:
        for value in (HUGE, str(MAX_ID + 1), "0", "-1"):
            path = _with(rule, value)
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            assert client.open(path, method=method).status_code == 404, (method, path)


def test_huge_ids_in_paths_are_404_for_every_role(app, admin_client, coordinator_client):
    failures = []
    for client in (app.test_client(), admin_client, coordinator_client):
        for rule in _int_rules(app):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(_with(rule, HUGE), method=method)
                if response.status_code >= 500:
                    failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert failures == []
    assert admin_client.get(f"/cycles/{HUGE}").status_code == 404
    assert admin_client.get(f"/checkin/{HUGE}/x").status_code == 404


@pytest.mark.parametrize("path", [
    f"/courses?page={HUGE}", f"/courses?sdg={HUGE}", f"/courses?page=-{HUGE}",
    f"/reports?page={HUGE}", f"/reports/organisation?organisation={HUGE}",
    f"/reports/organisation.csv?organisation={HUGE}",
    f"/planning/cycles/new?course_id={HUGE}", f"/quizzes/1/results?cycle={HUGE}",
])
def test_huge_numbers_in_query_strings_are_ignored_or_refused(admin_client, path):
    assert admin_client.get(path).status_code in (200, 302, 400, 404)


def test_a_huge_organisation_id_in_bulk_enrolment_is_no_server_error(app, admin_client):
    cycle = make_cycle(make_course("styrelsearbete"), first_date=date(2030, 1, 8),
                       now=datetime(2029, 12, 1, tzinfo=timezone.utc))
    db.session.commit()
    assert admin_client.get(f"/cycles/{cycle.id}/bulk?organisation_id={HUGE}").status_code == 200


@pytest.mark.parametrize("first, last", [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02"),
                                         ("2027-01-01", "9999-12-31")])
def test_dates_at_the_end_of_the_calendar_in_the_report_filter(admin_client, first, last):
    for path in ("/reports/organisation", "/reports/organisation.csv"):
        response = admin_client.get(f"{path}?first={first}&last={last}")
        assert response.status_code in (200, 400), path
    page = admin_client.get(f"/reports/organisation?first={first}&last={last}").text
    assert "Choose a date between 2000-01-01 and 2100-12-31" in page


def test_a_nul_byte_in_a_file_name_is_400_in_the_persons_language(client):
    response = client.get("/courses/styrelsearbete/files/x.txt%00.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "control character" in response.text
    swedish = client.get("/courses/styrelsearbete/files/x.txt%00.pdf", headers={"Accept-Language": "sv"})
    assert swedish.status_code == 400 and "styrtecken" in swedish.text


@pytest.mark.parametrize("method, path, data", [
    ("GET", "/courses?q=a%00b", None),
    ("GET", "/courses?q=a%01b", None),
    ("POST", "/signup", {"name": "Anna\x00", "email": "anna@example.org", "message": "hej"}),
    ("POST", "/feedback", {"message": "a\x00b", "page": "/"}),
    ("POST", "/login", {"email": "a\x00@example.org", "password": "x"}),
])
def test_nul_and_control_characters_are_400_for_anyone(client, method, path, data):
    response = client.open(path, method=method, data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "control character" in response.text


def test_nul_in_a_logged_in_persons_text_is_400(learner_client):
    for path in ("/community/directory?q=a%00", "/community/profile"):
        response = learner_client.open(path, method="GET" if "?" in path else "POST",
                                       data=None if "?" in path else {"display_name": "x\x00y"})
        assert response.status_code == 400, path


def test_tabs_and_new_lines_are_text(client):
    response = client.post("/feedback", data={"message": "rad ett\r\n\trad två", "page": "/"})
    assert response.status_code < 400


def test_nul_in_the_api_roll_call_note_is_a_400_problem(app, client):
    trainer = make_user(roles=["trainer"], locale="en")
    db.session.commit()
    response = client.put(f"/api/v1/sessions/1/roll-call/{trainer.id}", json={"status": "present", "note": "a\u0000b"},
                          headers={"Authorization": f"Bearer {token_for(trainer)}"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "control character" in response.json["detail"]


def test_deeply_nested_json_is_a_400_problem(app, client):
    coordinator = make_user(roles=["coordinator"], locale="en")
    db.session.commit()
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/cycles", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token_for(coordinator)}"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "nested" in response.json["detail"]


def test_json_depth_skips_brackets_inside_strings():
    assert json_depth(b'{"a": "[[[[", "b": [1, {"c": "]\\"["}]}') == 3
    assert json_depth(b"[]") == 1 and json_depth(b'"x"') == 0
