"""A certificate rendered on one node is served by the other, with no disk shared between them."""
from __future__ import annotations

import io
import secrets
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from lms.extensions import db
from tests.certificates.conftest import AFTER_THE_CYCLE, PLANNED_AT, Setting
from tests.factories import make_course, make_cycle, make_organisation, make_user
from tests.stack.support import Browser


def _issued_certificate(seeding) -> tuple[str, int, str]:
    from lms.certificates import service

    with seeding.app_context():
        course = make_course(f"styrelsearbete-{secrets.token_hex(3)}", title="Styrelsearbete i ideella föreningar",
                             modules=1)
        cycle = make_cycle(course, title="Vintern 2027", first_date=date(2027, 1, 11), sessions=3, now=PLANNED_AT)
        setting = Setting(course=course, cycle=cycle, trainer=make_user(roles=["trainer"]),
                          organisation=make_organisation())
        learner = setting.enrol("Zeynep Yılmaz Åström", attended=3)
        certificate = service.issue_certificate(learner.id, cycle.id, AFTER_THE_CYCLE)
        db.session.commit()
        return learner.email, certificate.id, certificate.code


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _cached(stack, node: int) -> list[Path]:
    return list((stack.folder / f"node{node}" / "certificates").glob("**/*.pdf"))


def test_a_certificate_rendered_on_one_node_is_served_the_same_by_the_other(stack, seeding):
    email, certificate_id, code = _issued_certificate(seeding)
    browser = Browser(stack.url)
    first, second = stack.nodes
    browser.log_in(email, base=first)
    assert not any(code in path.name for path in _cached(stack, 2))
    on_first = browser.get(f"/certificates/{certificate_id}/pdf", first)
    assert on_first.status_code == 200 and on_first.content.startswith(b"%PDF")
    assert any(path.name.startswith(code) for path in _cached(stack, 1)), "cached on the first node"
    on_second = browser.get(f"/certificates/{certificate_id}/pdf", second)
    assert on_second.status_code == 200 and on_second.content.startswith(b"%PDF")
    assert any(path.name.startswith(code) for path in _cached(stack, 2)), "rendered from the database there"
    text = _text(on_second.content)
    assert text == _text(on_first.content)
    assert "Zeynep Yılmaz Åström" in text and "Styrelsearbete i ideella föreningar" in text
    again = browser.get(f"/certificates/{certificate_id}/pdf", second)
    assert again.content == on_second.content, "and serves its own copy from then on"
