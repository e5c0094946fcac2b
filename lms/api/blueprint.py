"""The `api` blueprint under /api/v1: token check first, no cookies, per-token rate limit."""
from __future__ import annotations

from flask import Blueprint, Response, request

from lms.api.auth import authenticate_request, rate_limit, rate_limit_key
from lms.core.input import raise_refused_api_input
from lms.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie is accepted here, so there is no cross-site request to forge
limiter.limit(rate_limit, key_func=rate_limit_key)(bp)

#: pages for people reading about the API: they read no token and grant nothing
DOCUMENT_ENDPOINTS = {"api.openapi", "api.docs"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint not in DOCUMENT_ENDPOINTS:
        authenticate_request()
    raise_refused_api_input()  # NUL, control characters, deep JSON: lms/core/input.py


@bp.after_request
def _not_cached(response: Response) -> Response:
    if request.headers.get("Authorization"):
        response.headers["Cache-Control"] = "no-store"
    return response
