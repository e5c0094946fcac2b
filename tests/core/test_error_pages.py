"""Error pages: every status in the person's language; never depending on a failed transaction.

Issue #18: the 405 page said "Method Not Allowed". Issue #19: a database error in a view (a
duplicate, a data error on PostgreSQL) made the error page itself fail, so the server's plain
page was shown without security headers; a corrupt SQLite file gave 500 instead of the 503
page; /healthz said 200 while the database refused writes.
"""
import pytest
from flask import abort
from flask_babel import force_locale
from sqlalchemy import insert, text

from lms import create_app
from lms.auth.models import User
from lms.core.errors import ERROR_PAGES
from lms.extensions import db
from tests.conftest import base_config, log_in
from tests.factories import make_user

CODES = [400, 403, 404, 405, 409, 413, 429, 500, 503]
LANGUAGES = ["sv", "en", "ar"]
WERKZEUG_NAMES = ["Bad Request", "Forbidden", "Not Found", "Method Not Allowed", "Conflict",
                  "Request Entity Too Large", "Too Many Requests", "Internal Server Error",
                  "Service Unavailable"]


def _add_view(app, path, view):
    app.add_url_rule(path, path, view, methods=["GET", "POST"])


@pytest.fixture
def sweeping(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _add_view(app, "/test-abort/<int:code>", lambda code: abort(code))
    return app


def _title(code, language):
    with force_locale(language):
        return str(ERROR_PAGES[code][0]), str(ERROR_PAGES[code][1])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", CODES)
def test_every_error_page_is_in_the_persons_language(sweeping, code, language):
    response = sweeping.test_client().get(f"/test-abort/{code}", headers={"Accept-Language": language})
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
    title, text_ = _title(code, language)
    if code != 429:  # the 429 page's own text (it says the wait) is tested with the limiter
        assert f"<h1>{title}</h1>" in page and text_ in page
    assert not any(name in page for name in WERKZEUG_NAMES), page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("code", CODES)
def test_every_error_title_has_a_swedish_translation(app, code):
    assert _title(code, "sv") != _title(code, "en")


@pytest.mark.parametrize("code", CODES)
def test_api_errors_stay_problem_json(sweeping, code):
    _add_view(sweeping, "/api/v1/test-abort/<int:code>", lambda code: abort(code))
    response = sweeping.test_client().get(f"/api/v1/test-abort/{code}")
    assert response.status_code == code
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("language, heading", [("sv", "Det går inte att göra på den här sidan"),
                                               ("en", "This cannot be done on this page")])
def test_a_wrong_method_on_a_real_page_is_explained(client, language, heading):
    response = client.get("/logout", headers={"Accept-Language": language})
    assert response.status_code == 405
    assert heading in response.text and "Method Not Allowed" not in response.text


# --- a database error in a view ----------------------------------------------------------------

def _duplicate_by_flush():
    db.session.add(User(email=User_EMAIL, name="Twice"))
    db.session.flush()


def _duplicate_by_statement():
    db.session.execute(insert(User).values(email=User_EMAIL, name="Twice"))
    db.session.execute(text("SELECT 1"))  # on PostgreSQL the transaction is aborted by now


User_EMAIL = "twice@example.org"


@pytest.mark.parametrize("failing", [_duplicate_by_flush, _duplicate_by_statement],
                         ids=["orm-flush", "statement"])
def test_a_database_error_in_a_view_shows_our_500_page_with_headers(app, failing):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _add_view(app, "/test-db-error", lambda: failing())
    user = make_user(User_EMAIL, locale="en")
    db.session.commit()
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    response = client.get("/test-db-error", headers={"Accept-Language": "sv"})
    assert response.status_code == 500
    page = response.text
    assert '<html lang="en" dir="ltr">' in page  # the person's own language, read without the database
    assert "<h1>Something went wrong on our side</h1>" in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    # and the next request works as usual
    assert client.get("/", headers={"Accept-Language": "en"}).status_code == 200


@pytest.mark.postgresql_only  # SQLite has no data errors of this kind
def test_a_data_error_on_postgresql_shows_our_500_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _add_view(app, "/test-data-error", lambda: db.session.execute(text("SELECT CAST('x' AS integer)")))
    response = app.test_client().get("/test-data-error", headers={"Accept-Language": "sv"})
    assert response.status_code == 500
    assert "Något gick fel hos oss" in response.text and "Content-Security-Policy" in response.headers


# --- the database unavailable -------------------------------------------------------------------

def test_a_corrupt_sqlite_file_gives_the_503_page(tmp_path):
    broken = tmp_path / "corrupt.sqlite3"
    broken.write_bytes(b"this is not a database file" * 200)
    app = create_app({**base_config(f"sqlite:///{broken}", tmp_path), "PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    for path in ("/", "/courses"):
        response = client.get(path, headers={"Accept-Language": "sv"})
        assert response.status_code == 503, path
        assert "Tjänsten är inte tillgänglig för tillfället" in response.text
        assert response.headers["Retry-After"] and "Content-Security-Policy" in response.headers
    assert client.get("/healthz").status_code == 503


def _read_only_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite:///file:" + url.removeprefix("sqlite:///") + "?mode=ro&uri=true"
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-c%20default_transaction_read_only%3Don"


def test_healthz_says_503_read_only_when_the_database_refuses_writes(app, database_url, tmp_path):
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok"}
    read_only = create_app(base_config(_read_only_url(database_url), tmp_path))
    with read_only.app_context():
        response = read_only.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json == {"status": "error", "database": "read-only"}
        db.engine.dispose()
