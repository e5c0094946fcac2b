"""Error pages inside the layout, in the person's language; problem+json under /api/.

One handler answers every HTTP error (ours, routing's, the limiter's, Werkzeug's): a translated
title and explanation per status (`ERROR_PAGES`), shown by `errors/page.html` (429 has its own
template, given `retry_after`). A server error or an unavailable database may leave the request's
transaction failed, so those pages never depend on it: the session is rolled back first and the
page is drawn as for a visitor (the person's language kept), without asking the database.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, make_response, redirect, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from lms.core.unit_of_work import DomainError, rollback
from lms.auth.urls import safe_next_url
from lms.extensions import db

DATABASE_RETRY_SECONDS = 30

#: status → (title, explanation) of its page; other statuses get GENERIC_PAGE
ERROR_PAGES = {
    400: (_l("Something in the request was wrong"),
          _l("The page could not understand what was sent. Go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("Your account does not have the role this page needs. Ask the center if you think it should.")),
    404: (_l("The page was not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("This cannot be done on this page"),
          _l("The page does not take this kind of request. Go back and use the page's own buttons and links.")),
    409: (_l("It was changed at the same moment"),
          _l("Something changed while you were working, perhaps in another window. Reload the page and try again.")),
    413: (_l("What you sent is too large"),
          _l("The file or form is larger than the service takes. Send something smaller.")),
    429: (_l("Too many attempts"), _l("Wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("The error is logged. Try again in a moment; nothing you saved before is lost.")),
    503: (_l("The service is unavailable for a moment"),
          _l("Our database cannot be reached just now, perhaps because of maintenance. Try again in a minute. Nothing you saved earlier is lost; if you had just sent a form, check afterwards that it was saved.")),
}
GENERIC_PAGE = (_l("The request could not be carried out"), _l("Go back and try again."))
#: statuses with a template of their own (it extends errors/_error.html)
OWN_TEMPLATES = {429: "errors/429.html"}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DomainError, _refusal)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether a database error means the database cannot be used now (down, corrupt, refused).

    OperationalError, a plain DatabaseError (SQLite's "file is not a database"), or a lost
    connection; not the errors of one statement (IntegrityError, DataError, ProgrammingError).
    """
    if isinstance(error, OperationalError) or type(error) is DatabaseError:
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _http_error(error: HTTPException):
    if isinstance(error, InternalServerError) and database_unavailable(error.original_exception):
        return _database_unavailable(error.original_exception)  # raised outside the view function
    code = error.code or 500
    if code >= 500:
        _leave_the_failed_transaction()
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        return problem_for_http_error(error)
    return _in_locale(lambda: render_error_page(code, error)), code


def render_error_page(code: int, error: HTTPException | None = None) -> str:
    """The page of an HTTP status in the person's language (`retry_after` for the 429 page)."""
    title, text = ERROR_PAGES.get(code, GENERIC_PAGE)
    text = getattr(error, "explanation", None) or text  # a reason meant for the person (RefusedInput)
    retry_after = getattr(error, "retry_after", None) if error is not None else None
    if retry_after is None and error is not None and hasattr(error, "get_headers"):
        retry_after = dict(error.get_headers()).get("Retry-After")
    return render_template(OWN_TEMPLATES.get(code, "errors/page.html"), error=error, code=code,
                           heading=title, text=text, retry_after=retry_after)


def _refusal(refusal: DomainError):
    """A rule refused and no view caught it: its message, with its status (the work is undone).

    Under /api/ a problem; on a page sent from this site, back to that page with the message;
    otherwise the error page of the status, saying what was refused.
    """
    rollback()
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_response

        kind = "conflict" if refusal.status == 409 else "validation" if refusal.status == 422 else None
        return problem_response(kind or "conflict", str(refusal), status=refusal.status)
    back = safe_next_url(request.form.get("next") or _same_site_referrer(), "")
    if request.method == "POST" and back:
        flash(str(refusal), "error")
        return redirect(back)
    heading, _text = ERROR_PAGES.get(refusal.status, GENERIC_PAGE)
    return render_template("errors/page.html", error=None, code=refusal.status, heading=heading,
                           text=str(refusal), retry_after=None), refusal.status


def _same_site_referrer() -> str | None:
    """The path of the page that sent the form, when it is a page of this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _csrf_error(error: CSRFError):
    return render_template("errors/csrf.html", error=error), 400


def _leave_the_failed_transaction() -> None:
    """Roll the request's session back and draw the page as for a visitor, in the person's language.

    The transaction may have failed (a duplicate, a data error on PostgreSQL, a lost connection):
    after a rollback every loaded object is expired, and the layout reading `current_user` would
    ask the database again. The language is taken from what is already loaded, never queried.
    """
    locale = _locale_without_database()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection itself may be gone; the page must still show)
        current_app.logger.warning("rollback failed while showing an error page", exc_info=True)
    g._login_user = current_app.login_manager.anonymous_user()  # Flask-Login's user of this request
    g._error_page_locale = locale


def _locale_without_database() -> str | None:
    user = g.get("_login_user")  # read from the loaded state only: `is_authenticated` may query
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    locale = state.dict.get("locale") if state is not None else None
    return locale if locale in current_app.config["LMS_LOCALES"] else None


def _in_locale(render):  # type: ignore[no-untyped-def]
    """Render in the locale kept by _leave_the_failed_transaction, if any."""
    locale = g.get("_error_page_locale")
    if not locale:
        return render()
    with force_locale(locale):
        return render()


def _database_unavailable(error: BaseException):
    """The database did not answer (restarting, down, corrupt, out of connections): 503, try again soon.

    Nothing here asks the database: the session is rolled back and the page is shown as to a
    visitor who is not logged in, and the log gets one line, since the cause lies outside the
    app. The connection pool checks connections before use (pool_pre_ping), so the requests
    after the database is back succeed without restarting anything.
    """
    reason = str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"]
    current_app.logger.warning("database unavailable (%s %s): %s", request.method, request.path, reason[0])
    _leave_the_failed_transaction()
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        response = problem_for_http_error(ServiceUnavailable(retry_after=DATABASE_RETRY_SECONDS))
    else:
        response = make_response(_in_locale(lambda: render_error_page(503)), 503)
        response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
