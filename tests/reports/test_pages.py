"""The report pages: who may see what, exports that never run a formula, the transcript."""
import csv
import io


import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.core.exports import Sheet, to_csv, to_xlsx
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_user
from tests.reports.conftest import NOW

YEAR = {"first": "2030-01-01", "last": "2030-12-31"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("lms.reports.routes._now", lambda: NOW)


@pytest.fixture
def contact_client(app, center):
    client = app.test_client()
    assert log_in(client, center.contact.email).status_code == 302
    return client


def test_the_dashboard_is_for_coordinators(coordinator_client, learner_client, trainer_client, center):
    page = coordinator_client.get("/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vintern 2030" in html and 'role="img"' in html and "<table" in html
    assert "style=" not in html  # the content security policy forbids inline styles
    assert learner_client.get("/reports").status_code == 403
    assert trainer_client.get("/reports").status_code == 403


def test_a_contact_sees_their_own_organisation_and_is_refused_another(contact_client, center):
    page = contact_client.get("/reports/organisation", query_string=YEAR)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lärande 1" in html and "Lärande 3" not in html
    other = {**YEAR, "organisation": center.org2.id}
    assert contact_client.get("/reports/organisation", query_string=other).status_code == 403
    assert contact_client.get("/reports/organisation.csv", query_string=other).status_code == 403
    assert contact_client.get("/reports/organisation.xlsx", query_string=other).status_code == 403


def test_a_learner_and_a_contact_without_organisation_get_no_report(app, learner_client, center):
    assert learner_client.get("/reports/organisation").status_code == 403
    loose = make_user(roles=["organisation_contact"], locale="en")
    db.session.commit()
    client = app.test_client()
    log_in(client, loose.email)
    assert client.get("/reports/organisation").status_code == 403


def test_a_coordinator_sees_every_organisation(coordinator_client, center):
    html = coordinator_client.get("/reports/organisation", query_string=YEAR).get_data(as_text=True)
    assert "Möllevångens Kulturförening" in html and "Rosengårds Läxhjälp" in html
    one = coordinator_client.get("/reports/organisation", query_string={**YEAR, "organisation": center.org2.id})
    assert one.status_code == 200 and "Lärande 3" in one.get_data(as_text=True)


def test_the_csv_export_matches_the_report_and_is_audited(contact_client, center):
    center.contact.locale = "sv"
    db.session.commit()
    response = contact_client.get("/reports/organisation.csv", query_string=YEAR)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))  # Swedish Excel's columns
    assert ["Styrelsearbete", "2", "2", "6", "7", "85,7", "12,0", "0", "0"] in rows, [r for r in rows if r and r[0] == "Styrelsearbete"]
    assert any(row[:2] == ["Lärande 2", "larande2@example.org"] for row in rows)
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "report.organisation.exported.csv")).scalars().all()
    assert [(e.actor_id, e.object_id, e.details["people"]) for e in events] == [(center.contact.id, center.org1.id, 3)]


def test_viewing_the_report_is_audited(contact_client, center):
    contact_client.get("/reports/organisation", query_string=YEAR)
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.actor_id == center.contact.id)).scalars().all()
    assert "report.organisation.viewed" in actions


def test_the_xlsx_export_has_a_sheet_per_view_and_strings_only(contact_client, center):
    response = contact_client.get("/reports/organisation.xlsx", query_string=YEAR)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Summary", "Courses", "Competence areas", "Sustainable development goals", "People",
                                  "Renewals"]
    courses = [[cell.value for cell in row] for row in workbook["Courses"].iter_rows()]
    assert ["Styrelsearbete", 2, 2, 6, 7, 85.7, 12.0, 0, 0] in courses


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_exports_never_hand_a_formula_to_a_spreadsheet(evil):
    sheet = Sheet("Test", ["Name"], [[evil], ["Anna"], [42]])
    rows = list(csv.reader(io.StringIO(to_csv([sheet]).lstrip("\ufeff"))))
    assert rows[1] == ["'" + evil] and rows[2] == ["Anna"] and rows[3] == ["42"]
    cells = list(load_workbook(io.BytesIO(to_xlsx([sheet])))["Test"].iter_rows(min_row=2))
    # XML turns a carriage return into a line feed on reading; the apostrophe is what matters
    assert cells[0][0].value == "'" + evil.replace("\r", "\n") and cells[0][0].data_type == "s"
    assert cells[1][0].value == "Anna" and cells[2][0].value == 42 and cells[2][0].data_type == "n"


def test_a_name_like_a_formula_is_defused_in_the_real_export(coordinator_client, center):
    center.learners[1].name = "=cmd|' /C calc'!A0"
    db.session.commit()
    response = coordinator_client.get("/reports/organisation.xlsx", query_string=YEAR)
    people = load_workbook(io.BytesIO(response.data))["People"]
    names = [row[0] for row in people.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in names)
    assert "'=cmd|' /C calc'!A0" in [cell.value for cell in names]


def test_a_bad_period_is_refused_kindly(coordinator_client, center):
    page = coordinator_client.get("/reports/organisation", query_string={"first": "2030-05-01", "last": "2030-01-01"})
    assert page.status_code == 200
    assert "The end of the period comes before its start." in page.get_data(as_text=True)
    assert coordinator_client.get("/reports/organisation.pdf").status_code == 404


def test_the_transcript_lists_completed_cycles_and_certificates(app, center):
    client = app.test_client()
    log_in(client, center.learners[3].email)
    html = client.get("/my/transcript").get_data(as_text=True)
    assert "December 2029" in html and "revoked" in html
    client = app.test_client()
    log_in(client, center.learners[1].email)
    html = client.get("/my/transcript").get_data(as_text=True)
    assert "December 2029" in html and "Vintern 2030" not in html  # not completed yet


def test_the_transcript_pdf_is_a_pdf_with_the_courses(app, center):
    from pypdf import PdfReader

    client = app.test_client()
    log_in(client, center.learners[1].email)
    response = client.get("/my/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Lärande 1" in text and "Styrelsearbete" in text and "December 2029" in text


def test_pages_need_a_log_in(client, center):
    for path in ("/reports", "/reports/organisation", "/reports/organisation.csv", "/my/transcript"):
        assert client.get(path).status_code == 302




def test_the_dashboard_pages_its_cycles_and_keeps_the_key_figures_whole(coordinator_client, center):
    from datetime import date

    from lms.reports.service import DASHBOARD_CYCLES_PER_PAGE
    from tests.factories import make_cycle
    from tests.reports.conftest import PLANNED

    extra = [make_cycle(center.money_course, title=f"Vår {n:02d}", first_date=date(2030, 3, 1), sessions=2, now=PLANNED)
             for n in range(DASHBOARD_CYCLES_PER_PAGE)]
    db.session.commit()
    first = coordinator_client.get("/reports").get_data(as_text=True)
    second = coordinator_client.get("/reports?page=2").get_data(as_text=True)
    # running cycles come first, by their first date: the finished December cycle is on page 2
    finished = f'href="/attendance/cycles/{center.d.id}"'
    assert "Vintern 2030" in first and finished not in first and finished in second
    assert extra[-1].title in second and extra[-1].title not in first
    assert "Page 1" in first and 'href="/reports?page=2"' in first and 'href="/reports?page=3"' not in second
    assert f"{3 + DASHBOARD_CYCLES_PER_PAGE} cycles are running" in first  # A, B, C and the new ones
    figures = lambda html: html.split('aria-label="Key figures"')[1].split("</ul>")[0]  # noqa: E731
    assert figures(first) == figures(second)
    assert coordinator_client.get("/reports?page=99").status_code == 200


@pytest.mark.config(LMS_DASHBOARD_FIGURES_SECONDS=60)
def test_the_key_figures_are_counted_once_a_minute_and_the_cycles_on_every_visit(app, coordinator_client, center):
    from lms.core.page_cache import PageCache

    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()
    app.extensions["page_cache"] = PageCache(clock=clock)
    figures = lambda html: html.split('aria-label="Key figures"')[1].split("</ul>")[0]  # noqa: E731
    before = coordinator_client.get("/reports").get_data(as_text=True)
    center.b.seats_taken = center.b.capacity  # the cycle with a free seat is now full
    db.session.commit()
    kept = coordinator_client.get("/reports").get_data(as_text=True)
    assert figures(kept) == figures(before)
    assert "1/2" in before and "2/2" in kept, "the table is counted on every visit"
    clock.now += 60
    assert figures(coordinator_client.get("/reports").get_data(as_text=True)) != figures(before)


def test_each_cycles_trend_is_described_session_by_session_in_the_readers_language(coordinator_client, center):
    """Cycle A's sessions on 8, 15, 22 and 29 January: 3/3, 1/3, 1/2 (one excused) and 2/3."""
    english = coordinator_client.get("/reports").get_data(as_text=True)
    assert "8 Jan: 100 %, 15 Jan: 33 %, 22 Jan: 50 %, 29 Jan: 67 %" in english
    coordinator_client.user.locale = "sv"
    db.session.commit()
    swedish = coordinator_client.get("/reports").get_data(as_text=True)
    assert "8 jan.: 100 %, 15 jan.: 33 %, 22 jan.: 50 %, 29 jan.: 67 %" in swedish


def test_a_roll_call_shows_on_the_next_visit_though_each_cycles_roll_up_is_kept(app, coordinator_client, center):
    """L2 was absent on 15 January (1 of 3 came); marked excused, the session counts 1 of 2."""
    assert "15 Jan: 33 %" in coordinator_client.get("/reports").get_data(as_text=True)
    assert len(app.extensions["dashboard_roll_ups"]) == 4
    second = sorted(center.a.sessions, key=lambda s: s.starts_at)[1]
    learner = center.learners[2]
    response = coordinator_client.post(f"/attendance/sessions/{second.id}/learners/{learner.id}",
                                       data={"status": "excused"})
    assert response.status_code == 302
    page = coordinator_client.get("/reports").get_data(as_text=True)
    assert "15 Jan: 50 %" in page and "15 Jan: 33 %" not in page


def test_csv_for_english_uses_commas_and_every_export_defuses_formulas():
    sheet = Sheet("t", ["a", "b"], [["=SUM(A1)", 85.7]])
    assert to_csv([sheet], "en") == "\ufeffa,b\r\n'=SUM(A1),85.7\r\n"
    assert to_csv([sheet], "sv") == "\ufeffa;b\r\n'=SUM(A1);85,7\r\n"
