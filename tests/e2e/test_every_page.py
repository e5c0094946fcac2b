"""Every page each demo role (and a visitor) can reach, at a phone's, a tablet's, a laptop's and a
wide screen's width: nothing overflows sideways, every table scrolls in a labelled container, the
HTML is valid (the Nu Html Checker, once over all pages) and axe-core finds nothing serious.

The same crawl runs again in Arabic, right to left (at a phone's and a laptop's width): each role
switches with the language button, and its pages go through the same checks, in the same Nu Html
Checker call.

One browser, one served demo (its own, so that the other journeys' changes do not matter) and one
crawl: from `/`, following same-origin links, at most PER_ROUTE addresses per route and MAX_PAGES
per role, skipping downloads. The crawl's findings are kept and asserted by the tests below.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.conftest import need
from tests.e2e.conftest import serve_demo, serious_violations

ROLES = ("visitor", "learner", "trainer", "coordinator", "organisation_contact", "admin")
WIDTHS = (390, 768, 1280, 1920)
#: the languages of the crawl: (language, browser locale, widths); Arabic reads right to left
LANGUAGES = (("sv", "sv-SE", WIDTHS), ("ar", "ar", (390, 1280)))
PER_ROUTE = 1
MAX_PAGES = 50
#: routes whose pages differ more: e.g. only some modules have tables
MORE = {"catalog.module": 4, "planning.cycle": 2, "enrolment.cycle": 2}
VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
#: routes that answer with a file, or act, rather than show a page
NOT_PAGES = re.compile(r"csv|xlsx|pdf|ics|json|svg|png|qr|feed|download|export|openapi|healthz|static|logout"
                       r"|sign_in_sheet|calendar|unsubscribe")

MEASURE = """(width) => {
  const over = [];
  if (document.scrollingElement.scrollWidth > width) {
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && box.width > 0 && !el.closest('.table-scroll')) {
        const parent = el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1;
        if (!parent || el.children.length === 0) over.push(el.tagName.toLowerCase() +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
      }
      if (over.length > 3) break;
    }
  }
  return [document.scrollingElement.scrollWidth, over];
}"""
TABLES = """() => Array.from(document.querySelectorAll('table')).filter((table) => {
  const box = table.parentElement.closest('.table-scroll');
  return !(box && box.getAttribute('role') === 'region' && box.getAttribute('aria-label')
           && box.getAttribute('tabindex') === '0');
}).map((table) => (table.querySelector('caption') || table).textContent.trim().slice(0, 40))"""


@dataclass
class Sweep:
    pages: dict[str, list[str]] = field(default_factory=dict)  # role (+ " ar") -> paths visited
    languages: dict[str, str] = field(default_factory=dict)  # saved page -> its <html lang dir>
    titles: dict[str, str] = field(default_factory=dict)  # "role path" -> the page's <title>
    overflows: list[str] = field(default_factory=list)
    bare_tables: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    html_errors: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # saved page -> "role path"
    axed: set[str] = field(default_factory=set)
    seconds: float = 0.0
    seconds_per_language: dict[str, float] = field(default_factory=dict)


def _route(app, path: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("127.0.0.1").match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return None if NOT_PAGES.search(endpoint) else endpoint


def _crawl(page, server, role: str, folder: Path, sweep: Sweep, widths=WIDTHS) -> None:
    per_route: Counter = Counter()
    queue, seen, visited = deque(["/"]), {"/"}, []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        endpoint = _route(server.app, path)
        if endpoint is None or per_route[endpoint] >= MORE.get(endpoint, PER_ROUTE):
            continue
        response = page.goto(server.url + path)
        if (response is None or response.status != 200
                or not response.headers.get("content-type", "").startswith("text/html")):
            continue
        if urlsplit(page.url).path != urlsplit(path).path:  # a redirect: visited as its target
            continue
        per_route[endpoint] += 1
        visited.append(path)
        name = f"{role.replace(' ', '-')}-{len(visited):03d}.html"
        (folder / name).write_text(response.text(), encoding="utf-8")
        sweep.languages[name] = page.evaluate("() => document.documentElement.lang + ' ' + document.dir")
        sweep.files[name] = f"{role} {path}"
        sweep.titles[f"{role} {path}"] = page.title()
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            scroll_width, culprits = page.evaluate(MEASURE, width)
            if scroll_width > width:
                sweep.overflows.append(f"{role} {path} at {width}px: {scroll_width}px wide ({', '.join(culprits)})")
        sweep.bare_tables += [f"{role} {path}: {caption!r}" for caption in page.evaluate(TABLES)]
        axe_key = f"{endpoint} {role.partition(' ')[2] or 'sv'}"
        if axe_key not in sweep.axed:  # axe once per route and language: its pages are alike
            sweep.axed.add(axe_key)
            sweep.accessibility += [f"{role} {path}: {v}" for v in serious_violations(page)]
        for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)"):
            url = urldefrag(href).url
            link = url[len(server.url):]
            if url.startswith(server.url + "/") and link not in seen:
                seen.add(link)
                queue.append(link)
    sweep.pages[role] = visited


def _validate(folder: Path, files: dict[str, str]) -> list[str]:
    """The Nu Html Checker over every saved page at once: its errors, by role and address."""
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always", "--also-check-svg", str(folder)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    errors = []
    for message in json.loads(result.stderr or '{"messages": []}')["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            source = Path(urlsplit(message.get("url", "")).path)
            where = files.get(source.name, "?")
            errors.append(f"{where} line {message.get('lastLine')}: {message['message']}"
                          f" — {message.get('extract', '').strip()[:80]!r}")
    return errors


@pytest.fixture(scope="module")
def sweep(browser, tmp_path_factory):
    need(VNU.exists(), "the page sweep needs the Nu Html Checker (npm install: vnu-jar)")
    need(shutil.which("java") is not None, "the page sweep needs Java (apt-get install default-jre-headless)")
    started = time.monotonic()
    server = serve_demo(tmp_path_factory.mktemp("sweep-demo"))
    folder = tmp_path_factory.mktemp("sweep-pages")
    found = Sweep()
    try:
        for language, locale, widths in LANGUAGES:
            started_language = time.monotonic()
            for role in ROLES:
                context = browser.new_context(locale=locale, bypass_csp=True)  # bypass: axe is injected
                page = context.new_page()
                if role != "visitor":
                    _log_in(page, server, *server.logins[role])
                page.goto(server.url + "/")
                if page.evaluate("() => document.documentElement.lang") != language:
                    with page.expect_navigation():  # the switch, as a person would: kept on the account
                        page.locator(f"button[name=locale][value={language}]").click()
                _crawl(page, server, role if language == "sv" else f"{role} {language}", folder, found, widths)
                context.close()
            found.seconds_per_language[language] = time.monotonic() - started_language
        found.html_errors = _validate(folder, found.files)
    finally:
        server.stop()
    found.seconds = time.monotonic() - started
    total = sum(len(paths) for paths in found.pages.values())
    print(f"\npages in {folder}\npage sweep: {total} pages in {found.seconds:.0f} s ("
          + ", ".join(f"{language} {seconds:.0f} s" for language, seconds in found.seconds_per_language.items())
          + "): " + ", ".join(f"{role} {len(paths)}" for role, paths in found.pages.items()))
    return found


def _log_in(page, server, email: str, password: str) -> None:
    """By the fields' names, so that it works in every language."""
    page.goto(server.url + "/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_the_sweep_reaches_every_roles_pages(sweep):
    for role in ROLES:
        assert len(sweep.pages[role]) >= (5 if role == "visitor" else 10), (role, sweep.pages[role])
    assert "/my/certificates" in sweep.pages["learner"]
    assert any(re.fullmatch(r"/planning/cycles/\d+", path) for path in sweep.pages["coordinator"])
    assert any("/modules/" in path for path in sweep.pages["learner"])
    assert sweep.seconds < 1200, f"the sweep took {sweep.seconds:.0f} s"  # both languages: 868 s on a busy 2-core machine


def test_the_sweep_reaches_every_roles_pages_in_arabic_right_to_left(sweep):
    for role in ROLES:
        arabic = sweep.pages[f"{role} ar"]
        assert len(arabic) >= (5 if role == "visitor" else 10), (role, arabic)
    assert "/my/certificates" in sweep.pages["learner ar"]
    for name, where in sweep.files.items():
        expected = "ar rtl" if where.split(" ")[1:2] == ["ar"] else "sv ltr"
        assert sweep.languages[name] == expected, (where, sweep.languages[name])


def test_every_page_has_a_plain_title(sweep):
    """The tab's title is words: no markup pulled into it (seen: a whole section in "My schedule")."""
    marked_up = {where: title for where, title in sweep.titles.items() if "<" in title or len(title) > 120}
    assert marked_up == {}


def test_no_page_overflows_sideways(sweep):
    assert sweep.overflows == [], "pages wider than the screen:\n" + "\n".join(sweep.overflows)


def test_every_table_scrolls_in_a_labelled_focusable_region(sweep):
    assert sweep.bare_tables == [], "tables outside a .table-scroll region:\n" + "\n".join(sweep.bare_tables)


def test_every_page_is_valid_html(sweep):
    assert sweep.html_errors == [], "Nu Html Checker errors:\n" + "\n".join(sweep.html_errors)


def test_no_page_has_serious_accessibility_violations(sweep):
    assert sweep.accessibility == [], "axe-core:\n" + "\n".join(sweep.accessibility)
