"""Signed attendance in a real browser: the trainer passes the phone round, a learner draws their
signature with the mouse, and the per-session PDF shows it (its text, and ink in its box); another
learner checks in on their own phone and is offered to sign there."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance import service, signatures
from lms.attendance.models import AttendanceMethod, AttendanceStatus
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.demo import DEMO_PASSWORD, learner_email, learner_name
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.service import local_zone
from tests.attendance.signed_pdf import pdf_text, signature_ink
from tests.e2e.conftest import Browse
from tests.factories import make_cycle

TRAINER = "utbildare@kompetenscentret.example"
PASSED_ROUND, OWN_PHONE = 57, 50  # both Swedish-speaking (every fifth demo learner reads English)


@pytest.fixture(scope="module")
def signed_session(live_server):
    """A session that started ten minutes ago, in a cycle with signatures on; one learner marked present."""
    with live_server.app.app_context():
        now = datetime.now(timezone.utc)
        local_start = (now - timedelta(minutes=10)).astimezone(local_zone())
        course = db.session.execute(select(Course).order_by(Course.id.desc())).scalars().first()
        trainer = find_user_by_email(TRAINER)
        cycle = make_cycle(course, title="Signerad närvaro i dag", first_date=local_start.date(),
                           weekdays=(local_start.weekday(),), start=local_start.time().replace(second=0, microsecond=0),
                           sessions=1, trainers=[trainer], now=now - timedelta(days=2))
        for index in (PASSED_ROUND, OWN_PHONE):
            enrol(find_user_by_email(learner_email(index)).id, cycle, now=now - timedelta(days=1),
                  check_window=False, decided=True)
        signatures.set_signatures_required(cycle, True, actor_id=None, now=now)
        session = cycle.sessions[0]
        service.record_attendance(session, find_user_by_email(learner_email(PASSED_ROUND)).id, AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.ROLL_CALL, actor_id=trainer.id, now=now)
        db.session.commit()
        session_id = session.id
        db.session.remove()
    return session_id


def draw_with_the_mouse(page):
    """A signature: two strokes across the box, drawn as a person would with the mouse."""
    box = page.locator("canvas.signature-pad").bounding_box()
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    for stroke in ([(0.1, 0.7), (0.2, 0.2), (0.3, 0.75), (0.4, 0.25), (0.5, 0.7)],
                   [(0.55, 0.5), (0.7, 0.3), (0.8, 0.6), (0.9, 0.4)]):
        page.mouse.move(left + stroke[0][0] * width, top + stroke[0][1] * height)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(left + x * width, top + y * height, steps=8)
        page.mouse.up()


def signed_at_local(live_server, session_id):
    """When the signature was kept, as the PDF prints it (HH:mm in the center's time zone)."""
    with live_server.app.app_context():
        (signature,) = signatures.signatures_of(session_id).values()
        moment = signature.signed_at.astimezone(local_zone()).strftime("%H:%M")
        db.session.remove()
    return moment


def test_a_signature_drawn_with_the_mouse_is_in_the_sessions_pdf(browse, page, live_server, signed_session):
    page.set_viewport_size({"width": 390, "height": 844})
    browse.log_in(TRAINER, DEMO_PASSWORD)
    browse.goto(f"/attendance/sessions/{signed_session}")
    browse.submit(lambda: page.get_by_role("link", name="Namnteckningar").click())
    name = learner_name(PASSED_ROUND)
    assert "Skicka runt enheten" in page.get_by_role("main").inner_text()
    assert learner_name(OWN_PHONE) not in page.get_by_role("main").inner_text()  # not checked in: nothing to sign
    browse.submit(lambda: page.get_by_role("link", name=f"Skriv under: {name}").click())

    page.get_by_role("button", name="Spara min namnteckning").click()  # nothing drawn: the page says so
    page.get_by_role("alert").filter(has_text="Rita din namnteckning i rutan först.").wait_for()
    draw_with_the_mouse(page)
    browse.submit(lambda: page.get_by_role("button", name="Spara min namnteckning").click())
    assert f"Tack, {name}: namnteckningen är sparad." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("img", name=f"Namnteckning: {name}").is_visible()

    pdf = page.request.get(f"{browse.base_url}/attendance/sessions/{signed_session}/signed-attendance.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    first_name = name.split()[0]
    assert name in text and "utbildarens" in text and signed_at_local(live_server, signed_session) in text, text
    assert signature_ink(pdf.body(), first_name, header="Namnteckning", next_header="Underskrivet") > 100
    sheet = page.request.get(f"{browse.base_url}/attendance/sessions/{signed_session}/sign-in-sheet.pdf")
    assert signature_ink(sheet.body(), first_name, header="Namnteckning", next_header="Sen") > 100


def test_a_learner_checks_in_on_their_phone_and_signs_there(browse, page, browser, browser_context_args,
                                                           live_server, signed_session):
    browse.log_in(TRAINER, DEMO_PASSWORD)
    browse.goto(f"/attendance/sessions/{signed_session}/checkin")
    code = page.locator("[data-field=code]").inner_text()
    context = browser.new_context(**browser_context_args)
    phone = Browse(context.new_page(), live_server.url)
    phone.page.set_viewport_size({"width": 390, "height": 844})
    phone.log_in(learner_email(OWN_PHONE), DEMO_PASSWORD)
    phone.goto("/checkin")
    phone.page.get_by_label("Incheckningskod").fill(code)
    phone.submit(lambda: phone.page.get_by_role("button", name="Checka in mig").click())
    assert "Skriv nu under din närvaro" in phone.page.get_by_role("status").first.inner_text()
    draw_with_the_mouse(phone.page)
    phone.submit(lambda: phone.page.get_by_role("button", name="Spara min namnteckning").click())
    assert "namnteckningen är sparad" in phone.page.get_by_role("status").first.inner_text()
    context.close()
    browse.goto(f"/attendance/sessions/{signed_session}/signatures")
    row = page.locator(".signature-row", has_text=learner_name(OWN_PHONE))
    assert "i egen mobil" in row.inner_text()
