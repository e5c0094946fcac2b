"""A coordinator opens the dashboard and exports the competence report; an organisation contact
answers "who in our organisation learned what this year"."""
import csv
import io

from openpyxl import load_workbook


def _nav(browse, name):
    return browse.menu_link(name)


def test_a_coordinator_opens_the_dashboard_and_exports_the_report(browse, live_server, page):
    email, password = live_server.logins["coordinator"]
    browse.log_in(email, password)
    browse.submit(lambda: _nav(browse, "Översikt").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Översikt"
    cycles = page.get_by_role("table", name="Kursomgångar: platser, närvaro och genomförande")
    assert cycles.get_by_role("row").count() > 1
    assert page.get_by_role("img", name="Närvaro per kursomgång").is_visible()
    assert page.get_by_role("region", name="Deltagare i riskzonen").first.is_visible()  # the section and its table

    browse.submit(lambda: page.get_by_role("link", name="Kompetensrapport").first.click())
    assert page.get_by_role("heading", level=1).inner_text() == "Kompetensrapport"
    page.get_by_label("Organisation", exact=True).select_option(label="Möllevångens Kulturförening")
    page.get_by_label("Från", exact=True).fill("2020-01-01")
    browse.submit(lambda: page.get_by_role("button", name="Visa").click())
    people = page.get_by_role("table", name="Personer")
    assert people.get_by_role("row").count() > 1

    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig")), delimiter=";"))  # Swedish Excel
    assert ["Sammanfattning"] in rows and any(row and row[0] == "Kurs" for row in rows)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner Excel (XLSX)").click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook.sheetnames[:2] == ["Sammanfattning", "Kurser"]
    assert workbook["Sammanfattning"]["A2"].value == "Möllevångens Kulturförening"


def test_an_organisation_contact_sees_their_members_learning(browse, live_server, page):
    email, password = live_server.logins["organisation_contact"]
    browse.log_in(email, password)
    browse.submit(lambda: _nav(browse, "Kompetensrapport").click())
    assert "Möllevångens Kulturförening" in page.get_by_role("heading", level=2).first.inner_text()
    assert page.get_by_role("table", name="Per kurs", exact=True).is_visible() or page.get_by_text("Inget under perioden.").first.is_visible()


def test_a_correction_in_a_past_roll_call_shows_on_the_dashboard_at_once(browse, live_server, page):
    """The dashboard keeps each cycle's roll-up (lms/reports/roll_ups.py); a record changed in the
    roll call must show on the next visit, exactly as a dashboard rolled up afresh shows it."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from lms.attendance import service as attendance
    from lms.attendance.models import AttendanceStatus
    from lms.extensions import db
    from lms.planning.models import ClassSession
    from lms.reports import service
    from lms.reports.roll_ups import RollUps

    with live_server.app.app_context():
        now = datetime.now(timezone.utc)
        cycle_ids = [line.cycle.id for line in service.dashboard(now).cycles if line.trend]
        past_sessions = db.session.execute(
            select(ClassSession).where(ClassSession.cycle_id.in_(cycle_ids), ClassSession.ends_at <= now)
            .order_by(ClassSession.starts_at.desc())
        ).scalars().all()
        # Earlier journeys in the same served app withdraw, re-enrol and cancel: take a learner who is
        # on the roll call as it is now, marked present, in a session that still takes marks.
        session_id, cycle_id, learner_id = next(
            (session.id, session.cycle_id, learner.id)
            for session in past_sessions if not session.cancelled
            for learner in attendance.session_roster(session)
            if (record := attendance.records_of(session.id).get(learner.id))
            and record.status == AttendanceStatus.PRESENT)
        db.session.remove()

    def trend() -> str:
        cycles = page.get_by_role("table", name="Kursomgångar: platser, närvaro och genomförande")
        row = cycles.locator("tr", has=page.locator(f'a[href="/attendance/cycles/{cycle_id}"]'))
        return row.locator("desc").text_content()

    def mark(status: str) -> None:
        browse.goto(f"/attendance/sessions/{session_id}")
        row = page.locator(f"#learner-{learner_id}")
        row.get_by_text(status, exact=True).click()
        row.get_by_role("status").filter(has_text="Sparat").wait_for()

    email, password = live_server.logins["coordinator"]
    browse.log_in(email, password)
    browse.goto("/reports")
    before = trend()
    mark("frånvarande")
    try:
        browse.goto("/reports")
        after = trend()
        assert after != before
        live_server.app.extensions["dashboard_roll_ups"] = RollUps(500)  # a process that kept nothing
        browse.goto("/reports")
        assert trend() == after
    finally:
        mark("närvarande")
    browse.goto("/reports")
    assert trend() == before
