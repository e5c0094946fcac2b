"""The printable sign-in sheet (WeasyPrint): the paper fallback when phones or the network fail.

Rendered from plain values through a template, with a URL fetcher that refuses every URL, so
nothing outside the template can end up in the PDF.
"""
from __future__ import annotations

from functools import lru_cache

from flask import render_template

from lms.auth.models import User
from lms.planning.models import ClassSession


class _NoFetching(Exception):
    pass


def _refuse(url: str, *args, **kwargs):  # type: ignore[no-untyped-def]
    raise _NoFetching(f"the sign-in sheet loads nothing from outside: {url}")


@lru_cache(maxsize=1)
def _fonts():  # type: ignore[no-untyped-def]
    """One font configuration per process: a new one per render is slower and grows memory."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_sign_in_sheet(session: ClassSession, roster: list[User]) -> bytes:
    from weasyprint import HTML

    html = render_template(
        "attendance/sign_in_sheet.html",
        course=session.cycle.course.title, cycle=session.cycle.title,
        starts_at=session.starts_at, ends_at=session.ends_at,
        room=session.room.location if session.room else "",
        learners=[(u.name, u.organisation.name if u.organisation else "") for u in roster],
    )
    return HTML(string=html, url_fetcher=_refuse).write_pdf(font_config=_fonts())
