"""PDF rendering from plain values through a design folder in certificates/.

Nothing outside the design's own folder and the shipped fonts (`lms/static/fonts/`) is fetched:
no other file, no network. One FontConfiguration serves the whole process (a new one per render
grows memory).

Every design writes Arabic script, shaped and joined, with the shipped Noto Naskh Arabic (SIL Open
Font License 1.1): `script_fonts_css` (lms/core/pdf_fonts.py) declares it for every render, covering the Arabic blocks only
(`unicode-range`). A design names it after its own families ("Source Sans 3", …, "Noto Naskh
Arabic"); in a design that does not, Arabic letters fall back to it, since it is the one face of
the render that has them, also on a machine without any Arabic system font. (It is not declared
under the design's own family names: WeasyPrint would then merge two fonts of one name and weight
into one embedded font, with wrong glyphs.)
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import segno
import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from lms.core.pdf_fonts import is_shipped_font, script_fonts_css

_FONT_CONFIGURATION = None
_LOCK = threading.Lock()

class DesignError(RuntimeError):
    """A certificate design is missing or broken."""




@dataclass(frozen=True)
class Design:
    name: str
    folder: Path
    version: int

    @classmethod
    def load(cls, root: Path, name: str) -> Design:
        folder = (root / name).resolve()
        if root.resolve() not in folder.parents or not (folder / "template.html").is_file():
            raise DesignError(f"no certificate design called {name!r} in {root}")
        meta = yaml.safe_load((folder / "design.yaml").read_text("utf-8")) or {}
        return cls(name=name, folder=folder, version=int(meta.get("version", 1)))


def font_configuration():  # type: ignore[no-untyped-def]
    global _FONT_CONFIGURATION
    with _LOCK:
        if _FONT_CONFIGURATION is None:
            from weasyprint.text.fonts import FontConfiguration

            _FONT_CONFIGURATION = FontConfiguration()
        return _FONT_CONFIGURATION


def design_url_fetcher(folder: Path):  # type: ignore[no-untyped-def]
    """A fetcher that serves files of `folder` (and the shipped fonts) and stops the render on anything else."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    root = folder.resolve()

    class DesignFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise BlockedResource(f"certificate designs may not fetch {parts.scheme} URLs: {url}")
            path = Path(unquote(parts.path)).resolve()
            if root not in path.parents and not is_shipped_font(path):
                raise BlockedResource(f"outside the design folder: {url}")
            return super().fetch(url, headers)

    class BlockedResource(FatalURLFetchingError):
        """The design asked for something outside its own folder."""

    return DesignFetcher(allowed_protocols={"file"})


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for the verification URL (generated here, so safe to embed)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=0, dark="#1d2430", omitsize=True)
    # segno wrote the SVG; the URL is encoded as QR modules, never as markup
    return Markup(svg)  # nosec B704


def render_html(design: Design, values: Mapping[str, Any]) -> str:
    environment = Environment(loader=FileSystemLoader(design.folder), autoescape=select_autoescape(["html"]))
    return environment.get_template("template.html").render(**values)


def render_pdf(design: Design, values: Mapping[str, Any]) -> bytes:
    """A PDF/A-3a (tagged) certificate from plain values: `c` (the snapshot), `t` (texts), `code`, `verify_url`."""
    return write_pdf(design, render_html(design, {**values, "qr_svg": qr_svg(values["verify_url"])}))


def write_pdf(design: Design, html: str) -> bytes:
    """A PDF/A-3a of the design's rendered `html`, with the shipped script fonts."""
    from weasyprint import CSS, HTML

    fetcher = design_url_fetcher(design.folder)
    document = HTML(string=html, base_url=design.folder.as_uri() + "/", url_fetcher=fetcher)
    fonts = CSS(string=script_fonts_css(), url_fetcher=fetcher, font_config=font_configuration())
    return document.write_pdf(stylesheets=[fonts], font_config=font_configuration(), pdf_variant="pdf/a-3a")
