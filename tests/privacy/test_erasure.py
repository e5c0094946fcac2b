"""Erasure by anonymisation: the whole database forgets the person, the statistics stay."""
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lms.enrolment.offers import open_offer_of
from lms.attendance.models import Attendance
from lms.audit.service import record_event
from lms.auth.models import LoginSession, User
from lms.auth.service import start_login_session
from lms.catalog.models import ModuleProgress
from lms.catalog.service import mark_module_done
from lms.certificates.models import Certificate
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import CalendarFeed, Notification, OutboxMessage
from lms.notifications.outbox import Email, insert_once, queue_email
from lms.privacy.erasure import ANONYMOUS_NAME, ErasureError, erase_user, placeholder_email
from lms.privacy.models import ErasureRequest, ErasureStatus
from lms.privacy.service import request_erasure, send_feedback
from lms.reports.service import Period, organisation_report
from tests.reports.conftest import NOW, center  # noqa: F401  (the fixture)

EVERYTHING = Period(date(2029, 1, 1), date(2030, 12, 31))


def leave_traces(center):
    """Write the learner's name and e-mail everywhere a real center would."""
    learner, other = center.learners[1], center.learners[2]
    name, email = learner.name, learner.email
    start_login_session(learner, "Mozilla/5.0 (Anna's phone)")
    db.session.add(CalendarFeed(user_id=learner.id, nonce="n" * 64, token_hash="t" * 64))
    queue_email(Email(recipient=email, subject=f"Hej {name}", text=f"Hej {name}, välkommen."),
                kind="reminder", dedupe_key="r:1", user_id=learner.id, now=NOW)
    queue_email(Email(recipient=other.email, subject="Kurskamrat", text=f"{name} ({email}) delar din grupp."),
                kind="reminder", dedupe_key="r:2", user_id=other.id, now=NOW)
    insert_once(Notification, dict(user_id=learner.id, kind="reminder", dedupe_key="r:1", title=f"Hej {name}",
                                   link="/x", created_at=NOW))
    note = db.session.execute(select(Attendance).where(Attendance.user_id == learner.id)).scalars().first()
    note.note = f"{name} ringde: sjuk"
    record_event(None, "user.renamed", "user", learner.id, name=name, email=email)
    record_event(None, "note", "cycle", center.a.id, text=f"Pratade med {name.upper()} om {email}")
    mark_module_done(learner.id, center.board_course.modules[0])
    send_feedback(message=f"Jag heter {name} och sidan fungerar inte", name=name, email=email, page="/",
                  user_id=learner.id, now=NOW)
    request_erasure(learner.id, now=NOW)
    db.session.commit()
    return name, email


def scan_database(*needles: str) -> list[str]:
    """Every text and JSON value of every table that still contains one of `needles`."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row):
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, sa.JSON) else (value or "")
                if any(needle.lower() in str(text).lower() for needle in needles):
                    found.append(f"{table.name}.{column.name}: {text[:80]}")
    return found


def totals(center):
    report = organisation_report(None, EVERYTHING, NOW)
    counts = {model.__name__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
              for model in (Attendance, ModuleProgress, Certificate, Enrolment)}
    # (not the number of seats: the erased learner's running seat goes to the wait-list)
    return (report.total.attended, report.total.counted, report.total.completed, report.total.certificates,
            report.members, counts)


def test_after_erasure_no_table_holds_the_name_or_the_email(center):
    name, email = leave_traces(center)
    assert len(scan_database(name, email)) >= 10  # the scan does see the traces
    before = totals(center)
    erase_user(center.learners[1].id, actor_id=None, now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert scan_database(name, email) == []
    assert totals(center) == before


def test_the_account_is_anonymised_and_every_credential_is_gone(center):
    leave_traces(center)
    learner_id = center.learners[1].id
    erase_user(learner_id, actor_id=None, now=NOW)
    db.session.commit()
    user = db.session.get(User, learner_id)
    assert (user.name, user.email, user.password_hash, user.active) == (ANONYMOUS_NAME, placeholder_email(learner_id), None, False)
    assert user.anonymised_at == NOW and not user.is_active
    assert user.organisation_id == center.org1.id  # the organisation's figures keep the participation
    for model in (LoginSession, CalendarFeed, Notification):
        assert db.session.execute(select(func.count()).select_from(model).where(model.user_id == learner_id)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.user_id == learner_id)).scalar_one() == 0
    request = db.session.execute(select(ErasureRequest)).scalar_one()
    assert request.status is ErasureStatus.DONE


def test_running_seats_are_given_up(center):
    erase_user(center.learners[1].id, actor_id=None, now=NOW)
    db.session.commit()
    statuses = dict(db.session.execute(select(Enrolment.user_id, Enrolment.status)
                                       .where(Enrolment.cycle_id == center.a.id)).all())
    assert statuses[center.learners[1].id] is EnrolmentStatus.WITHDRAWN
    waiting = db.session.execute(select(Enrolment.id).where(Enrolment.cycle_id == center.a.id,
                                                            Enrolment.user_id == center.learners[4].id)).scalar_one()
    assert statuses[center.learners[4].id] is EnrolmentStatus.WAITLISTED
    assert open_offer_of(waiting) is None  # the cycle has begun: no seat is offered from the wait-list any more
    assert center.a.seats_taken == 2
    finished = db.session.execute(select(Enrolment.status).where(
        Enrolment.cycle_id == center.d.id, Enrolment.user_id == center.learners[1].id)).scalar_one()
    assert finished is EnrolmentStatus.COMPLETED


def test_a_namesake_keeps_their_name(center):
    namesake = center.learners[2]
    namesake.name = center.learners[1].name
    db.session.commit()
    erase_user(center.learners[1].id, actor_id=None, now=NOW)
    db.session.commit()
    assert db.session.get(User, namesake.id).name == "Lärande 1"


def test_a_certificate_stays_valid_with_the_name_withheld(app, center):
    certificate = db.session.execute(select(Certificate).where(Certificate.user_id == center.learners[1].id)).scalar_one()
    erase_user(center.learners[1].id, actor_id=None, now=NOW)
    db.session.commit()
    page = app.test_client().get(f"/verify/{certificate.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Lärande 1" not in html
    assert "holder" in html or "innehavarens" in html


def test_an_erased_account_cannot_be_erased_again(center):
    erase_user(center.learners[1].id, actor_id=None, now=NOW)
    with pytest.raises(ErasureError):
        erase_user(center.learners[1].id, actor_id=None, now=NOW + timedelta(days=1))
