"""`lms doctor`: seats against enrolments, reported per cycle and repaired with --repair."""
from datetime import date, datetime, timezone

from sqlalchemy import update

from lms.audit.models import AuditEvent
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning.models import Cycle
from tests.factories import make_cycle, make_user
from tests.seats import assert_no_seat_drift

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)


def _drifted_cycle() -> Cycle:
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=3, now=NOW)
    enrol(make_user().id, cycle, now=NOW)
    db.session.execute(update(Cycle).where(Cycle.id == cycle.id).values(seats_taken=3))
    db.session.commit()
    return cycle


def test_doctor_reports_no_drift_when_seats_match(app, runner):
    cycle = make_cycle(first_date=date(2027, 3, 2), capacity=3, now=NOW)
    enrol(make_user().id, cycle, now=NOW)
    db.session.commit()
    result = runner.invoke(args=["lms", "doctor"])
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def test_doctor_reports_a_drifted_cycle_and_fails(app, runner):
    cycle = _drifted_cycle()
    result = runner.invoke(args=["lms", "doctor"])
    assert result.exit_code == 1
    assert f"cycle {cycle.id} ({cycle.title}): seats_taken=3, holding a seat=1" in result.output
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).seats_taken == 3  # reported, not changed


def test_doctor_repair_sets_the_count_and_records_it(app, runner):
    cycle = _drifted_cycle()
    result = runner.invoke(args=["lms", "doctor", "--repair"])
    assert result.exit_code == 0, result.output
    assert "repaired to 1" in result.output
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).seats_taken == 1
    assert db.session.query(AuditEvent).filter_by(action="cycle.seats_repaired").count() == 1
    assert_no_seat_drift()
    assert "No drift" in runner.invoke(args=["lms", "doctor"]).output
