"""In Arabic, right to left, on a phone (390 px): a learner signs up, enrols, reads a module, takes a quiz,
checks in and downloads the certificate, whose text holds her name in Arabic script.

The pages are found by their addresses and fields by their names (not by their words), so that the
test holds both before and after the Arabic catalogue: what it asserts is the direction, the mirrored
layout, the isolation of names and the PDF. What is not the learner's own doing (the contact's
approval, the trainer's code, the other session's roll call) is done on the server.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from lms.extensions import db
from tests.conftest import need
from tests.e2e.conftest import Browse

NAME = "ليلى Haddad حسن"  # a mixed-script name: Arabic given and family names around a Latin one
EMAIL = "layla.haddad@example.org"
PASSWORD = "zaytun-wa-nakhl-2026"
PHONE = {"width": 390, "height": 844}
COURSE = "styrelsearbete"
QUIZ_MODULE = "04-arsmotet"


def _mirrored_boxes(page) -> dict:
    return page.evaluate("""() => {
      const box = (el) => el ? el.getBoundingClientRect().toJSON() : null;
      const label = document.querySelector('main label');
      return {dir: document.dir, lang: document.documentElement.lang, width: innerWidth,
              menu: box(document.querySelector('.menu-toggle')), brand: box(document.querySelector('.brand')),
              label: box(label), field: label ? box(document.getElementById(label.htmlFor)) : null,
              labelAlign: label ? getComputedStyle(label).textAlign : null,
              labelDirection: label ? getComputedStyle(label).direction : null};
    }""")


def _a_cycle_going_on_now(app) -> tuple[int, int]:
    """A cycle of the course whose first session starts in ten minutes (check-in is open) and one next week."""
    from lms.auth.service import find_user_by_email
    from lms.catalog.models import Course
    from lms.planning.service import local_zone
    from tests.factories import make_cycle

    now = datetime.now(timezone.utc)
    with app.app_context():
        course = db.session.execute(select(Course).where(Course.slug == COURSE)).scalar_one()
        local = (now + timedelta(minutes=10)).astimezone(local_zone())
        cycle = make_cycle(course, title="مساء الثلاثاء", first_date=local.date(), weekdays=(local.weekday(),),
                           start=local.time().replace(second=0, microsecond=0), sessions=2,
                           trainers=[find_user_by_email("utbildare@kompetenscentret.example")],
                           now=now - timedelta(days=2))
        cycle.enrolment_opens_at = cycle.enrolment_closes_at = None  # enrolment open while it runs
        found = cycle.id, sorted(cycle.sessions, key=lambda s: s.starts_at)[0].id
        db.session.commit()
        db.session.remove()
    return found


def _approve_and_invite(app) -> str:
    from lms.auth import service as accounts
    from lms.auth.service import find_user_by_email
    from lms.signup import service as signup
    from lms.signup.models import AccountRequest

    with app.app_context():
        request = db.session.execute(select(AccountRequest).where(AccountRequest.email == EMAIL)).scalar_one()
        assert request.locale == "ar", "the request remembers the language it was made in"
        contact = find_user_by_email("kontakt@mollankultur.example")
        user = signup.approve(request, actor_id=contact.id, now=datetime.now(timezone.utc))
        token = accounts.make_token(user, accounts.INVITATION)
        db.session.commit()
        db.session.remove()
    return token


def _checkin_code(app, session_id: int) -> str:
    from lms.attendance import service
    from lms.attendance.blueprint import checkin_settings
    from lms.planning.models import ClassSession

    with app.test_request_context("/"):
        session = db.session.get(ClassSession, session_id)
        code, _ = service.current_code(session, app.config["SECRET_KEY"], datetime.now(timezone.utc),
                                       checkin_settings())
        db.session.remove()
    return code


def _complete_the_rest_and_issue(app, cycle_id: int) -> None:
    """The other session's roll call and the remaining modules: then the certificate is issued by the rules."""
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
    from lms.auth.service import find_user_by_email
    from lms.catalog.service import mark_module_done
    from lms.certificates import service as certificates
    from lms.planning.models import Cycle

    with app.app_context():
        user, cycle = find_user_by_email(EMAIL), db.session.get(Cycle, cycle_id)
        for session in cycle.sessions:
            if db.session.execute(select(Attendance).where(Attendance.session_id == session.id,
                                                           Attendance.user_id == user.id)).first() is None:
                db.session.add(Attendance(session_id=session.id, user_id=user.id, status=AttendanceStatus.PRESENT,
                                          method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
        for module in cycle.course.modules:
            if not module.quiz_file:
                mark_module_done(user.id, module)
        if certificates.existing_certificate(user.id, cycle.id) is None:
            certificates.issue_certificate(user.id, cycle.id, datetime.now(timezone.utc) + timedelta(days=8),
                                           reason="e2e")
        db.session.commit()
        db.session.remove()


def test_the_whole_journey_in_arabic_on_a_phone(browser, live_server, tmp_path):
    from tests.e2e.test_quiz_journey import _answer_right

    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) reads the certificate back")
    app = live_server.app
    cycle_id, session_id = _a_cycle_going_on_now(app)
    context = browser.new_context(locale="ar", bypass_csp=True, viewport=PHONE)
    phone = Browse(context.new_page(), live_server.url)
    page = phone.page

    # the first visit follows the browser: Arabic, right to left; the menu button sits on the left
    phone.goto("/signup")
    boxes = _mirrored_boxes(page)
    assert (boxes["lang"], boxes["dir"]) == ("ar", "rtl")
    assert boxes["menu"] is None or boxes["menu"]["x"] < boxes["brand"]["x"], boxes
    assert boxes["labelDirection"] == "rtl" and boxes["labelAlign"] in ("start", "right"), boxes
    assert boxes["label"]["right"] > PHONE["width"] - 40, "the label starts at the right edge"
    page.screenshot(path=str(tmp_path / "arabic-signup-390.png"), full_page=True)

    page.locator("input[name=name]").fill(NAME)
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("select[name=organisation]").select_option(label="Möllevångens Kulturförening")
    phone.submit(lambda: page.locator("main form button[type=submit]").click())
    assert page.evaluate("document.dir") == "rtl"

    phone.goto(f"/invitation/{_approve_and_invite(app)}")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    phone.submit(lambda: page.locator("main form button[type=submit]").click())
    if "/login" in page.url:
        page.locator("main input[name=email]").fill(EMAIL)
        page.locator("main input[name=password]").fill(PASSWORD)
        phone.submit(lambda: page.locator("main form button[type=submit]").click())
    assert page.evaluate("document.documentElement.lang") == "ar", "the account keeps the language it was made in"
    assert f"<bdi>{NAME}</bdi>" in page.content(), "the mixed-script name is isolated in the menu"

    # enrol, read a module, take its quiz
    phone.goto(f"/cycles/{cycle_id}")
    phone.submit(lambda: page.locator(f"main form[action$='/cycles/{cycle_id}/enrol'] button").click())
    assert page.locator("main form[action*='/withdraw']").count() == 1, page.locator("main").inner_text()
    phone.goto(f"/courses/{COURSE}/modules/01-den-ideella-foreningen")
    assert page.locator("main").evaluate("el => getComputedStyle(el).direction") == "rtl"
    phone.goto(f"/courses/{COURSE}/modules/{QUIZ_MODULE}/quiz")
    phone.submit(lambda: page.locator("main form button[type=submit]").first.click())
    _answer_right(page, live_server)
    phone.submit(lambda: page.locator("main button[name=submit]").first.click())
    assert re.search(r"100\s*%|100٪", page.locator("main").inner_text())

    # check in with the code on the trainer's screen
    phone.goto("/checkin")
    page.locator("input[name=code]").fill(_checkin_code(app, session_id))
    phone.submit(lambda: page.locator("main form button[type=submit]").click())
    assert page.get_by_role("status").count() >= 1, page.locator("main").inner_text()

    # the certificate, downloaded and read back
    _complete_the_rest_and_issue(app, cycle_id)
    phone.goto("/my/certificates")
    with page.expect_download() as download:
        page.locator("main a[href$='.pdf'], main a[href*='/pdf']").first.click()
    pdf = download.value.path()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "ليلى" in text and "حسن" in text and "Haddad" in text
    page.screenshot(path=str(tmp_path / "arabic-certificates-390.png"), full_page=True)
    context.close()


def test_the_menu_and_a_form_mirror_at_phone_width(browser, live_server, tmp_path):
    """Element boxes at 390 px: in Arabic the menu button is on the left and labels start on the right;
    in Swedish the other way round."""
    found = {}
    for locale in ("sv-SE", "ar"):
        context = browser.new_context(locale=locale, bypass_csp=True, viewport=PHONE)
        page = context.new_page()
        page.goto(live_server.url + "/login")
        found[locale] = _mirrored_boxes(page)
        page.screenshot(path=str(tmp_path / f"login-{locale}-390.png"), full_page=True)
        context.close()
    sv, ar = found["sv-SE"], found["ar"]
    assert (sv["dir"], ar["dir"]) == ("ltr", "rtl")
    assert sv["menu"]["x"] > sv["brand"]["x"] and ar["menu"]["x"] < ar["brand"]["x"], (sv, ar)
    assert sv["label"]["x"] < 40 and ar["label"]["right"] > PHONE["width"] - 40, (sv["label"], ar["label"])
    assert abs((sv["field"]["x"]) - (PHONE["width"] - ar["field"]["right"])) < 2, "the field mirrors exactly"
