"""Signed attendance through HTTP: the trainer's device passed round, the learner's own phone after
checking in, the PDFs, the cycle's setting; who may do what, and CSRF."""
import pytest
from sqlalchemy import select

from lms.attendance import service, signatures
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import AttendanceMethod, AttendanceStatus
from lms.attendance.signature_models import AttendanceSignature, SignatureDevice
from lms.extensions import db
from tests.attendance.conftest import BEFORE, FIRST_START, enrol_at, minutes
from tests.attendance.test_routes import EN, client_for, client_with_csrf
from tests.attendance.signed_pdf import pdf_text, signature_ink
from tests.conftest import TEST_SECRET_KEY
from tests.factories import make_user

DRAWING = '<svg><path d="M20 150 L80 40 L140 150 L200 60 L260 140"/></svg>'


@pytest.fixture
def at(monkeypatch):
    def freeze(moment):
        for module in ("lms.attendance.routes", "lms.attendance.checkin_routes", "lms.attendance.signature_routes"):
            monkeypatch.setattr(f"{module}._now", lambda: moment)
    return freeze


@pytest.fixture
def signed(setup):
    """Signatures on; A present, B late, C absent."""
    signatures.set_signatures_required(setup.cycle, True, actor_id=None, now=FIRST_START - minutes(600))
    for learner, status in zip(setup.learners, (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT)):
        service.record_attendance(setup.first, learner.id, status, method=AttendanceMethod.ROLL_CALL,
                                  actor_id=setup.trainer.id, now=FIRST_START)
    db.session.commit()
    return setup


@pytest.fixture
def trainer(app, setup):
    return client_for(app, setup.trainer)


def page_url(setup, user=None):
    base = f"/attendance/sessions/{setup.first.id}/signatures"
    return f"{base}/{user.id}" if user else base


def kept(setup):
    return db.session.execute(select(AttendanceSignature).order_by(AttendanceSignature.id)).scalars().all()


def test_the_trainer_passes_the_device_round(signed, trainer, at):
    setup = signed
    at(FIRST_START + minutes(15))
    a, b, c = setup.learners
    page = trainer.get(page_url(setup), headers=EN).text
    assert "Pass this device round" in page and "Sign: <bdi>Deltagare A</bdi>" in page and "Sign: <bdi>Deltagare B</bdi>" in page
    assert "Deltagare C" not in page  # absent: nothing to sign
    assert "Signatures" in trainer.get(f"/attendance/sessions/{setup.first.id}", headers=EN).text
    form = trainer.get(page_url(setup, a), headers=EN).text
    assert "<canvas" in form and "js/signature.js" in form and "<script>" not in form
    response = trainer.post(page_url(setup, a), data={"drawing": DRAWING})
    assert response.status_code == 302 and response.headers["Location"] == page_url(setup)
    (signature,) = kept(setup)
    assert (signature.user_id, signature.captured_by_id, signature.device) == (a.id, setup.trainer.id,
                                                                             SignatureDevice.TRAINER)
    page = trainer.get(page_url(setup), headers=EN).text
    assert "Signed at" in page and "data:image/svg+xml;base64," in page and "Sign: <bdi>Deltagare A</bdi>" not in page


def test_refusals_are_shown_on_the_form(signed, trainer, at):
    setup = signed
    a, _b, c = setup.learners
    at(FIRST_START + minutes(15))
    response = trainer.post(page_url(setup, a), data={"drawing": "<svg></svg>"}, headers=EN)
    assert response.status_code == 422 and "Draw your signature in the box first." in response.text
    response = trainer.post(page_url(setup, c), data={"drawing": DRAWING}, headers=EN)
    assert response.status_code == 422 and "Only a learner marked present or late can sign" in response.text
    at(FIRST_START + minutes(121))
    page = trainer.get(page_url(setup, a), headers=EN).text
    assert "Signing for this session closed at" in page and "<canvas" not in page
    assert trainer.post(page_url(setup, a), data={"drawing": DRAWING}).status_code == 422
    assert "Signing for this session closed at" in trainer.get(page_url(setup), headers=EN).text
    assert kept(setup) == []


def test_a_learner_checks_in_and_is_offered_to_sign_on_their_phone(app, signed, at):
    setup = signed
    learner = make_user(name="Deltagare D", locale="en")
    enrol_at(learner, setup.cycle, BEFORE)
    db.session.commit()
    phone = client_for(app, learner)
    at(FIRST_START + minutes(2))
    code = service.current_code(setup.first, TEST_SECRET_KEY, FIRST_START + minutes(2), CheckinSettings())[0]
    response = phone.post("/checkin", data={"code": code}, headers=EN)
    sign_url = f"/attendance/sessions/{setup.first.id}/sign"
    assert response.status_code == 302 and response.headers["Location"] == sign_url
    page = phone.get(sign_url, headers=EN).text
    assert "Now sign your attendance" in page and "<canvas" in page
    assert phone.post(sign_url, data={"drawing": DRAWING}).headers["Location"] == "/my/attendance"
    (signature,) = kept(setup)
    assert (signature.user_id, signature.captured_by_id, signature.device) == (learner.id, learner.id,
                                                                             SignatureDevice.LEARNER)
    assert "already signed" in phone.get(sign_url, headers=EN).text


def test_without_signatures_check_in_goes_on_as_before(setup, app, at):
    phone = client_for(app, setup.learners[0])
    at(FIRST_START + minutes(2))
    code = service.current_code(setup.first, TEST_SECRET_KEY, FIRST_START + minutes(2), CheckinSettings())[0]
    assert phone.post("/checkin", data={"code": code}).headers["Location"] == "/my/attendance"


def test_the_pdfs_show_the_signatures(signed, trainer, at):
    setup = signed
    at(FIRST_START + minutes(15))
    trainer.post(page_url(setup, setup.learners[0]), data={"drawing": DRAWING})
    signed_pdf = trainer.get(f"/attendance/sessions/{setup.first.id}/signed-attendance.pdf", headers=EN)
    sheet = trainer.get(f"/attendance/sessions/{setup.first.id}/sign-in-sheet.pdf", headers=EN)
    for response in (signed_pdf, sheet):
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(signed_pdf.data)
    assert "Signed attendance" in text and "Deltagare A" in text and "on the trainer's device" in text
    assert signature_ink(signed_pdf.data, "Deltagare", next_header="Signed") > 50  # A's row: the drawing
    assert "Deltagare A" in pdf_text(sheet.data)
    assert "18:15" in text  # signed at 17:15 UTC, shown in Stockholm time


def test_the_coordinator_turns_signed_attendance_on(app, setup):
    coordinator = client_for(app, make_user(roles=["coordinator"], locale="en"))
    db.session.commit()
    page = coordinator.get(f"/attendance/cycles/{setup.cycle.id}", headers=EN).text
    assert "Learners sign their attendance at each session" in page
    response = coordinator.post(f"/attendance/cycles/{setup.cycle.id}/signatures", data={"signatures_required": "y"})
    assert response.status_code == 302 and signatures.signatures_required(setup.cycle.id)
    coordinator.post(f"/attendance/cycles/{setup.cycle.id}/signatures", data={})
    assert not signatures.signatures_required(setup.cycle.id)


def test_who_may_do_what(app, signed, trainer, trainer_client, learner_client, at):
    setup = signed
    at(FIRST_START + minutes(15))
    a, b, _c = setup.learners
    own = client_for(app, a)
    first = setup.first.id
    for client in (trainer_client,):  # a trainer of another course
        assert client.get(page_url(setup)).status_code == 403
        assert client.get(page_url(setup, a)).status_code == 403
        assert client.post(page_url(setup, a), data={"drawing": DRAWING}).status_code == 403
        assert client.get(f"/attendance/sessions/{first}/signed-attendance.pdf").status_code == 403
        assert client.post(f"/attendance/cycles/{setup.cycle.id}/signatures", data={}).status_code == 403
    assert learner_client.get(f"/attendance/sessions/{first}/sign").status_code == 403  # another learner
    assert learner_client.post(f"/attendance/sessions/{first}/sign", data={"drawing": DRAWING}).status_code == 403
    for path in (page_url(setup), page_url(setup, b), f"/attendance/sessions/{first}/signed-attendance.pdf"):
        assert own.get(path).status_code == 403  # a learner of the cycle: not the trainer's pages
    assert own.post(page_url(setup, b), data={"drawing": DRAWING}).status_code == 403
    stranger = make_user()
    db.session.commit()
    assert trainer.get(page_url(setup, stranger)).status_code == 404  # not on the roster
    assert kept(setup) == []


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_the_signature_forms_need_the_csrf_token(app, signed, at):
    setup = signed
    at(FIRST_START + minutes(15))
    coordinator = client_with_csrf(app, make_user(roles=["coordinator"]))
    learner = client_with_csrf(app, setup.learners[0])
    first = setup.first.id
    for client, path, data in [
        (coordinator, page_url(setup, setup.learners[0]), {"drawing": DRAWING}),
        (coordinator, f"/attendance/cycles/{setup.cycle.id}/signatures", {}),
        (learner, f"/attendance/sessions/{first}/sign", {"drawing": DRAWING}),
    ]:
        assert client.post(path, data=data).status_code == 400, path
    assert kept(setup) == []
    assert signatures.signatures_required(setup.cycle.id)


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_CHECKIN_RATE_LIMIT="3 per minute")
def test_a_learner_signing_on_their_phone_is_rate_limited(app, signed, at):
    setup = signed
    at(FIRST_START + minutes(15))
    phone = client_for(app, setup.learners[0])
    sign_url = f"/attendance/sessions/{setup.first.id}/sign"
    tries = [phone.post(sign_url, data={"drawing": "<svg/>"}).status_code for _ in range(4)]
    assert tries == [422, 422, 422, 429]
