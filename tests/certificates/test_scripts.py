"""Arabic in the PDFs: shaped and joined with the shipped Noto Naskh Arabic, in every design, read back."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.certificates import documents, service
from lms.certificates.rendering import Design, render_html
from lms.core.pdf_fonts import SHARED_FONTS, script_fonts_css
from lms.reports import transcript
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.conftest import need

ARABIC_NAME = "ليلى حسن"
MIXED_NAME = "Omar عمر Haddad"
DESIGNS = Path(__file__).resolve().parents[2] / "certificates"


def _fonts(pdf: bytes) -> set[str]:
    """The names the embedded font files give themselves (the PDF's /BaseFont is the CSS family's)."""
    from fontTools.ttLib import TTFont

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"]["/Font"]
        for key in fonts:
            descriptor = fonts[key].get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = TTFont(io.BytesIO(descriptor.get_object()["/FontFile2"].get_object().get_data()))
            names.add(embedded["name"].getDebugName(1))
    return names


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is needed")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _design_names() -> list[str]:
    return sorted(p.name for p in DESIGNS.iterdir() if (p / "template.html").is_file())


def test_the_shipped_font_and_its_licence_are_in_the_project():
    assert (SHARED_FONTS / "NotoNaskhArabic-Regular.ttf").stat().st_size > 100_000
    assert (SHARED_FONTS / "NotoNaskhArabic-Bold.ttf").is_file()
    assert "SIL Open Font License" in (SHARED_FONTS / "OFL-noto-naskh-arabic.txt").read_text("utf-8")


@pytest.mark.parametrize("name", _design_names())
def test_every_design_names_the_arabic_font_in_each_of_its_font_stacks(name):
    """The pattern for a new design: each `font-family` lists "Noto Naskh Arabic" after its own fonts
    (declared for every render by script_fonts_css, so the design needs no copy of it)."""
    css = re.sub(r"@font-face\s*{[^}]*}", "", (DESIGNS / name / "style.css").read_text("utf-8"))
    stacks = re.findall(r"font-family:\s*([^;}]+)", css)
    assert stacks, "the design sets its fonts"
    for stack in stacks:
        if "monospace" not in stack:
            assert '"Noto Naskh Arabic"' in stack, stack
    assert 'font-family: "Noto Naskh Arabic"' in script_fonts_css()


def test_an_arabic_name_on_a_swedish_certificate_is_written_in_naskh_and_reads_back(app, setting, tmp_path):
    learner = setting.enrol(ARABIC_NAME, attended=5)
    pdf = documents.certificate_pdf(service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE))
    assert any(font.startswith("Noto Naskh Arabic") for font in _fonts(pdf)), _fonts(pdf)
    text = _pdftotext(pdf, tmp_path)
    assert ARABIC_NAME in text and "har genomfört kursen" in text
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "sv"


def test_a_learner_whose_language_is_arabic_gets_a_right_to_left_certificate(app, setting, tmp_path):
    learner = setting.enrol(ARABIC_NAME, attended=5, locale="ar")
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    values = documents.template_values(certificate)
    assert values["dir"] == "rtl" and values["c"]["language"] == "ar"
    html = render_html(Design.load(DESIGNS, "standard"), {**values, "qr_svg": ""})
    assert '<html lang="ar" dir="rtl">' in html and f"<bdi>{ARABIC_NAME}</bdi>" in html
    pdf = documents.certificate_pdf(certificate)
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "ar"
    assert ARABIC_NAME in _pdftotext(pdf, tmp_path)
    assert "2027" in values["c"]["period"], "dates in Babel's Arabic format, Western digits"


def test_a_mixed_script_name_is_isolated_in_the_certificate(app, setting):
    learner = setting.enrol(MIXED_NAME, attended=5)
    values = documents.template_values(service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE))
    html = render_html(Design.load(DESIGNS, "standard"), {**values, "qr_svg": ""})
    assert f'<h1 class="name"><bdi>{MIXED_NAME}</bdi></h1>' in html
    assert "<bdi>Tove Utbildare</bdi>" in html


@pytest.mark.parametrize("locale", ["sv", "ar"])
def test_the_transcript_of_an_arabic_name_reads_back_in_both_directions(app, setting, tmp_path, locale):
    learner = setting.enrol(ARABIC_NAME, attended=5, locale=locale)
    service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    record = transcript.transcript(learner, AFTER_THE_CYCLE)
    assert transcript.pdf_values(record, AFTER_THE_CYCLE, locale)["dir"] == ("rtl" if locale == "ar" else "ltr")
    pdf = transcript.transcript_pdf(record, AFTER_THE_CYCLE, locale)
    assert any(font.startswith("Noto Naskh Arabic") for font in _fonts(pdf))
    assert ARABIC_NAME in _pdftotext(pdf, tmp_path)


BARE_RENDER = """
import sys
from pathlib import Path
from lms.certificates.rendering import Design, render_pdf
design = Design.load(Path(sys.argv[1]), "standard")
values = {"c": {"language": "sv", "learner_name": sys.argv[2], "course_title": "Kurs", "cycle_title": "Cykel",
                "period": "1–2 jan. 2027", "modules": ["M"], "competence_areas": [], "sdgs": [], "trainers": ["T"],
                "issuer": "Kompetenscentret", "issued_on": "1 mars 2027", "content_version": "abc"},
          "t": {}, "code": "ABCD-EFGH", "verify_url": "http://x.example/verify/ABCD", "dir": "ltr"}
sys.stdout.buffer.write(render_pdf(design, values))
"""


def test_arabic_renders_on_a_machine_without_any_arabic_system_font(tmp_path):
    """Only DejaVu is known to fontconfig (no Noto): the Arabic comes from the project's own font."""
    need(Path("/usr/share/fonts/truetype/dejavu").is_dir(), "DejaVu fonts to stand for a bare machine")
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
                      f'<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path}/cache'
                      '</cachedir></fontconfig>', "utf-8")
    done = subprocess.run([sys.executable, "-c", BARE_RENDER, str(DESIGNS), ARABIC_NAME], capture_output=True,
                          env={**os.environ, "FONTCONFIG_FILE": str(config)}, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert any(font.startswith("Noto Naskh Arabic") for font in _fonts(done.stdout)), _fonts(done.stdout)
    assert ARABIC_NAME in _pdftotext(done.stdout, tmp_path)
