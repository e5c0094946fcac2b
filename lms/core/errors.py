"""Error pages inside the layout."""
from __future__ import annotations

from flask import Flask, current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

PAGES = {400, 403, 404, 429, 500}
DATABASE_RETRY_SECONDS = 30


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)


def _http_error(error: HTTPException):
    if isinstance(error, InternalServerError) and isinstance(error.original_exception, OperationalError):
        return _database_unavailable(error.original_exception)  # raised outside the view function
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        return problem_for_http_error(error)
    code = error.code or 500
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, error=error), code


def _csrf_error(error: CSRFError):
    return render_template("errors/csrf.html", error=error), 400


def _database_unavailable(error: OperationalError):
    """The database did not answer (restarting, down, out of connections): 503, try again soon.

    Nothing here asks the database: the page is shown as to a visitor who is not logged in (the
    layout would otherwise load the user), and the log gets one line, since the cause lies
    outside the app. The connection pool checks connections before use (pool_pre_ping), so the
    requests after the database is back succeed without restarting anything.
    """
    reason = str(getattr(error, "orig", None) or error).strip().splitlines() or ["?"]
    current_app.logger.warning("database unavailable (%s %s): %s", request.method, request.path, reason[0])
    g._login_user = current_app.login_manager.anonymous_user()  # Flask-Login's user of this request
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        response = problem_for_http_error(ServiceUnavailable(retry_after=DATABASE_RETRY_SECONDS))
    else:
        response = make_response(render_template("errors/503.html"), 503)
        response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
