"""Every error under /api/ is an RFC 9457 problem, also those from routing and crashes."""
import pytest
from flask import Blueprint

from lms.api.spec import flatten_errors


def _is_problem(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["instance"] and body["title"] and body["type"]
    return body


def test_an_unknown_address_under_the_api_is_a_404_problem(client):
    body = _is_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["type"] == "http://localhost/api/v1/docs#problem-not-found"
    assert client.get("/no-such-page").mimetype == "text/html"  # pages outside the API keep their HTML


def test_problem_type_links_are_on_the_configured_address_whatever_the_host_header(client):
    response = client.get("/api/v1/no-such-thing", base_url="http://evil.example")
    assert response.json["type"] == "http://localhost/api/v1/docs#problem-not-found"


def test_a_wrong_method_is_a_405_problem_with_allow(client):
    response = client.delete("/api/v1/courses")
    _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


@pytest.mark.config(PROPAGATE_EXCEPTIONS=False)
def test_a_crash_is_a_500_problem_without_details(app, client):
    crashing = Blueprint("api_crash_test", __name__, url_prefix="/api/v1/test")

    @crashing.get("/crash")
    def crash():
        raise RuntimeError("secret internals")

    app.register_blueprint(crashing)
    body = _is_problem(client.get("/api/v1/test/crash"), 500)
    assert "secret" not in body["detail"]


def test_problem_titles_follow_the_token_owners_language(api, center):
    from lms.extensions import db

    center.learner.locale = "sv"
    db.session.commit()
    body = api.as_(center.secrets["learner"]).get("/cycles/99999").json
    assert body["title"] == "Hittades inte" and body["detail"] == "Det finns ingen kursomgång med det id:t."


def test_nested_validation_messages_become_dotted_paths():
    assert flatten_errors({"recurrence": {"weekdays": {0: ["Not a valid integer."]}}, "_schema": ["x"]}) == {
        "recurrence.weekdays.0": ["Not a valid integer."], "_schema": ["x"]}
