"""The seat-consistency check for tests: after any test that changes enrolments, nothing drifts."""
from lms.enrolment.consistency import seat_drift
from lms.extensions import db


def assert_no_seat_drift() -> None:
    """Every cycle's `seats_taken` equals its enrolments holding a seat (as `lms doctor` checks)."""
    db.session.expire_all()
    drift = seat_drift()
    assert drift == [], f"seats drifted: {drift}"
