"""Drawn attendance signatures in the register: in the person's export, gone at erasure, and deleted
by the retention job after LMS_RETENTION_SIGNATURE_DAYS (the attendance records stay)."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.attendance import service, signatures
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.attendance.signature_models import AttendanceSignature, SignatureDevice
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.privacy.erasure import erase_user
from lms.privacy.retention import apply_retention
from tests.conftest import log_in
from tests.factories import make_cycle, make_user

BEFORE = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)
DRAWING = '<svg><path d="M10 10 L90 60 L150 20"/></svg>'


@pytest.fixture
def signed(app):
    """A learner who signed the first two sessions of a cycle (January 2030)."""
    trainer = make_user(roles=["trainer"])
    learner = make_user(name="Signe Signatur", locale="en")
    cycle = make_cycle(first_date=date(2030, 1, 8), weekdays=(1,), sessions=3, trainers=[trainer], now=BEFORE)
    enrol(learner.id, cycle, now=BEFORE, check_window=False, decided=True)
    signatures.set_signatures_required(cycle, True, actor_id=None, now=BEFORE)
    for session in cycle.sessions[:2]:
        service.record_attendance(session, learner.id, AttendanceStatus.PRESENT, method=AttendanceMethod.QR,
                                  actor_id=learner.id, now=session.starts_at)
        signatures.sign(session, learner.id, DRAWING, captured_by_id=learner.id, device=SignatureDevice.LEARNER,
                        now=session.starts_at + timedelta(minutes=3), settings=CheckinSettings())
    db.session.commit()
    learner.cycle = cycle
    return learner


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_learner_finds_their_signatures_in_their_data(app, signed):
    client = app.test_client()
    assert log_in(client, signed.email).status_code == 302
    data = json.loads(client.get("/my/data.json").data)
    assert len(data["attendance_signatures"]) == 2
    row = data["attendance_signatures"][0]
    assert row["device"] == "learner" and '<path d="M10 10 L90 60 L150 20"/>' in row["svg"]
    assert row["session_starts_at"].startswith("2030-01-08")
    assert not [r for r in data["other"] if r.get("table") == "attendance_signatures" and "svg" in r]
    page = client.get("/my/data", headers={"Accept-Language": "en"}).text
    assert "Attendance signatures" in page and "on their own phone" in page
    assert "your drawn signature (in the JSON download)" in page and "<path" not in page


def test_erasure_deletes_the_signatures_and_keeps_the_records(signed):
    erase_user(signed.id, actor_id=None, now=BEFORE + timedelta(days=400))
    db.session.commit()
    assert count(AttendanceSignature) == 0
    assert count(Attendance) == 2


@pytest.mark.config(LMS_RETENTION_SIGNATURE_DAYS=30)
def test_the_retention_job_deletes_signatures_of_old_sessions_only(signed):
    second = signed.cycle.sessions[1]
    report = apply_retention(second.starts_at + timedelta(days=29))
    assert report.signatures_deleted == 1  # the first session is more than 30 days old by then
    assert [s.session_id for s in db.session.execute(select(AttendanceSignature)).scalars()] == [second.id]
    assert count(Attendance) == 2


@pytest.mark.config(LMS_RETENTION_SIGNATURE_DAYS=0)
def test_zero_keeps_them(signed):
    assert apply_retention(datetime(2040, 1, 1, tzinfo=timezone.utc)).signatures_deleted == 0
