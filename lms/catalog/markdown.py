"""Markdown to safe HTML: markdown-it-py without raw HTML, then nh3 as the last word.

Relative links and images are resolved by a callback, so that content stays portable files while
pages link to the course's own attachments and modules.
"""
from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

UrlRewriter = Callable[[str], str]

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "table", "thead", "tbody",
    "tr", "th", "td", "code", "pre", "blockquote", "em", "strong", "s", "del", "hr", "br", "span",
    "b", "i", "u", "sub", "sup",  # what question banks exported from Moodle write in their [html] texts
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "target", "rel"},
    "img": {"src", "alt", "title", "loading"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "code": {"class"},
    "span": {"class"},
    "th": {"scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def is_relative(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith(("/", "#"))


def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.use(anchors_plugin, min_level=2, max_level=4)
    return md


_MD = _parser()


def render_markdown(text: str, rewrite_url: UrlRewriter | None = None) -> str:
    """Sanitised HTML for `text`; `rewrite_url` maps relative link and image targets."""
    tokens = _MD.parse(text)
    for token in tokens:
        for child in token.children or []:
            _adjust(child, rewrite_url)
    html = _MD.renderer.render(tokens, _MD.options, {})
    return sanitise_html(html)


def _adjust(token, rewrite_url: UrlRewriter | None) -> None:  # type: ignore[no-untyped-def]
    if token.type == "link_open":
        href = token.attrGet("href") or ""
        if is_relative(href) and rewrite_url:
            token.attrSet("href", rewrite_url(href))
        elif urlsplit(href).scheme in ("http", "https"):
            token.attrSet("class", "external")
            token.attrSet("target", "_blank")
            token.attrSet("rel", "noopener noreferrer external")
    elif token.type == "image":
        src = token.attrGet("src") or ""
        if is_relative(src) and rewrite_url:
            token.attrSet("src", rewrite_url(src))
        token.attrSet("loading", "lazy")


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
