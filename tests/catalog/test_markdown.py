"""Content never brings script into a page."""
from html.parser import HTMLParser

import pytest

from lms.catalog.markdown import render_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[klicka](javascript:alert(1))",
    "[klicka](JaVaScRiPt:alert(1))",
    "[klicka](&#106;avascript:alert(1))",
    "[klicka](java\tscript:alert(1))",
    "[klicka](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![bild](javascript:alert(1))",
    '<svg><script>alert(1)</script></svg>',
    '<svg onload="alert(1)"></svg>',
    "<a href='x' onclick='alert(1)'>x</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<iframe src='https://evil.example'></iframe>",
    "[x](vbscript:msgbox(1))",
]


class _Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_reaches_the_page(attack):
    html = render_markdown(f"Text före.\n\n{attack}\n\nText efter.")
    for tag, attributes in _Elements(html).elements:
        assert tag not in {"script", "svg", "iframe", "object", "embed", "style"}
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        for name in ("href", "src"):
            url = (attributes.get(name) or "").replace("\t", "").strip().lower()
            assert not url.startswith(("javascript:", "data:", "vbscript:")), (tag, attributes)
    assert "Text efter." in html


def test_raw_html_is_shown_as_text_not_elements():
    html = render_markdown('<b onclick="x()">fet</b>')
    assert "<b" not in html and "&lt;b onclick" in html


def test_headings_tables_code_and_links_render():
    html = render_markdown(
        "## Årsmötet\n\n| Punkt | Vem |\n|---|---|\n| Val | Valberedningen |\n\n`kod`\n\n"
        "[IMY](https://www.imy.se) [mall](mall.txt) ![Dagordning](dagordning.svg)",
        rewrite_url=lambda target: f"/courses/x/files/{target}",
    )
    assert '<h2 id="årsmötet">Årsmötet</h2>' in html
    assert "<table>" in html and "<td>Valberedningen</td>" in html
    assert "<code>kod</code>" in html
    assert ('<a href="https://www.imy.se" class="external" target="_blank" '
            'rel="noopener noreferrer external">IMY</a>') in html
    assert '<a href="/courses/x/files/mall.txt">mall</a>' in html
    assert '<img src="/courses/x/files/dagordning.svg" alt="Dagordning" loading="lazy">' in html


def test_html_from_a_moodle_question_bank_keeps_its_emphasis_and_loses_its_handlers():
    from lms.catalog.markdown import sanitise_html

    html = sanitise_html('<b>Viktigt</b>: H<sub>2</sub>O, m<sup>2</sup>, <i onclick="x()">kursiv</i>, '
                         '<u style="color:red">under</u>')
    elements = _Elements(html).elements
    assert [tag for tag, _ in elements] == ["b", "sub", "sup", "i", "u"]
    assert all(attributes == {} for _, attributes in elements)
