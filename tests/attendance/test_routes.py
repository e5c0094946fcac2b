"""Every attendance page through HTTP: who may see and record what, check-in, exports, CSRF, limits."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.attendance import codes, service
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.extensions import db
from lms.planning.models import SessionStatus
from tests.attendance.conftest import FIRST_START, minutes
from tests.conftest import TEST_SECRET_KEY, log_in
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user

EN = {"Accept-Language": "en"}
FETCH = {"X-Requested-With": "fetch", "Accept": "application/json"}


@pytest.fixture
def at(monkeypatch):
    """Freeze the pages' clock: `at(moment)`."""
    def freeze(moment):
        for module in ("lms.attendance.routes", "lms.attendance.checkin_routes"):
            monkeypatch.setattr(f"{module}._now", lambda: moment)
    return freeze


def client_for(app, user):
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def client_with_csrf(app, user):
    """Log in the way a browser does when CSRF protection is on: with the log-in form's token."""
    client = app.test_client()
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


@pytest.fixture
def trainer(app, setup):
    return client_for(app, setup.trainer)


@pytest.fixture
def learner(app, setup):
    return client_for(app, setup.learners[0])


def roll_call_url(setup, user=None):
    base = f"/attendance/sessions/{setup.first.id}"
    return f"{base}/learners/{user.id}" if user else base


def status_of(setup, user, session=None):
    return db.session.execute(select(Attendance.status).where(
        Attendance.session_id == (session or setup.first).id, Attendance.user_id == user.id)).scalar_one_or_none()


# --- roll call -------------------------------------------------------------------------------

def test_the_trainer_takes_the_roll_call_one_tap_at_a_time(setup, trainer, at):
    at(FIRST_START)
    page = trainer.get(roll_call_url(setup)).text
    assert all(u.name in page for u in setup.learners) and "Mark all present" in page
    a, b, _ = setup.learners
    response = trainer.post(roll_call_url(setup, a), data={"status": "late", "note": "Buss"}, headers=FETCH)
    assert response.status_code == 200 and response.json["status"] == "late" and response.json["label"] == "late"
    response = trainer.post(roll_call_url(setup, b), data={"status": "excused"})  # without JavaScript
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#learner-{b.id}")
    assert (status_of(setup, a), status_of(setup, b)) == (AttendanceStatus.LATE, AttendanceStatus.EXCUSED)
    page = trainer.get(roll_call_url(setup)).text
    assert 'value="Buss"' in page and page.count(" checked>") == 2
    assert "Changes" in page


def test_mark_all_present_then_the_rest_is_kept(setup, trainer, at):
    at(FIRST_START + minutes(5))
    a, b, c = setup.learners
    trainer.post(roll_call_url(setup, b), data={"status": "absent"})
    assert trainer.post(f"/attendance/sessions/{setup.first.id}/all-present").status_code == 302
    assert [status_of(setup, u) for u in (a, b, c)] == [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT,
                                                        AttendanceStatus.PRESENT]


def test_a_refused_tap_says_why(setup, trainer, at):
    at(FIRST_START)
    stranger = make_user()
    db.session.commit()
    response = trainer.post(roll_call_url(setup, stranger), data={"status": "present"}, headers=FETCH)
    assert response.status_code == 409 and "not enrolled" in response.json["error"]
    response = trainer.post(roll_call_url(setup, setup.learners[0]), data={"status": "sleeping"}, headers=FETCH)
    assert response.status_code == 400


def test_a_refused_row_without_javascript_is_flashed_on_the_roll_call_and_nothing_is_kept(setup, trainer, at):
    at(FIRST_START)
    stranger = make_user()
    db.session.commit()
    response = trainer.post(roll_call_url(setup, stranger), data={"status": "present", "source": "paper"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/attendance/sessions/{setup.first.id}?source=paper")
    assert "not enrolled" in trainer.get(response.headers["Location"]).text
    assert db.session.execute(select(Attendance)).scalars().all() == []


def test_mark_all_present_at_a_cancelled_session_says_why_and_records_nobody(setup, trainer, at):
    at(FIRST_START)
    setup.first.status = SessionStatus.CANCELLED
    db.session.commit()
    response = trainer.post(f"/attendance/sessions/{setup.first.id}/all-present")
    assert response.status_code == 302 and response.headers["Location"] == roll_call_url(setup)
    assert "there is no attendance to take" in trainer.get(roll_call_url(setup)).text
    assert db.session.execute(select(Attendance)).scalars().all() == []


def test_paper_results_are_recorded_as_from_paper(setup, trainer, at):
    at(FIRST_START + timedelta(days=1))
    page = trainer.get(roll_call_url(setup) + "?source=paper").text
    assert 'name="source" value="paper"' in page
    trainer.post(roll_call_url(setup, setup.learners[0]), data={"status": "present", "source": "paper"})
    assert db.session.execute(select(Attendance.method)).scalar_one() is AttendanceMethod.PAPER


def test_a_trainer_of_another_cycle_is_refused_and_learners_cannot_record(setup, trainer_client, learner_client, learner):
    a = setup.learners[0]
    for client in (trainer_client,):
        assert client.get(roll_call_url(setup)).status_code == 403
        assert client.post(roll_call_url(setup, a), data={"status": "present"}).status_code == 403
        assert client.get(f"/attendance/sessions/{setup.first.id}/checkin").status_code == 403
        assert client.get(f"/attendance/cycles/{setup.cycle.id}").status_code == 403
    for client in (learner_client, learner):
        assert client.post(roll_call_url(setup, a), data={"status": "present"}).status_code == 403
        assert client.post(f"/attendance/sessions/{setup.first.id}/all-present").status_code == 403
        assert client.get(f"/attendance/sessions/{setup.first.id}/checkin/state").status_code == 403
    assert status_of(setup, a) is None


def test_unknown_sessions_and_cycles_are_404(setup, trainer, coordinator_client):
    for client in (trainer, coordinator_client):
        assert client.get("/attendance/sessions/999999").status_code == 404
        assert client.get("/attendance/cycles/999999").status_code == 404
        assert client.post("/attendance/sessions/999999/learners/1", data={"status": "present"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(setup, client):
    for path in ("/attendance/", roll_call_url(setup), "/my/attendance", "/checkin", "/attendance/at-risk"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_sign_in_sheet_is_a_pdf_with_the_learners(setup, trainer, trainer_client):
    response = trainer.get(f"/attendance/sessions/{setup.first.id}/sign-in-sheet.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert trainer_client.get(f"/attendance/sessions/{setup.first.id}/sign-in-sheet.pdf").status_code == 403


# --- the check-in screen and the learner's check-in -----------------------------------------

def current_code(setup, moment):
    return service.current_code(setup.first, TEST_SECRET_KEY, moment, CheckinSettings())[0]


def test_the_screen_shows_the_rotating_code_and_who_has_checked_in(setup, trainer, learner, at):
    at(FIRST_START - minutes(40))
    state = trainer.get(f"/attendance/sessions/{setup.first.id}/checkin/state", headers=EN).json
    assert state["window"] == "not_open" and state["code"] is None and "17:30" in state["message"]
    assert trainer.get(f"/attendance/sessions/{setup.first.id}/checkin/qr.svg").status_code == 404
    now = FIRST_START - minutes(2)
    at(now)
    state = trainer.get(f"/attendance/sessions/{setup.first.id}/checkin/state").json
    assert state["code"] == current_code(setup, now) and len(state["waiting"]) == 3
    svg = trainer.get(state["qr"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert learner.post("/checkin", data={"code": state["code"]}).status_code == 302
    state = trainer.get(f"/attendance/sessions/{setup.first.id}/checkin/state").json
    assert [p["name"] for p in state["checked_in"]] == ["Deltagare A"] and len(state["waiting"]) == 2
    page = trainer.get(f"/attendance/sessions/{setup.first.id}/checkin").text
    assert state["code"] in page and "Deltagare A" in page


def test_a_learner_checks_in_with_the_typed_code_and_sees_the_standing(setup, learner, at):
    now = FIRST_START + minutes(3)
    at(now)
    response = learner.post("/checkin", data={"code": current_code(setup, now)})
    assert response.headers["Location"] == "/my/attendance"
    page = learner.get("/my/attendance", headers=EN).text
    assert "You are checked in" in page and "Attended 1 of 1 session" in page
    assert "You cannot miss any more sessions" in page  # 4 sessions at 80 %: all four needed
    assert status_of(setup, setup.learners[0]) is AttendanceStatus.PRESENT


def test_honest_errors_for_wrong_expired_and_closed(setup, learner, at):
    now = FIRST_START
    code = current_code(setup, now)
    at(now + timedelta(seconds=90))
    response = learner.post("/checkin", data={"code": code})
    assert response.status_code == 422 and "This code has expired" in response.text
    response = learner.post("/checkin", data={"code": "12 34 5"})
    assert response.status_code == 422 and "This code is not right" in response.text
    at(now + minutes(61))
    response = learner.post("/checkin", data={"code": current_code(setup, now + minutes(61))})
    assert response.status_code == 422
    assert status_of(setup, setup.learners[0]) is None


def test_someone_outside_the_cycle_is_told_so(app, setup, at):
    outsider = client_for(app, make_user(name="Utanför", locale="en"))
    db.session.commit()
    at(FIRST_START)
    response = outsider.post("/checkin", data={"code": current_code(setup, FIRST_START)})
    assert response.status_code == 422 and "You are not enrolled in this cycle" in response.text


def test_a_scanned_qr_code_survives_the_log_in(app, setup, client, at):
    at(FIRST_START)
    scan = client.get(f"/checkin/{setup.first.id}/{current_code(setup, FIRST_START)}")
    assert scan.status_code == 302 and "/checkin/confirm/" in scan.headers["Location"]
    confirm = scan.headers["Location"]
    assert "/login" in client.get(confirm).headers["Location"]
    at(FIRST_START + minutes(2))  # typing the password took a while: the code has rotated since
    learner = client_for(app, setup.learners[1])
    assert "Check me in" in learner.get(confirm, headers=EN).text
    assert learner.post(confirm).headers["Location"] == "/my/attendance"
    record = db.session.execute(select(Attendance)).scalar_one()
    assert (record.user_id, record.method) == (setup.learners[1].id, AttendanceMethod.QR)
    at(FIRST_START + minutes(10))
    response = learner.post(confirm)
    assert response.headers["Location"] == "/checkin"  # the ticket is too old now


def test_an_expired_qr_code_or_forged_ticket_is_refused(setup, learner, at):
    at(FIRST_START + minutes(1))
    response = learner.get(f"/checkin/{setup.first.id}/{current_code(setup, FIRST_START)}", headers=EN)
    assert response.headers["Location"] == "/checkin"
    assert "expired" in learner.get("/checkin", headers=EN).text
    assert learner.get(f"/checkin/confirm/{setup.first.id}-1-deadbeef").status_code == 404


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_CHECKIN_RATE_LIMIT="3 per minute")
def test_check_in_attempts_are_rate_limited_per_person(app, setup, learner, at):
    at(FIRST_START)
    codes_tried = [learner.post("/checkin", data={"code": "000001"}).status_code for _ in range(4)]
    assert codes_tried == [422, 422, 422, 429]
    other = client_for(app, setup.learners[1])  # same address, another person: not blocked
    assert other.post("/checkin", data={"code": current_code(setup, FIRST_START)}).status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_attendance_form_needs_the_csrf_token(app, setup):
    coordinator_user = make_user(roles=["coordinator"])
    db.session.commit()
    coordinator = client_with_csrf(app, coordinator_user)
    learner = client_with_csrf(app, setup.learners[0])
    first = setup.first.id
    for client, path, data in [
        (coordinator, roll_call_url(setup, setup.learners[0]), {"status": "present"}),
        (coordinator, f"/attendance/sessions/{first}/all-present", {}),
        (coordinator, f"/attendance/sessions/{first}/personal", {"code": "1-00"}),
        (coordinator, f"/attendance/cycles/{setup.cycle.id}/policy", {"excused_policy": "absent"}),
        (learner, "/checkin", {"code": "123456"}),
        (learner, f"/checkin/confirm/{codes.make_ticket(TEST_SECRET_KEY, first, FIRST_START)}", {}),
    ]:
        assert client.post(path, data=data).status_code == 400, path
    assert db.session.execute(select(Attendance)).first() is None


# --- personal codes ----------------------------------------------------------------------------

def test_the_trainer_scans_a_learners_personal_code(setup, trainer, learner, at):
    schedule = learner.get("/my/schedule", headers=EN).text
    assert "My personal check-in code" in schedule
    personal = re.search(r"<code>([^<]+)</code>", schedule).group(1)
    assert learner.get("/my/checkin-code.svg").mimetype == "image/svg+xml"
    at(FIRST_START + minutes(1))
    page = trainer.get(f"/attendance/personal/{personal}", headers=EN).text
    assert "Check in Deltagare A" in page and f'/attendance/sessions/{setup.first.id}/personal' in page
    response = trainer.post(f"/attendance/sessions/{setup.first.id}/personal", data={"code": personal, "back": "session"})
    assert response.headers["Location"] == f"/attendance/sessions/{setup.first.id}"
    assert status_of(setup, setup.learners[0]) is AttendanceStatus.PRESENT
    trainer.post(f"/attendance/sessions/{setup.first.id}/personal", data={"code": "5-nonsense"})
    assert "This personal code is not valid" in trainer.get(f"/attendance/sessions/{setup.first.id}/checkin", headers=EN).text


# --- reports -----------------------------------------------------------------------------------

def record(setup, session, user, status, when=None):
    service.record_attendance(session, user.id, status, method=AttendanceMethod.ROLL_CALL,
                              actor_id=setup.trainer.id, now=when or session.starts_at)


def test_the_cycle_matrix_and_the_csv_agree_and_are_safe_in_a_spreadsheet(setup, trainer, at):
    a, b, c = setup.learners
    c.name = "=HYPERLINK(\"http://evil.example\",\"klicka\")"
    first, second = setup.sessions[:2]
    for user, status in ((a, AttendanceStatus.PRESENT), (b, AttendanceStatus.ABSENT), (c, AttendanceStatus.LATE)):
        record(setup, first, user, status)
    record(setup, second, a, AttendanceStatus.EXCUSED)
    db.session.commit()
    at(second.ends_at + minutes(1))
    page = trainer.get(f"/attendance/cycles/{setup.cycle.id}", headers=EN).text
    assert "Attendance per learner and session" in page and "unreachable" in page
    rows = list(csv.reader(io.StringIO(trainer.get(f"/attendance/cycles/{setup.cycle.id}.csv", headers=EN).text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "E-mail", "Organisation"] and rows[0][-3:] == ["Counted so far", "Rate (%)", "Can still miss"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Deltagare A"][3:5] == ["present", "excused"] and by_name["Deltagare A"][-3:] == ["1", "100.0", "0"]
    assert by_name["Deltagare B"][-2:] == ["0.0", "unreachable"]
    assert "'=HYPERLINK(\"http://evil.example\",\"klicka\")" in by_name


def test_an_organisation_contact_reads_only_their_own_members(app, setup, at):
    own = make_organisation("Egna föreningen")
    setup.learners[0].organisation_id = own.id
    contact = make_user(roles=["organisation_contact", "learner"], organisation=own, locale="en")
    db.session.commit()
    client = client_for(app, contact)
    page = client.get(f"/attendance/cycles/{setup.cycle.id}", headers=EN).text
    assert "Deltagare A" in page and "Deltagare B" not in page and "Save the rule" not in page
    page = client.get(roll_call_url(setup), headers=EN).text
    assert "Deltagare A" in page and "Deltagare B" not in page and 'type="radio"' not in page
    assert client.get(f"/attendance/learners/{setup.learners[0].id}").status_code == 200
    assert client.get(f"/attendance/learners/{setup.learners[1].id}").status_code == 403
    assert client.post(roll_call_url(setup, setup.learners[0]), data={"status": "present"}).status_code == 403
    csv_text = client.get(f"/attendance/cycles/{setup.cycle.id}.csv").text
    assert "Deltagare A" in csv_text and "Deltagare B" not in csv_text


def test_the_learner_page_for_staff(app, setup, trainer, trainer_client, coordinator_client, learner):
    path = f"/attendance/learners/{setup.learners[0].id}"
    assert "Attendance of Deltagare A" in trainer.get(path, headers=EN).text
    assert coordinator_client.get(path).status_code == 200
    assert trainer_client.get(path).status_code == 403  # teaches no cycle of this learner
    assert learner.get(f"/attendance/learners/{setup.learners[1].id}").status_code == 403


def test_the_coordinator_sets_how_excused_absences_count(setup, coordinator_client, trainer):
    path = f"/attendance/cycles/{setup.cycle.id}/policy"
    assert trainer.post(path, data={"excused_policy": "absent"}).status_code == 403
    assert coordinator_client.post(path, data={"excused_policy": "absent"}).status_code == 302
    assert service.excused_policy(setup.cycle.id) is ExcusedPolicy.ABSENT
    assert "Excused sessions count as missed" in coordinator_client.get(f"/attendance/cycles/{setup.cycle.id}", headers=EN).text


def test_learners_at_risk(setup, coordinator_client, trainer, trainer_client, at):
    a, b, _ = setup.learners
    record(setup, setup.first, a, AttendanceStatus.PRESENT)
    record(setup, setup.first, b, AttendanceStatus.ABSENT)
    db.session.commit()
    at(setup.first.ends_at + minutes(1))
    for client in (coordinator_client, trainer):
        page = client.get("/attendance/at-risk", headers=EN).text
        assert "Deltagare B" in page and "unreachable" in page
    assert "Deltagare B" not in trainer_client.get("/attendance/at-risk").text
    index = trainer.get("/attendance/", headers=EN).text
    assert f"/attendance/cycles/{setup.cycle.id}" in index


def test_my_attendance_when_not_enrolled(learner_client):
    assert "you are not enrolled in any cycle" in learner_client.get("/my/attendance", headers=EN).text


def test_the_waiting_list_keeps_everyone_who_has_not_come(setup, trainer, learner, at):
    """Users loaded fresh in a request have no log-in session; they must still be told apart."""
    at(FIRST_START - minutes(2))
    state_url = f"/attendance/sessions/{setup.first.id}/checkin/state"
    state = trainer.get(state_url).json
    assert learner.post("/checkin", data={"code": state["code"]}).status_code == 302
    db.session.expunge_all()  # as in production: a new request loads every learner afresh
    state = trainer.get(state_url).json
    assert [p["name"] for p in state["checked_in"]] == ["Deltagare A"]
    assert sorted(state["waiting"]) == ["Deltagare B", "Deltagare C"]


def test_users_are_the_same_person_only_by_primary_key(app):
    from lms.auth.models import User
    first, second = make_user(name="Ett"), make_user(name="Två")
    db.session.commit()
    first_id, second_id = first.id, second.id
    db.session.expunge_all()
    again = db.session.get(User, first_id)
    fresh = db.session.get(User, second_id)
    assert again != fresh and again not in [fresh] and len({again, fresh}) == 2
    db.session.expunge_all()
    assert db.session.get(User, first_id) == again and hash(db.session.get(User, first_id)) == hash(again)
    assert User(email="a@example.org", name="A") != User(email="b@example.org", name="B")


def test_a_note_saved_with_late_is_kept(setup, trainer, at):
    at(FIRST_START + minutes(10))
    learner = setup.learners[1]
    response = trainer.post(roll_call_url(setup, learner), data={"status": "late", "note": "Bussen var sen"}, headers=FETCH)
    assert response.status_code == 200, response.text
    db.session.expire_all()
    note = db.session.execute(select(Attendance.note).where(
        Attendance.session_id == setup.first.id, Attendance.user_id == learner.id)).scalar_one()
    assert note == "Bussen var sen"
    assert "Bussen var sen" in trainer.get(roll_call_url(setup)).text


def test_the_roll_call_of_a_session_not_started_says_why_and_offers_only_excused(setup, trainer, at):
    at(FIRST_START - timedelta(days=2))
    page = trainer.get(roll_call_url(setup), headers=EN).text
    assert "has not started yet" in page
    assert re.search(r'value="present"[^>]*disabled', page) and re.search(r'value="late"[^>]*disabled', page)
    assert not re.search(r'value="excused"[^>]*disabled', page)
    assert re.search(r'<button type="submit" class="button" disabled[^>]*>Mark all present', page)
    at(FIRST_START + minutes(5))
    page = trainer.get(roll_call_url(setup), headers=EN).text
    assert "has not started yet" not in page and not re.search(r'value="present"[^>]*disabled', page)


def test_the_trainers_session_page_links_to_the_roll_call_and_says_held_when_over(app, setup, trainer, monkeypatch):
    page = trainer.get(f"/my/sessions/{setup.first.id}", headers=EN).text
    assert f'href="/attendance/sessions/{setup.first.id}"' in page and "Roll call" in page
    assert "scheduled" in page and "held" not in page
    monkeypatch.setattr("lms.planning.models.utcnow", lambda: setup.first.ends_at + minutes(1))
    page = trainer.get(f"/my/sessions/{setup.first.id}", headers=EN).text
    assert "held" in page and "scheduled" not in page
    listing = trainer.get("/my/sessions", headers=EN).text
    assert "held" in listing and "scheduled" in listing  # the first is over, the others are ahead


def test_the_sign_in_sheet_writes_an_arabic_name_in_the_shipped_font(setup, trainer, tmp_path):
    from tests.certificates.test_scripts import ARABIC_NAME, _fonts, _pdftotext

    setup.learners[0].name = ARABIC_NAME
    db.session.commit()
    response = trainer.get(f"/attendance/sessions/{setup.first.id}/sign-in-sheet.pdf")
    assert response.status_code == 200
    assert any(font.startswith("Noto Naskh Arabic") for font in _fonts(response.data)), _fonts(response.data)
    assert ARABIC_NAME in _pdftotext(response.data, tmp_path)
