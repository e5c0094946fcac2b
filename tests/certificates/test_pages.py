"""Downloads only for those allowed, public verification, and the coordinator's page."""
import io
import zipfile

import pytest
from sqlalchemy import select

from lms.certificates import service
from lms.certificates.codes import display
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.conftest import log_in
from tests.factories import make_organisation, make_user

EN = {"Accept-Language": "en"}


def client_for(app, user):
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def test_the_owner_finds_and_downloads_the_certificate(app, issued):
    owner = client_for(app, issued.user)
    page = owner.get("/my/certificates").text
    assert "Styrelsearbete i ideella föreningar" in page and display(issued.code) in page
    assert "Digitalt intyg för andra system (Open Badge)" in page and "JSON-LD" not in page, "plain words"
    response = owner.get(f"/certificates/{issued.id}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    badge = owner.get(f"/certificates/{issued.id}/badge.json")
    assert badge.json["credentialSubject"]["name"] == "Anna Berg"


def test_only_the_owner_their_organisation_contact_and_coordinators_may_download(app, setting, issued):
    other_learner = make_user()
    own_contact = make_user(roles=["organisation_contact"], organisation=setting.organisation)
    other_contact = make_user(roles=["organisation_contact"], organisation=make_organisation("Annan förening"))
    coordinator = make_user(roles=["coordinator"])
    db.session.commit()
    path = f"/certificates/{issued.id}/pdf"
    assert client_for(app, other_learner).get(path).status_code == 404
    assert client_for(app, other_contact).get(path).status_code == 404
    assert client_for(app, setting.trainer).get(path).status_code == 404
    assert client_for(app, own_contact).get(path).status_code == 200
    assert client_for(app, coordinator).get(path).status_code == 200
    assert app.test_client().get(path).status_code == 302, "anonymous visitors are asked to log in"


def test_a_revoked_certificate_is_not_downloadable_by_its_owner(app, issued):
    service.revoke_certificate(issued, "Misstag", issued.user_id, AFTER_THE_CYCLE)
    db.session.commit()
    owner = client_for(app, issued.user)
    assert owner.get(f"/certificates/{issued.id}/pdf").status_code == 404
    assert "Misstag" in owner.get("/my/certificates").text


def test_verification_says_valid_revoked_or_unknown_without_log_in(client, issued):
    valid = client.get(f"/verify/{display(issued.code).lower()}", headers=EN)
    assert valid.status_code == 200
    assert "Valid" in valid.text and "Anna Berg" in valid.text and "Styrelsearbete i ideella föreningar" in valid.text
    assert issued.user.email not in valid.text, "shows only what is needed"
    unknown = client.get("/verify/ABCD-EFGH-JKMN-P", headers=EN)
    assert unknown.status_code == 404 and "No certificate has the code" in unknown.text
    service.revoke_certificate(issued, "Misstag", issued.user_id, AFTER_THE_CYCLE)
    db.session.commit()
    revoked = client.get(f"/verify/{issued.code}", headers=EN)
    assert "Revoked" in revoked.text and "no longer valid" in revoked.text
    assert "Reason: Misstag" in revoked.text, "says why (the form tells the coordinator it is public)"


def test_the_verify_form_leads_to_the_code(client, issued):
    response = client.get("/verify", query_string={"code": display(issued.code)})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{display(issued.code)}"
    assert client.get("/verify").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_VERIFY_RATE_LIMIT="3 per minute")
def test_verification_is_rate_limited(client, issued):
    statuses = [client.get("/verify/ABCD-EFGH-JKMN-P").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_VERIFY_RATE_LIMIT="1 per 20 minutes")
def test_the_rate_limit_page_says_the_real_wait(client, issued):
    client.get("/verify/ABCD-EFGH-JKMN-P")
    refused = client.get("/verify/ABCD-EFGH-JKMN-P", headers={"Accept-Language": "sv"})
    assert refused.status_code == 429 and 19 * 60 < int(refused.headers["Retry-After"]) <= 20 * 60
    assert "Försök igen om 20 minuter." in refused.text and "Vänta en minut" not in refused.text


def test_the_coordinator_issues_by_hand_revokes_and_downloads_a_zip(app, setting, coordinator_client):
    setting.enrol("Klar Person", attended=5)
    exception = setting.enrol("Undantag Person", attended=2)
    db.session.commit()
    cycle_id = setting.cycle.id
    page = coordinator_client.get(f"/cycles/{cycle_id}/certificates", headers=EN).text
    assert "Klar Person" in page and "the attendance minimum is not reached yet" in page
    coordinator_client.post(f"/cycles/{cycle_id}/certificates/issue-all")
    assert len(db.session.execute(select(Certificate)).scalars().all()) == 1
    refused = coordinator_client.post(f"/cycles/{cycle_id}/certificates/issue",
                                      data={"user_id": exception.id, "reason": ""})
    assert refused.status_code == 302 and len(db.session.execute(select(Certificate)).scalars().all()) == 1
    coordinator_client.post(f"/cycles/{cycle_id}/certificates/issue",
                            data={"user_id": exception.id, "reason": "Närvaro i vårens omgång"})
    manual = db.session.execute(select(Certificate).where(Certificate.user_id == exception.id)).scalar_one()
    assert manual.issue_reason == "Närvaro i vårens omgång"
    archive = zipfile.ZipFile(io.BytesIO(coordinator_client.get(f"/cycles/{cycle_id}/certificates.zip").data))
    assert len(archive.namelist()) == 2
    coordinator_client.post(f"/certificates/{manual.id}/revoke", data={"reason": "Fel omgång"})
    db.session.expire_all()
    assert manual.revoked
    archive = zipfile.ZipFile(io.BytesIO(coordinator_client.get(f"/cycles/{cycle_id}/certificates.zip").data))
    assert len(archive.namelist()) == 1


def test_learners_and_trainers_cannot_issue_or_revoke(app, setting, issued, learner_client, trainer_client):
    for client in (learner_client, trainer_client):
        assert client.get(f"/cycles/{setting.cycle.id}/certificates").status_code == 403
        assert client.post(f"/cycles/{setting.cycle.id}/certificates/issue-all").status_code == 403
        assert client.post(f"/certificates/{issued.id}/revoke", data={"reason": "x"}).status_code == 403
    assert not issued.revoked


def test_coordinator_posts_need_a_csrf_token(app, setting, issued, coordinator_client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert coordinator_client.post(f"/certificates/{issued.id}/revoke", data={"reason": "x"}).status_code == 400
    assert coordinator_client.post(f"/cycles/{setting.cycle.id}/certificates/issue-all").status_code == 400
    db.session.expire_all()
    assert not issued.revoked


def _yearly(setting, *, issued_days_ago: int, renew: bool = False):
    """A certificate of a yearly course, issued `issued_days_ago` days before today."""
    from datetime import timedelta

    from lms.db_types import utcnow

    setting.course.validity = {"months": 12, "window_days": 60, "expiry_from": "completion", "renewed_by": "course"}
    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, utcnow() - timedelta(days=issued_days_ago))
    db.session.commit()
    return certificate


@pytest.mark.parametrize("days_ago, verdict, valid", [
    (10, "Valid</strong>", True), (330, "Valid, expiring soon", True), (400, "Expired", False)])
def test_verification_shows_until_when_a_certificate_is_valid(client, setting, days_ago, verdict, valid):
    certificate = _yearly(setting, issued_days_ago=days_ago)
    page = client.get(f"/verify/{certificate.code}", headers=EN).text
    assert verdict in page and "valid until" in page.lower() or "was valid until" in page
    body = client.get(f"/api/v1/certificates/{certificate.code}").json
    assert body["valid"] is valid and body["valid_until"] is not None
    assert body["status"] == {True: "expiring_soon" if days_ago == 330 else "valid", False: "expired"}[valid]


def test_a_revoked_certificate_gives_its_reason_in_the_json_too(client, setting):
    certificate = _yearly(setting, issued_days_ago=10)
    service.revoke_certificate(certificate, "Fel namn på intyget.", None, certificate.issued_at)
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{certificate.code}").json
    assert body["status"] == "revoked" and body["revoke_reason"] == "Fel namn på intyget." and body["valid"] is False
