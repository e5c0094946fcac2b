"""The roll call without the network, in real chromium with the network switched off in the
browser context: marks kept on the device, sent once when the connection returns, a sync cut off
halfway and replayed, a learner's check-in against a trainer's mark, and log-out clearing it all.

Each test has its own small center (a trainer, ten learners, a session that began ten minutes
ago) on its own server, with the strict CSP enforced (no bypass), since the worker and scripts
must work under it.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lms import create_app
from lms.attendance import service
from lms.attendance.marks import AttendanceMark
from lms.attendance.models import Attendance, AttendanceMethod
from lms.audit.models import AuditEvent
from lms.core.unit_of_work import unit_of_work
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.models import ClassSession
from lms.planning.service import local_zone
from tests.conftest import base_config
from tests.e2e.conftest import LiveServer
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_user

TRAINER = "tove.offline@example.org"
KEPT_TIMEOUT = 20000


class Center:
    def __init__(self, server, session_id, learner_ids):
        self.server, self.session_id, self.learner_ids = server, session_id, learner_ids

    @property
    def url(self):
        return self.server.url

    def count(self, model, *where):
        with self.server.app.app_context():
            found = db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
            db.session.remove()
            return found

    def records(self):
        with self.server.app.app_context():
            found = {r.user_id: (r.status.value, r.method.value) for r in db.session.execute(
                select(Attendance).where(Attendance.session_id == self.session_id)).scalars()}
            db.session.remove()
            return found


@pytest.fixture
def center(tmp_path):
    config = base_config(f"sqlite:///{tmp_path / 'offline.sqlite3'}", tmp_path)
    config.update(WTF_CSRF_ENABLED=True, TESTING=False, LMS_BASE_URL="http://127.0.0.1")
    app = create_app(config)
    with app.app_context():
        db.create_all()
        with unit_of_work():
            now = datetime.now(timezone.utc)
            start = (now - timedelta(minutes=10)).astimezone(local_zone())
            if start.date() != now.astimezone(local_zone()).date():
                start = now.astimezone(local_zone())
            trainer = make_user(TRAINER, name="Tove Utbildare", roles=["trainer"])
            cycle = make_cycle(first_date=start.date(), weekdays=(start.weekday(),), sessions=2, capacity=20,
                               start=time(start.hour, start.minute), trainers=[trainer], now=now - timedelta(days=10))
            learners = [make_user(f"deltagare{i:02d}@example.org", name=f"Deltagare {i:02d}") for i in range(10)]
            for learner in learners:
                enrol(learner.id, cycle, now=now - timedelta(days=9), check_window=False, decided=True)
            session_id, learner_ids = cycle.sessions[0].id, [u.id for u in learners]
        db.session.remove()
    seen = []
    wsgi = app.wsgi_app

    def logged(environ, start_response):  # what reached the server, to tell a kept page from a fresh one
        seen.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return wsgi(environ, start_response)
    app.wsgi_app = logged
    server = LiveServer(app)
    server.start()
    center = Center(server, session_id, learner_ids)
    center.seen = seen
    yield center
    server.stop()


@pytest.fixture
def phone(browser, center):
    """A trainer's phone: the CSP enforced, service workers allowed, logged in."""
    context = browser.new_context(locale="sv-SE", service_workers="allow", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(center.url + "/login")
    page.get_by_label("E-post").fill(TRAINER)
    page.get_by_label("Lösenord").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    yield page
    context.close()


def open_roll_call(page, center):
    page.goto(f"{center.url}/attendance/sessions/{center.session_id}")
    wait_for(page, "document.documentElement.dataset.offlineKept !== undefined")


def wait_for(page, expression, timeout=KEPT_TIMEOUT):
    """Poll `expression` in the page (wait_for_function evaluates strings, which our CSP forbids)."""
    for _ in range(timeout // 100):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def go_offline(page, offline=True):
    """No network for the page and its service worker alike."""
    page.context.set_offline(offline)


def row(page, learner_id):
    return page.locator(f"#learner-{learner_id}")


def waiting(page):
    return page.locator("[data-offline] .offline-bar__count").inner_text()


def wait_until_sent(page):
    wait_for(page, "document.querySelector('[data-offline]').dataset.waiting === '0'")


def mark_everyone(page, center, label="närvarande"):
    for learner_id in center.learner_ids:
        row(page, learner_id).get_by_role("radio", name=label).check()
    wait_for(page, "document.querySelector('[data-offline]').dataset.waiting === '%d'" % len(center.learner_ids))


def test_ten_marks_made_offline_survive_a_reload_and_land_exactly_once(phone, center):
    page = phone
    open_roll_call(page, center)
    go_offline(page)
    mark_everyone(page, center)
    bar = page.locator("[data-offline]")
    assert "Du är offline" in bar.inner_text() and waiting(page) == "10"
    assert "Sparad på enheten" in row(page, center.learner_ids[0]).get_by_role("status").inner_text()
    assert center.count(Attendance) == 0

    center.seen.clear()
    page.reload()  # offline: the roll call comes from the device, with the marks still waiting
    assert "Upprop" in page.get_by_role("heading", level=1).inner_text()
    wait_for(page, "document.querySelector('[data-offline]').dataset.waiting === '10'")
    for learner in center.learner_ids:  # shown on their rows once the device's queue is read
        expect(row(page, learner).get_by_role("radio", name="närvarande")).to_be_checked()
    assert center.count(Attendance) == 0 and center.seen == []  # nothing reached the server

    go_offline(page, False)
    wait_until_sent(page)
    assert "Sparat: närvarande" in row(page, center.learner_ids[-1]).get_by_role("status").inner_text()
    assert center.count(Attendance) == 10 and center.count(AttendanceMark) == 10
    assert center.count(AuditEvent, AuditEvent.action == "attendance.recorded") == 10
    assert set(center.records().values()) == {("present", "roll_call")}

    page.reload()  # the next page load sends nothing again
    page.wait_for_timeout(500)
    assert center.count(Attendance) == 10 and center.count(AttendanceMark) == 10
    assert center.count(AuditEvent, AuditEvent.action == "attendance.recorded") == 10


def test_the_session_list_opens_offline(phone, center):
    page = phone
    open_roll_call(page, center)
    page.goto(center.url + "/attendance/")
    wait_for(page, "document.documentElement.dataset.offlineKept !== undefined")
    go_offline(page)
    center.seen.clear()
    page.reload()
    assert page.get_by_role("heading", level=1).inner_text() == "Närvaro"
    assert "Du är offline" in page.locator("[data-offline]").inner_text()
    with page.expect_navigation():
        page.get_by_role("region", name="I dag").get_by_role("link", name="Upprop", exact=False).first.click()
    assert "Upprop" in page.get_by_role("heading", level=1).inner_text()
    page.goto(center.url + "/my/sessions")  # the trainer's own list of sessions, from the device too
    assert page.get_by_role("heading", level=1).inner_text() == "Mina pass"
    assert center.seen == []


def test_a_sync_cut_off_halfway_and_replayed_lands_each_mark_once(phone, center):
    page = phone
    open_roll_call(page, center)
    go_offline(page)
    mark_everyone(page, center, "frånvarande")
    cut = {"done": False}

    def halfway(route):
        if cut["done"]:
            return route.continue_()
        cut["done"] = True
        sent = json.loads(route.request.post_data)
        route.fetch(post_data=json.dumps({"marks": sent["marks"][:5]}))  # the server gets half of it
        route.abort("connectionreset")  # and the answer never comes back
    page.route(f"**/attendance/sessions/{center.session_id}/sync", halfway)
    go_offline(page, False)
    deadline = 50
    while center.count(Attendance) < 5 and deadline:
        page.wait_for_timeout(200)
        deadline -= 1
    assert cut["done"] and center.count(Attendance) == 5
    assert waiting(page) == "10"  # nothing was confirmed, so everything is still queued
    page.reload()  # the next page load sends the queue again
    wait_until_sent(page)
    assert center.count(Attendance) == 10 and center.count(AttendanceMark) == 10
    assert center.count(AuditEvent, AuditEvent.action == "attendance.recorded") == 10
    assert set(center.records().values()) == {("absent", "roll_call")}


def test_a_learner_checking_in_meanwhile_loses_to_the_trainers_mark(phone, center):
    page = phone
    open_roll_call(page, center)
    learner_id = center.learner_ids[3]
    go_offline(page)
    row(page, learner_id).get_by_role("radio", name="frånvarande").check()
    with center.server.app.app_context():  # the learner checks in while the trainer's phone is offline
        with unit_of_work():
            session = db.session.get(ClassSession, center.session_id)
            service.check_in(session, learner_id, method=AttendanceMethod.QR, actor_id=learner_id,
                             now=datetime.now(timezone.utc), settings=service.CheckinSettings())
        db.session.remove()
    assert center.records()[learner_id] == ("late", "qr")  # ten minutes after the start
    go_offline(page, False)
    wait_until_sent(page)
    assert center.records()[learner_id] == ("absent", "roll_call")  # the trainer's mark beats the check-in

    with center.server.app.app_context():  # and a check-in after it leaves it as it is
        with unit_of_work():
            session = db.session.get(ClassSession, center.session_id)
            again = service.check_in(session, learner_id, method=AttendanceMethod.CODE, actor_id=learner_id,
                                     now=datetime.now(timezone.utc), settings=service.CheckinSettings())
            assert again.overruled
        db.session.remove()
    assert center.records()[learner_id] == ("absent", "roll_call")
    page.reload()
    changes = page.get_by_role("table", name="Varje ändring av närvaron vid passet").inner_text()
    assert "sen → frånvarande" in changes  # the trainer's mark replaced the check-in
    assert "Incheckad som ”sen”; utbildarens markering ”frånvarande” står kvar" in changes
    assert row(page, learner_id).get_by_role("radio", name="frånvarande").is_checked()


@pytest.mark.parametrize("cleared_by", ["the Clear-Site-Data header alone", "app.js and the header"])
def test_logging_out_leaves_nothing_on_the_device(phone, center, cleared_by):
    page = phone
    open_roll_call(page, center)
    go_offline(page)
    row(page, center.learner_ids[0]).get_by_role("radio", name="sen").check()
    go_offline(page, False)
    wait_until_sent(page)
    go_offline(page)
    row(page, center.learner_ids[1]).get_by_role("radio", name="sen").check()  # still waiting
    assert page.evaluate("async () => (await caches.keys()).length") > 0
    go_offline(page, False)
    page.route("**/attendance/sessions/*/sync", lambda route: route.abort())  # keep the mark queued
    assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == ["lms-offline"]
    if cleared_by.endswith("alone"):  # the page's own clearing skipped: the server's answer must do it
        page.evaluate("document.querySelector('form[data-logout]').dataset.cleared = 'true'")
    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()
    assert "Du är utloggad" in page.get_by_role("main").inner_text()
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == []
    assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
