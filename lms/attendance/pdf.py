"""The printable sign-in sheet (WeasyPrint): the paper fallback when phones or the network fail.

Rendered from plain values through a template, with a URL fetcher that refuses every URL but the
signatures' own `data:image/svg+xml` images (re-written from their paths, signature_svg), so
nothing outside the template can end up in the PDF. A cycle with signed attendance also has a
per-session PDF of the records with each learner's signature (`render_signed_attendance`).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import render_template

from lms.attendance.models import Attendance
from lms.attendance.signature_models import AttendanceSignature
from lms.attendance.signature_svg import data_url
from lms.auth.models import User
from lms.core.pdf_fonts import is_shipped_font, script_fonts_css
from lms.planning.models import ClassSession


class _NoFetching(Exception):
    pass


SIGNATURE_IMAGE = "data:image/svg+xml;base64,"


@lru_cache(maxsize=1)
def _fetcher():  # type: ignore[no-untyped-def]
    """WeasyPrint's fetcher, for the signatures' data: images only; every other URL is refused."""
    from weasyprint.urls import URLFetcher

    class SignaturesOnly(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if not (url.startswith(SIGNATURE_IMAGE) or _shipped_font(url)):
                raise _NoFetching(f"the sign-in sheet loads nothing from outside: {url}")
            return super().fetch(url, headers)

    return SignaturesOnly(allowed_protocols=("data", "file"), allow_redirects=False)


def _shipped_font(url: str) -> bool:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return parts.scheme == "file" and is_shipped_font(Path(unquote(parts.path)).resolve())


@lru_cache(maxsize=1)
def _fonts():  # type: ignore[no-untyped-def]
    """One font configuration per process: a new one per render is slower and grows memory."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _heading(session: ClassSession) -> dict:
    return dict(course=session.cycle.course.title, cycle=session.cycle.title,
                starts_at=session.starts_at, ends_at=session.ends_at,
                room=session.room.location if session.room else "")


def _signed(signature: AttendanceSignature | None) -> dict | None:
    if signature is None:
        return None
    return dict(image=data_url(signature.svg), at=signature.signed_at, device=signature.device,
                by=signature.captured_by.name if signature.captured_by else "")


def _write(html: str) -> bytes:
    from weasyprint import HTML

    from weasyprint import CSS

    fonts = CSS(string=script_fonts_css(), url_fetcher=_fetcher(), font_config=_fonts())
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf(stylesheets=[fonts], font_config=_fonts())


def render_sign_in_sheet(session: ClassSession, roster: list[User],
                         signatures: dict[int, AttendanceSignature] | None = None) -> bytes:
    """The sheet to sign on paper; signatures already drawn in the app are printed in their box."""
    signatures = signatures or {}
    html = render_template(
        "attendance/sign_in_sheet.html", **_heading(session),
        learners=[(u.name, u.organisation.name if u.organisation else "", _signed(signatures.get(u.id)))
                  for u in roster],
    )
    return _write(html)


def render_signed_attendance(session: ClassSession, roster: list[User], records: dict[int, Attendance],
                             signatures: dict[int, AttendanceSignature]) -> bytes:
    """One session's attendance with each learner's status, signature, when and on whose device."""
    html = render_template(
        "attendance/signed_attendance.html", **_heading(session),
        rows=[(u.name, u.organisation.name if u.organisation else "", records.get(u.id),
               _signed(signatures.get(u.id))) for u in roster],
    )
    return _write(html)
