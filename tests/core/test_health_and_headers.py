"""The health check, security headers and error pages."""
import pytest

from lms import create_app
from tests.conftest import base_config


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_says_503_when_the_database_is_unreachable(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-folder' / 'no.sqlite3'}"
    app = create_app(base_config(url, tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"])
def test_every_page_has_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_for_logged_in_users_are_not_cached(client, learner_client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert learner_client.get("/").headers["Cache-Control"] == "no-store"


def test_not_found_is_a_page_in_the_layout(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "The page was not found" in response.text
    assert 'id="main"' in response.text


def test_no_inline_script_in_pages(client):
    html = client.get("/login").text
    assert "<script>" not in html and "onclick" not in html
