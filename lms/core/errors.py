"""Error pages inside the layout."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {400, 403, 404, 429, 500}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        return problem_for_http_error(error)
    code = error.code or 500
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, error=error), code


def _csrf_error(error: CSRFError):
    return render_template("errors/csrf.html", error=error), 400
