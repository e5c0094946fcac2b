"""Micro-caching of the pages people request again and again (docs/PERFORMANCE.md).

A cached page is kept for `LMS_PAGE_CACHE_SECONDS` (0 turns caching off) in the memory of one
process. What keeps it correct:

- A public page is cached only for anonymous visitors, per address and language; a personal page
  only per log-in session (the log-in is checked against the database before the cache is read),
  so nobody is ever served a page rendered for someone else.
- A person's own change shows at once: any POST in their browser session starts a new page
  version for that session. Changes made by others show within the lifetime of an entry.
- The form token in a cached page is replaced by the current visitor's own token when it is
  served; a page with a pending flash message is neither cached nor served from the cache.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import Any, Callable

from flask import Flask, Response, current_app, request, session
from flask_wtf.csrf import generate_csrf

#: stands for the visitor's form token in a stored page
TOKEN_MARK = "\x00csrf-token\x00"
PAGE_VERSION = "_page_version"
MAX_ENTRIES = 2000


class PageCache:
    """A bounded, thread-safe store of page bodies (or other values worth keeping a little while)
    with an expiry time; the least recently used go first."""

    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic):
        self._entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._clock = clock

    def get(self, key: tuple) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, body = entry
            if expires <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: tuple, body: Any, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + seconds, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def init_page_cache(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache()
    app.after_request(_new_version_after_a_change)


def _new_version_after_a_change(response: Response) -> Response:
    changing = request.method not in ("GET", "HEAD", "OPTIONS")
    if changing and "_user_id" in session and current_app.config["LMS_PAGE_CACHE_SECONDS"]:
        session[PAGE_VERSION] = secrets.token_hex(4)
    return response


def cached_page(*, personal: bool) -> Callable:
    """Serve the view's HTML from the page cache when it may be (see the module docstring).

    Put it above `login_required`: a hit checks the log-in session itself, with one small query.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            key = _key(personal)
            if key is None:
                return view(*args, **kwargs)
            cache: PageCache = current_app.extensions["page_cache"]
            body = cache.get(key)
            if body is not None:
                return Response(body.replace(TOKEN_MARK, generate_csrf()), mimetype="text/html")
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and response.mimetype == "text/html" and not session.get("_flashes"):
                stored = response.get_data(as_text=True).replace(generate_csrf(), TOKEN_MARK)
                cache.put(key, stored, current_app.config["LMS_PAGE_CACHE_SECONDS"])
            return response

        return wrapped

    return decorate


def _key(personal: bool) -> tuple | None:
    """What the page depends on, or None when it must be rendered afresh.

    The language is not worked out here: what it is chosen from (the person's setting, the
    browser session's choice, the browser's languages) is part of the key.
    """
    if not current_app.config["LMS_PAGE_CACHE_SECONDS"] or session.get("_flashes"):
        return None
    token = session.get("_user_id")
    languages = (session.get("locale"), request.headers.get("Accept-Language"))
    if not personal:
        return None if token else (request.full_path, *languages, "anonymous")
    if not token:
        return None
    from lms.auth.service import live_session_owner

    owner = live_session_owner(token)
    if owner is None:
        return None
    user_id, locale = owner
    return (request.full_path, *languages, locale, "person", user_id, token, session.get(PAGE_VERSION))
