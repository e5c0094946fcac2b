"""A coordinator who never opens a terminal adds a course as a zip, fixes the error shown at its line,
and a learner reads it; the course then downloads as the folder that was uploaded."""
import io
import zipfile
from pathlib import Path

from tests.e2e.course_files import course_files

def _package(replace: tuple[str, str] = ("", "")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in course_files("cirkular-forening", "Den cirkulära föreningen").items():
            archive.writestr(f"cirkular-forening/{name}", text.replace(*replace) if name == "course.yaml" else text)
    return buffer.getvalue()


def test_a_coordinator_uploads_a_new_course_and_a_learner_reads_it(browse, live_server, content_copy, tmp_path):
    email, password = live_server.logins["coordinator"]
    page = browse.log_in(email, password)
    browse.goto("/courses/manage")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(_package(("  - Hållbar utveckling", "  - Hållbarhet")))
    page.get_by_label("Kurspaket (.zip)").set_input_files(str(broken))
    browse.submit(lambda: page.get_by_role("button", name="Kontrollera och importera").click())
    errors = page.locator("#package-errors").inner_text()
    assert "courses_content/cirkular-forening/course.yaml:8" in errors and "Hållbarhet" in errors

    fixed = tmp_path / "cirkular-forening.zip"
    fixed.write_bytes(_package())
    page.get_by_label("Kurspaket (.zip)").set_input_files(str(fixed))
    browse.submit(lambda: page.get_by_role("button", name="Kontrollera och importera").click())
    assert "”Den cirkulära föreningen” är skapad från paketet." in page.locator(".flash").first.inner_text()

    browse.goto("/courses/manage")
    with page.expect_download() as download:
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Den cirkulära föreningen", exact=True))
        row.get_by_role("link", name="Ladda ner (.zip)").click()
    downloaded = Path(download.value.path())
    with zipfile.ZipFile(downloaded) as got, zipfile.ZipFile(fixed) as sent:
        assert {n: got.read(n) for n in got.namelist()} == {n: sent.read(n) for n in sent.namelist()}
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["learner"]
    browse.log_in(email, password)
    browse.goto("/courses/cirkular-forening/modules/01-lana-och-laga")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Låna och laga")
    table = page.get_by_role("table")
    assert "Verktygsbibliotek".lower() in table.inner_text().lower()
    image = page.get_by_role("img", name="Kretsloppet")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
