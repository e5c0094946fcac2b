"""A real browser (Playwright driving Debian's chromium) against the app on a real local server.

Every page a test visits through `browse` is checked with axe-core; serious or critical
violations fail the test.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms import create_app
from lms.extensions import db
from tests.catalog.conftest import SHIPPED
from tests.conftest import base_config, need

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    need(Path(CHROMIUM).exists(), f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which our own CSP rightly forbids.
    return {**browser_context_args, "bypass_csp": True, "locale": "sv-SE"}


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()


def serve_demo(folder: Path) -> LiveServer:
    """The demo center, seeded into a fresh database in `folder`, served on 127.0.0.1."""
    from lms.core.unit_of_work import unit_of_work
    from lms.demo import seed_demo

    config = base_config(f"sqlite:///{folder / 'live.sqlite3'}", folder)
    config.update(WTF_CSRF_ENABLED=True, TESTING=False, LMS_BASE_URL="http://127.0.0.1",
                  LMS_PAGE_CACHE_SECONDS=15)  # the journeys run through the page cache, as in production
    app = create_app(config)
    with app.app_context():
        db.create_all()
        with unit_of_work():
            logins = seed_demo()
    server = LiveServer(app)
    server.logins = {role: (email, password) for role, email, password in logins}
    server.start()
    return server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The demo center, seeded, served on 127.0.0.1 for the whole browser session."""
    server = serve_demo(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    need(AXE.exists(), "browser tests need axe-core (npm install)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


class Browse:
    """A page that runs axe-core on every document it shows."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.checked: set[str] = set()

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()
        return self.page

    def submit(self, action):
        """Run `action` (a click that submits or navigates), wait for the next page, then check it."""
        with self.page.expect_navigation():
            action()
        self.check_accessibility()
        return self.page

    def check_accessibility(self):
        serious = serious_violations(self.page)
        self.checked.add(self.page.url.split("?")[0])
        assert serious == [], f"axe-core on {self.page.url}:\n" + "\n".join(serious)

    def menu_link(self, name, *, exact: bool = True):
        """A link of the main menu, shown as a person would: the menu button (on a narrow
        screen) and the link's group opened first. `name` is a string or a compiled pattern."""
        link = self.page.locator("#main-nav").get_by_role("link", name=name, exact=exact)
        if not link.is_visible():
            toggle = self.page.locator(".menu-toggle")
            if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
                toggle.click()
            text = name if isinstance(name, re.Pattern) else re.compile(rf"^\s*{re.escape(name)}\s*$")
            anchor = self.page.locator(".nav-sub a", has_text=text)  # found while hidden too
            group = self.page.locator("#main-nav li.nav-group", has=anchor).locator("xpath=./button")
            if group.count() and group.first.get_attribute("aria-expanded") != "true":
                group.first.click()
        return link

    def log_in(self, email: str, password: str):
        self.goto("/login")
        self.page.get_by_label("E-post").fill(email)
        self.page.get_by_label("Lösenord").fill(password)
        return self.submit(lambda: self.page.get_by_role("button", name="Logga in").click())


@pytest.fixture
def browse(page, live_server):
    return Browse(page, live_server.url)


@pytest.fixture
def content_copy(live_server, tmp_path):
    """The served app reads a copy of courses_content/ while the test changes it (an upload, an edit)."""
    shipped = live_server.app.config["LMS_CONTENT_DIR"]
    copy = tmp_path / "courses_content"
    shutil.copytree(SHIPPED, copy)
    live_server.app.config["LMS_CONTENT_DIR"] = str(copy)
    yield copy
    live_server.app.config["LMS_CONTENT_DIR"] = shipped
