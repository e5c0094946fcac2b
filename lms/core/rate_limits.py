"""The answer to a refused request (429): the real wait in words, and the form as it was typed.

Every limit of the app goes through Flask-Limiter (`lms.extensions.limiter`). When one is
reached, the person is told how long to wait, in their language ("Försök igen om 41 minuter"),
and a form page registered with `keeps_form` is shown again with what they typed (password
fields are never filled in again), instead of a bare error page. See docs/security.md.

When the limits' shared store (Redis) cannot be reached, every process goes on counting in its own
memory (`RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`) and the log says so ("Rate limit storage
unreachable - falling back to in-memory storage"); it checks the store again after 1, 2, 4… 32
seconds and logs "Rate limit storage recovered" when it is back. No request fails meanwhile.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import timedelta
from typing import Callable

from flask import Flask, flash, make_response, render_template, request
from flask.logging import default_handler
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from lms.extensions import limiter

_FORM_PAGES: dict[str, Callable[[str], str]] = {}


def init_rate_limit_answers(app: Flask) -> None:
    """Answer every breached limit with `rate_limited` (more specific than the generic HTTP handler)."""
    app.register_error_handler(RateLimitExceeded, rate_limited)
    _log_storage_changes()


def _log_storage_changes() -> None:
    """Flask-Limiter's word that its store is gone (a warning) or back (info) reaches the app's log;
    its other info lines (every limit reached) do not."""
    logger = logging.getLogger("flask-limiter")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    if _storage_news not in logger.filters:
        logger.addFilter(_storage_news)
    if default_handler not in logger.handlers:
        logger.addHandler(default_handler)


def _storage_news(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or "storage" in record.getMessage()


def keeps_form(endpoint: str) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Register how `endpoint` shows its form again (given the wait in words) when a limit is reached."""
    def register(render: Callable[[str], str]) -> Callable[[str], str]:
        _FORM_PAGES[endpoint] = render
        return render
    return register


def retry_after_seconds() -> int:
    """Seconds until every limit this request reached lets a request through again (at least 1)."""
    breached = [limit for limit in limiter.current_limits if limit.breached]
    if not breached:
        return 60
    return max(1, math.ceil(max(limit.reset_at for limit in breached) - time.time()))


def wait_in_words(seconds: int) -> str:
    """"om 41 minuter" / "in 41 minutes", in the person's language."""
    return format_timedelta(timedelta(seconds=seconds), add_direction=True)


def rate_limited(error: RateLimitExceeded):
    """429: the form again with the person's input where there is one, else the error page."""
    if request.path.startswith("/api/"):
        from lms.api.problems import problem_for_http_error

        return problem_for_http_error(error)
    seconds = retry_after_seconds()
    wait = wait_in_words(seconds)
    render = _FORM_PAGES.get(request.endpoint or "") if request.method == "POST" else None
    if render is not None:
        flash(_("Too many attempts. Try again %(wait)s.", wait=wait), "error")
        response = make_response(render(wait), 429)
    else:
        response = make_response(render_template("errors/429.html", error=error, wait=wait), 429)
    response.headers["Retry-After"] = str(seconds)
    return response
