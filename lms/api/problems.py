"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error under /api/ is answered this way: the API's own (`ApiProblem`, raised in views and in
the token check) and HTTP errors from routing or the rate limiter (404, 405, 429, 500), which
lms/core/errors.py hands to `problem_for_http_error`. `type` is a link to the problem's
description in the API docs; `title` is the same for every problem of a type; `detail` says what
happened this time, in the token owner's language.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, current_app, json, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"

#: type slug → (status, title): the problems the API documents (docs/api.md, /api/v1/docs)
PROBLEM_TYPES: dict[str, tuple[int, Any]] = {
    "bad-request": (400, _l("The request could not be read")),
    "unauthorized": (401, _l("A valid access token is needed")),
    "insufficient-scope": (403, _l("The token's scopes do not allow this")),
    "forbidden": (403, _l("You may not do this")),
    "not-found": (404, _l("Not found")),
    "method-not-allowed": (405, _l("Method not allowed")),
    "already-enrolled": (409, _l("Already signed up for this cycle")),
    "cycle-full": (409, _l("The cycle is full")),
    "conflict": (409, _l("The request conflicts with the current state")),
    "validation": (422, _l("The request has invalid values")),
    "rate-limited": (429, _l("Too many requests")),
    "server-error": (500, _l("Something went wrong on our side")),
}
_TYPE_FOR_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
                    405: "method-not-allowed", 409: "conflict", 422: "validation",
                    429: "rate-limited", 500: "server-error"}


class ApiProblem(HTTPException):
    """A problem to answer with; raise it anywhere in the API."""

    def __init__(self, kind: str, detail: Any = None, *, errors: dict | None = None,
                 headers: dict[str, str] | None = None):
        status, _title = PROBLEM_TYPES[kind]
        self.code = status
        super().__init__(description=str(detail) if detail is not None else None)
        self.kind, self.errors, self.extra_headers = kind, errors, headers or {}


def problem_type_url(kind: str) -> str:
    """The problem's description in the API docs, on LMS_BASE_URL (never on the request's Host header)."""
    return current_app.config["LMS_BASE_URL"].rstrip("/") + url_for("api.docs", _anchor=f"problem-{kind}")


def problem_response(kind: str, detail: str | None = None, *, status: int | None = None,
                     errors: dict | None = None, headers: dict[str, str] | None = None) -> Response:
    default_status, title = PROBLEM_TYPES[kind]
    body: dict[str, Any] = {
        "type": problem_type_url(kind), "title": str(title), "status": status or default_status,
        "detail": detail or str(title), "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=body["status"], mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def problem_for_http_error(error: HTTPException) -> Response:
    """The problem answer for any HTTP error raised under /api/ (ours, routing's, the limiter's)."""
    if isinstance(error, ApiProblem):
        return problem_response(error.kind, error.description, errors=error.errors,
                                headers=error.extra_headers)
    code = error.code or 500
    kind = _TYPE_FOR_STATUS.get(code)
    headers = {name: value for name, value in error.get_headers() if name in ("Allow", "Retry-After")}
    if kind is None:  # a status without a type of ours: a plain problem (RFC 9457 "about:blank")
        return _plain_problem(code, headers)
    detail = str(PROBLEM_TYPES[kind][1])
    if code == 429:
        detail = str(_l("Too many requests for this token or address: at most %(limit)s.",
                        limit=error.description))
    return problem_response(kind, detail, status=code, headers=headers)


def _plain_problem(code: int, headers: dict[str, str]) -> Response:
    phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    body = {"type": "about:blank", "title": phrase, "status": code, "instance": request.path}
    response = Response(json.dumps(body), status=code, mimetype=PROBLEM_JSON)
    response.headers.update(headers)
    return response
