"""My data, self-service erasure, the admins' tools, the accessibility statement and feedback."""
import json

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.privacy.models import ErasureRequest, ErasureStatus, FeedbackMessage
from tests.conftest import log_in
from tests.factories import DEFAULT_PASSWORD
from tests.reports.conftest import center  # noqa: F401  (the fixture)


@pytest.fixture
def learner(app, center):
    client = app.test_client()
    assert log_in(client, center.learners[1].email).status_code == 302
    client.user = center.learners[1]
    return client


def test_a_learner_downloads_their_own_data_and_nobody_elses(learner, center):
    response = learner.get("/my/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"][0]["email"] == "larande1@example.org"
    assert "password_hash" not in data["account"][0]
    assert len(data["attendance"]) == 6  # four sessions of A, two of D
    assert {row["cycle"] for row in data["enrolments"]} == {"Vintern 2030", "December 2029"}
    assert data["certificates"][0]["snapshot"]["learner_name"] == "Lärande 1"
    assert all(row.get("token_hash") is None for row in data["login_sessions"])
    text = response.get_data(as_text=True)
    assert "larande2@example.org" not in text and "Lärande 3" not in text


def test_the_readable_page_shows_the_same_sections(learner):
    html = learner.get("/my/data").get_data(as_text=True)
    for heading in ("Account", "Enrolments", "Attendance", "Certificates", "Audit log entries by you or about you"):
        assert heading in html
    assert "Erase my account" in html


def test_a_learner_erases_their_account_with_their_password(app, learner, center):
    wrong = learner.post("/my/data/erase", data={"password": "not it at all", "understood": "y"})
    assert wrong.status_code == 302 and db.session.get(User, center.learners[1].id).anonymised_at is None
    unticked = learner.post("/my/data/erase", data={"password": DEFAULT_PASSWORD})
    assert unticked.status_code == 302 and db.session.get(User, center.learners[1].id).anonymised_at is None
    done = learner.post("/my/data/erase", data={"password": DEFAULT_PASSWORD, "understood": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, center.learners[1].id).anonymised_at is not None
    assert learner.get("/my/data").status_code == 302  # logged out for good
    assert log_in(app.test_client(), "larande1@example.org").status_code != 302


def test_staff_ask_an_admin_who_decides(app, admin_client, trainer_client):
    trainer = trainer_client.user
    page = trainer_client.get("/my/data").get_data(as_text=True)
    assert "Ask for my account to be erased" in page
    refused = trainer_client.post("/my/data/erase", data={"password": DEFAULT_PASSWORD, "understood": "y"})
    assert refused.status_code == 302 and db.session.get(User, trainer.id).anonymised_at is None
    trainer_client.post("/my/data/erasure-request")
    trainer_client.post("/my/data/erasure-request")  # a second click finds the first request
    requests = db.session.execute(select(ErasureRequest)).scalars().all()
    assert len(requests) == 1
    assert admin_client.post(f"/admin/privacy/requests/{requests[0].id}/decline", data={"reason": ""}).status_code == 302
    assert db.session.get(ErasureRequest, requests[0].id).status is ErasureStatus.PENDING
    admin_client.post(f"/admin/privacy/requests/{requests[0].id}/erase")
    db.session.expire_all()
    assert db.session.get(ErasureRequest, requests[0].id).status is ErasureStatus.DONE
    assert db.session.get(User, trainer.id).anonymised_at is not None


def test_an_admin_exports_a_persons_data_and_it_is_audited(admin_client, center):
    learner_id = center.learners[2].id
    assert admin_client.get("/admin/privacy", query_string={"q": "larande2"}).status_code == 200
    page = admin_client.get(f"/admin/privacy/users/{learner_id}")
    assert page.status_code == 200 and "larande2@example.org" in page.get_data(as_text=True)
    export = admin_client.get(f"/admin/privacy/users/{learner_id}/data.json")
    assert json.loads(export.data)["account"][0]["id"] == learner_id
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == learner_id)).all()
    assert ("privacy.viewed", admin_client.user.id) in actions and ("privacy.exported", admin_client.user.id) in actions


def test_an_admin_erases_an_account_after_typing_its_address(admin_client, center):
    learner_id = center.learners[2].id
    admin_client.post(f"/admin/privacy/users/{learner_id}/erase", data={"confirm_email": "wrong@example.org"})
    assert db.session.get(User, learner_id).anonymised_at is None
    admin_client.post(f"/admin/privacy/users/{learner_id}/erase", data={"confirm_email": "larande2@example.org"})
    db.session.expire_all()
    assert db.session.get(User, learner_id).anonymised_at is not None
    own = admin_client.post(f"/admin/privacy/users/{admin_client.user.id}/erase",
                            data={"confirm_email": admin_client.user.email})
    assert own.status_code == 302 and db.session.get(User, admin_client.user.id).anonymised_at is None


def test_the_admin_pages_are_for_admins(app, learner_client, coordinator_client, center):
    for client in (learner_client, coordinator_client):
        assert client.get("/admin/privacy").status_code == 403
        assert client.get(f"/admin/privacy/users/{center.learners[1].id}").status_code == 403
        assert client.get(f"/admin/privacy/users/{center.learners[1].id}/data.json").status_code == 403
        assert client.post(f"/admin/privacy/users/{center.learners[1].id}/erase",
                           data={"confirm_email": "larande1@example.org"}).status_code == 403
        assert client.get("/admin/feedback").status_code == 403
    assert db.session.get(User, center.learners[1].id).anonymised_at is None
    assert app.test_client().get("/my/data.json").status_code == 302


def test_the_accessibility_statement_and_the_privacy_notice_are_public(client):
    statement = client.get("/accessibility")
    assert statement.status_code == 200 and "WCAG" in statement.get_data(as_text=True)
    notice = client.get("/privacy")
    assert notice.status_code == 200
    assert "En förfrågan om konto raderas 90 dagar efter beslutet" in notice.get_data(as_text=True)
    assert 'href="/accessibility"' in client.get("/feedback").get_data(as_text=True)  # in every footer


def test_feedback_reaches_the_admins(client, admin_client):
    response = client.post("/feedback", data={"message": "The check-in page does not read well with NVDA.",
                                              "page": "/checkin", "email": "Besok@Example.org"})
    assert response.status_code == 302
    stored = db.session.execute(select(FeedbackMessage)).scalar_one()
    assert (stored.page, stored.email, stored.user_id) == ("/checkin", "besok@example.org", None)
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "feedback")).scalar_one()
    assert mail.recipient == admin_client.user.email and "NVDA" in mail.body_text
    listing = admin_client.get("/admin/feedback").get_data(as_text=True)
    assert "NVDA" in listing
    admin_client.post(f"/admin/feedback/{stored.id}/handled")
    db.session.expire_all()
    assert db.session.get(FeedbackMessage, stored.id).handled_at is not None


def test_empty_feedback_is_refused(client):
    page = client.post("/feedback", data={"message": ""})
    assert page.status_code == 200 and db.session.execute(select(FeedbackMessage)).first() is None


CSRF_FORMS = [
    ("/feedback", {"message": "Hej"}),
    ("/my/data/erase", {"password": DEFAULT_PASSWORD, "understood": "y"}),
    ("/my/data/erasure-request", {}),
    ("/admin/feedback/1/handled", {}),
]


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path, data", CSRF_FORMS)
def test_forms_need_the_csrf_token(app, path, data):
    from tests.factories import make_user

    person = make_user(roles=["learner", "admin"])
    db.session.add(FeedbackMessage(id=1, message="Hej"))
    db.session.commit()
    client = app.test_client()
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.post(path, data=data).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, person.id).anonymised_at is None
    assert db.session.execute(select(FeedbackMessage)).scalar_one().handled_at is None
    assert db.session.execute(select(ErasureRequest)).first() is None


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_FEEDBACK_RATE_LIMIT="2 per hour")
def test_feedback_is_rate_limited(client):
    codes = [client.post("/feedback", data={"message": f"Meddelande {n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_FEEDBACK_RATE_LIMIT="1 per 30 minutes")
def test_feedback_over_the_limit_keeps_the_message_and_says_the_wait(client):
    assert client.post("/feedback", data={"message": ""}).status_code == 200  # errors use up nothing
    assert client.post("/feedback", data={"message": "Första"}).status_code == 302
    refused = client.post("/feedback", data={"message": "Hissen är trasig igen"}, headers={"Accept-Language": "sv"})
    assert refused.status_code == 429 and "Hissen är trasig igen" in refused.text
    assert "Försök igen om 30 minuter." in refused.text


def test_a_user_with_a_name_and_email_prefills_feedback(learner_client):
    html = learner_client.get("/feedback").get_data(as_text=True)
    assert learner_client.user.email in html




def test_my_data_reads_in_the_persons_language_with_local_times(learner):
    """Column names and internal values are translated, times are in Europe/Stockholm."""
    from datetime import datetime, timezone

    from lms.attendance.models import Attendance
    user = db.session.get(User, learner.user.id)
    user.locale = "sv"
    record = db.session.execute(select(Attendance).where(Attendance.user_id == user.id)).scalars().first()
    record.recorded_at = datetime(2030, 1, 8, 17, 5, tzinfo=timezone.utc)  # 18:05 in Malmö
    db.session.commit()
    html = learner.get("/my/data").get_data(as_text=True)
    for english in ("recorded_at", ">recorded at<", ">session starts at<", ">user id<", ">roll_call<", ">pending<"):
        assert english not in html
    assert "Registrerad" in html and "8 jan. 2030 18:05" in html and "17:05" not in html
    assert "närvarokontroll" in html or "upprop" in html  # the roll call method, in Swedish
    download = json.loads(learner.get("/my/data.json").get_data(as_text=True))
    assert any(row["recorded_at"] == "2030-01-08T17:05:00+00:00" for row in download["attendance"])
