"""Names and titles from the other script kept intact: `|bdi` everywhere a name is shown.

The sweep reads every template: a person's, organisation's, course's, cycle's, module's or thread's
name or title shown as page text (`{{ x.name }}`, `{{ x.title }}`) or put into a translated sentence
(`_("… %(name)s …", name=x.name)`) goes through `|bdi`. Attributes, `<title>`, `<option>` and
`<textarea>` take no markup, and are left as they are.
"""
from __future__ import annotations

import re
from pathlib import Path

from lms.core.display_text import isolated
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "lms" / "templates"
NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\.(?:name|title|learner_name)"
STANDALONE = re.compile(r"\{\{\s*(" + NAME + r")\s*\}\}")
KWARG = re.compile(r"\b\w+=(" + NAME + r")(?=\s*[,)])")
EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
NO_MARKUP_INSIDE = ("title", "option", "textarea", "script", "style")
MIXED = "Omar عمر Haddad"


def _shown_as_text(text: str, at: int) -> bool:
    before = text[:at]
    block = before.rfind("{% block title %}")
    if block != -1 and "{% endblock" not in before[block:]:
        return False  # the page's <title>
    if before.rfind("<") > before.rfind(">"):
        return False  # an attribute
    tags = re.findall(r"<(/?)([a-zA-Z][\w-]*)", before)
    return not (tags and not tags[-1][0] and tags[-1][1].lower() in NO_MARKUP_INSIDE)


def _names_without_isolation(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    found = []
    for match in EXPRESSION.finditer(text):
        expression = match.group(0)
        if path.suffix == ".html" and not _shown_as_text(text, match.start()):
            continue
        if "charts." in expression:
            continue  # SVG text: the chart escapes its own texts
        found += [f"{path.relative_to(TEMPLATES)}: {expression}" for _ in STANDALONE.findall(expression)]
        if "_(" in expression:
            found += [f"{path.relative_to(TEMPLATES)}: {name}" for name in KWARG.findall(expression)]
    return found


def test_every_template_isolates_the_names_it_shows():
    templates = [p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt")]
    assert len(templates) > 100
    missing = [line for path in templates for line in _names_without_isolation(path)]
    assert not missing, "show these with |bdi:\n" + "\n".join(missing)


def test_the_sweep_finds_a_name_shown_without_isolation(tmp_path):
    page = TEMPLATES / "_sweep_probe.html"
    try:
        page.write_text('<p>{{ user.name }}</p><p title="{{ user.name }}">{{ _("Hi %(n)s", n=user.name) }}</p>'
                        "<option>{{ course.title }}</option>{{ user.name|bdi }}", "utf-8")
        assert _names_without_isolation(page) == ["_sweep_probe.html: {{ user.name }}",
                                                   "_sweep_probe.html: user.name"]
    finally:
        page.unlink()


def test_in_html_a_name_is_a_bdi_and_stays_escaped():
    assert str(isolated("<b>عمر</b>", html=True)) == "<bdi>&lt;b&gt;عمر&lt;/b&gt;</bdi>"


def test_in_plain_text_only_a_name_that_needs_it_gets_the_unicode_isolates():
    assert isolated("Anna Berg", html=False) == "Anna Berg"
    assert isolated(MIXED, html=False) == "\u2068" + MIXED + "\u2069"
    assert isolated("Anna Berg", html=False, page_is_rtl=True) == "\u2068Anna Berg\u2069"


def test_a_mixed_script_name_is_isolated_in_the_menu_and_in_a_sentence(app, client):
    user = make_user(name=MIXED, locale="sv")
    db.session.commit()
    log_in(client, user.email)
    html = client.get("/").text
    assert f"Inloggad som <bdi>{MIXED}</bdi>" in html


def test_a_mixed_script_name_is_isolated_in_an_e_mail_in_either_direction(app):
    from lms.notifications.mail import render_email

    user = make_user(name=MIXED, locale="sv")
    latin = make_user(name="Anna Berg", locale="ar")
    with app.test_request_context("/"):
        subject, text, html = render_email("password_reset", "sv", user=user, link="https://x.example/r", minutes=30)
        assert f"<bdi>{MIXED}</bdi>" in html and "\u2068" + MIXED + "\u2069" in text
        subject, text, html = render_email("password_reset", "ar", user=latin, link="https://x.example/r", minutes=30)
        assert '<html lang="ar" dir="rtl">' in html and "<bdi>Anna Berg</bdi>" in html
        assert "\u2068Anna Berg\u2069" in text, "a Latin name in a right-to-left text is isolated too"
