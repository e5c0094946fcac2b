"""A coordinator who never opens a terminal adds a course as a zip, fixes the error shown at its line,
and a learner reads it; the course then downloads as the folder that was uploaded."""
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.catalog.conftest import SHIPPED

COURSE_YAML = """slug: cirkular-forening
title: Den cirkulära föreningen
summary: Hur föreningen lånar, lagar och delar i stället för att köpa nytt.
description: |
  En kort kurs om cirkulära vanor i föreningens vardag.
language: sv
competence_areas:
  - Hållbar utveckling
sdgs: [12]
estimated_hours: 2
certificate_design: standard
learning_outcomes:
  - Efter kursen kan du planera ett bytes- och lagakafé.
modules:
  - 01-lana-och-laga
  - 02-bytesdagen
"""
MODULE_1 = """---
title: Låna och laga
minutes: 20
required: true
---
## Tre vanor

| Vana | Exempel |
| --- | --- |
| Låna | Föreningens verktygsbibliotek |
| Laga | Lagakafé varje månad |

![Kretsloppet](kretslopp.svg)
"""
MODULE_2 = """---
title: Bytesdagen
minutes: 15
required: true
quiz: 02-bytesdagen.gift
---
## Planera en bytesdag

Bestäm datum, lokal och vad som får bytas.
"""
QUIZ = """::Bytesdag::Vad är viktigast att bestämma först?{
=Datum och lokal
~Färgen på affischen
}
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="green"/></svg>'


def _package(course_yaml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {"course.yaml": course_yaml, "01-lana-och-laga.md": MODULE_1, "02-bytesdagen.md": MODULE_2,
                           "02-bytesdagen.gift": QUIZ, "kretslopp.svg": SVG}.items():
            archive.writestr(f"cirkular-forening/{name}", text)
    return buffer.getvalue()


@pytest.fixture
def content_copy(live_server, tmp_path):
    """The served app reads a copy of courses_content/ while the test uploads into it."""
    shipped = live_server.app.config["LMS_CONTENT_DIR"]
    copy = tmp_path / "courses_content"
    shutil.copytree(SHIPPED, copy)
    live_server.app.config["LMS_CONTENT_DIR"] = str(copy)
    yield copy
    live_server.app.config["LMS_CONTENT_DIR"] = shipped


def test_a_coordinator_uploads_a_new_course_and_a_learner_reads_it(browse, live_server, content_copy, tmp_path):
    email, password = live_server.logins["coordinator"]
    page = browse.log_in(email, password)
    browse.goto("/courses/manage")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(_package(COURSE_YAML.replace("  - Hållbar utveckling", "  - Hållbarhet")))
    page.get_by_label("Kurspaket (.zip)").set_input_files(str(broken))
    browse.submit(lambda: page.get_by_role("button", name="Kontrollera och importera").click())
    errors = page.locator("#package-errors").inner_text()
    assert "courses_content/cirkular-forening/course.yaml:8" in errors and "Hållbarhet" in errors

    fixed = tmp_path / "cirkular-forening.zip"
    fixed.write_bytes(_package(COURSE_YAML))
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
