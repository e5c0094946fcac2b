"""The PDF: its text, its QR code, its fonts and what its design may fetch; the Open Badge."""
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.certificates import documents, service
from lms.certificates.codes import display, new_code, normalise
from lms.certificates.rendering import Design, design_url_fetcher, render_pdf
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.conftest import need


@pytest.fixture
def certificate(setting):
    learner = setting.enrol("Zeynep Yılmaz Åström", attended=5)
    return service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_states_name_course_and_code(app, certificate):
    pdf = documents.certificate_pdf(certificate)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = _text(pdf)
    for expected in ("Zeynep Yılmaz Åström", "Styrelsearbete i ideella föreningar", display(certificate.code),
                     "har genomfört kursen", "Vintern 2027", "Tove Utbildare"):
        assert expected in text, expected
    assert reader.metadata.title.startswith("Kursintyg – Zeynep Yılmaz Åström")
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height, "A4 landscape"


def test_the_pdf_is_in_the_learners_language(app, setting):
    learner = setting.enrol("Jane Doe", attended=5, locale="en")
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    pdf = documents.certificate_pdf(certificate)
    assert "has completed the course" in _text(pdf)
    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Course certificate – Jane Doe")


def test_the_pdf_embeds_the_shipped_fonts_is_tagged_and_pdf_a(app, certificate):
    reader = PdfReader(io.BytesIO(documents.certificate_pdf(certificate)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]).split("+", 1)[1] for key in fonts}
    assert {name.split("-")[0] for name in names} == {"Source"}, names
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], "tagged for accessibility"
    assert root["/Lang"] == "sv" and "/OutputIntents" in root
    assert b"pdfaid:part" in root["/Metadata"].get_object().get_data(), "declared PDF/A"


def test_the_qr_code_leads_to_the_verification_page(app, certificate, tmp_path):
    need(shutil.which("zbarimg") is not None and shutil.which("pdftoppm") is not None,
         "the QR check needs zbar-tools and poppler-utils")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(documents.certificate_pdf(certificate))
    subprocess.run(["pdftoppm", "-png", "-r", "110", str(path), str(tmp_path / "page")], check=True)
    [image] = sorted(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "-q", str(image)], capture_output=True, text=True).stdout.strip()
    assert decoded == f"QR-Code:http://localhost/verify/{certificate.code}"


def test_the_pdf_is_cached_and_rerendered_when_the_file_is_gone(app, certificate):
    first = documents.certificate_pdf(certificate)
    design = Design.load(Path(app.config["LMS_CERTIFICATE_DESIGNS_DIR"]), certificate.design)
    cached = documents.cache_path(certificate, design)
    assert cached.read_bytes() == first
    cached.unlink()
    again = documents.certificate_pdf(certificate)
    assert cached.exists() and _text(again) == _text(first)


def test_an_unwritable_cache_is_logged_and_leaves_no_partial_file(app, certificate, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    app.config["LMS_CERTIFICATE_CACHE_DIR"] = str(blocker / "certificates")
    pdf = documents.certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF"), "the learner still gets the PDF"
    assert "not writable" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"], "no partial file anywhere"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://127.0.0.1:9/logo.png", "https://example.org/font.woff", "data:text/plain,x",
])
def test_the_design_fetcher_refuses_everything_outside_the_design(url):
    from weasyprint.urls import FatalURLFetchingError

    fetcher = design_url_fetcher(Path("certificates/standard"))
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(url)


def test_the_design_fetcher_serves_the_designs_own_files():
    folder = Path("certificates/standard").resolve()
    response = design_url_fetcher(folder).fetch((folder / "logo.svg").as_uri())
    assert b"<svg" in response.read()


def test_a_design_reaching_outside_its_folder_fails_to_render(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    design_folder = tmp_path / "evil"
    design_folder.mkdir()
    (design_folder / "design.yaml").write_text("version: 1\n")
    (design_folder / "template.html").write_text('<html><body><img src="file:///etc/hostname">{{ code }}</body></html>')
    design = Design.load(tmp_path, "evil")
    with pytest.raises(FatalURLFetchingError):
        render_pdf(design, {"code": "X", "verify_url": "http://localhost/verify/X"})


def test_codes_are_typeable_and_self_checking():
    code = new_code()
    assert len(code) == 13 and normalise(display(code).lower()) == code
    assert normalise(code.replace("0", "O").replace("1", "l")) == code
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:-2] + code[-1] + code[-2]
    assert normalise(swapped) is None or swapped == code
    assert normalise("NOT-A-CODE") is None


def test_the_open_badge_uses_only_open_badges_3_terms(app, certificate):
    badge = documents.open_badge(certificate)
    assert badge["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    # the terms of the W3C VC 2.0 context and the Open Badges 3.0.3 context (Profile, AchievementSubject,
    # Achievement) that a credential without a proof may carry
    assert set(badge) <= {"@context", "id", "type", "name", "description", "issuer", "validFrom", "validUntil",
                          "credentialSubject", "image", "evidence"}
    assert set(badge["issuer"]) <= {"id", "type", "name", "url", "email", "description"}
    assert badge["issuer"]["type"] == ["Profile"]
    subject = badge["credentialSubject"]
    assert set(subject) <= {"id", "type", "name", "identifier", "achievement", "activityStartDate",
                            "activityEndDate", "result"}
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert set(achievement) <= {"id", "type", "name", "description", "criteria", "achievementType", "tag",
                                "image", "alignment", "creator", "version"}
    assert achievement["type"] == ["Achievement"] and achievement["criteria"]["narrative"]
    assert badge["id"] == f"http://localhost/verify/{certificate.code}"
    assert subject["activityStartDate"] == "2027-01-12"


def test_the_written_out_verification_path_is_the_routes(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("certificates.verify_code", code="ABC") == "/verify/ABC"
    assert documents.verify_url("ABC") == "http://localhost/verify/ABC"
