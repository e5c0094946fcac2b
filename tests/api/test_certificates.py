"""My certificates, and public verification by code."""
from datetime import datetime, timezone

import pytest

from lms.certificates.codes import display
from lms.certificates.service import issue_certificate, revoke_certificate
from lms.extensions import db

LATER = datetime(2030, 2, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def certificate(center):
    issued = issue_certificate(center.learner.id, center.cycle.id, LATER, actor_id=center.coordinator.id,
                               reason="Närvarade enligt papperslista")
    db.session.commit()
    return issued


def test_anyone_verifies_a_valid_certificate_by_code(api, center, certificate):
    response = api.get(f"/certificates/{display(certificate.code)}")
    assert response.status_code == 200
    body = response.json
    assert body["valid"] is True and body["status"] == "valid" and body["learner_name"] == "Learner"
    assert body["course_title"] == "Styrelsearbete" and body["first_date"] == "2030-01-08"
    assert body["verify_url"] == f"http://localhost/verify/{certificate.code}"
    assert api.get(f"/certificates/{certificate.code.lower()}").json["code"] == display(certificate.code)


def test_a_revoked_certificate_says_so(api, center, certificate):
    revoke_certificate(certificate, "Utfärdat av misstag", center.coordinator.id, LATER)
    db.session.commit()
    body = api.get(f"/certificates/{certificate.code}").json
    assert body["valid"] is False and body["status"] == "revoked" and body["revoked_at"].startswith("2030-02-15")


@pytest.mark.parametrize("code", ["0000-0000-0000-0", "nonsense", "ABCD"])
def test_an_unknown_code_is_404(api, center, code):
    response = api.get(f"/certificates/{code}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_VERIFY_RATE_LIMIT="2 per minute")
def test_verification_is_rate_limited_per_address(api, center):
    codes = [api.get("/certificates/ABCD").status_code for _ in range(3)]
    assert codes == [404, 404, 429]


@pytest.mark.parametrize("who, count", [("learner", 1), ("other_learner", 0), ("coordinator", 0)])
def test_my_certificates_are_mine_only(api, center, certificate, who, count):
    items = api.as_(center.secrets[who]).get("/me/certificates").json["items"]
    assert len(items) == count
    if count:
        assert items[0]["code"] == display(certificate.code) and items[0]["revoked"] is False
        assert items[0]["cycle_title"] == "Vintern 2030"


def test_my_certificates_need_a_token(api, center):
    assert api.get("/me/certificates").status_code == 401
