"""docs/api_example.py, step by step against a live server: plan, enrol, roll call, verify.

Between the roll call and the verification, the certificate sweep runs as the scheduler would.
"""
import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.certificates.sweep import sweep
from lms.db_types import utcnow
from lms.extensions import db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "api_example.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("api_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_script_with_a_token_plans_enrols_takes_the_roll_call_and_verifies(example, live_api):
    api = example.Api(live_api.url, live_api.secrets["coordinator"])
    trainer_id, _ = live_api.people["trainer"]
    cycle = example.plan_cycle(api, "styrelsearbete", trainer_id, "Drop-in")
    assert cycle["status"] == "published" and cycle["enrolment_open"] is True

    emails = [live_api.people[name][1] for name in ("anna", "ali")]
    enrolments = example.enrol_people(api, cycle["id"], emails)
    assert [e["status"] for e in enrolments] == ["enrolled", "enrolled"]

    records = example.take_roll_call(api, cycle["id"])
    assert sorted(r["user_id"] for r in records) == sorted(live_api.people[n][0] for n in ("anna", "ali"))
    assert {r["status"] for r in records} == {"present"}

    with live_api.app.app_context():
        sweep(utcnow())  # the scheduler's completion check
        db.session.commit()
        codes = db.session.execute(select(Certificate.code).where(Certificate.cycle_id == cycle["id"])).scalars().all()
    assert len(codes) == 2
    verdict = example.verify_certificate(api, codes[0])
    assert verdict["valid"] is True and verdict["status"] == "valid"
    assert verdict["learner_name"] in ("Anna", "Ali") and verdict["course_title"].startswith("Kurs")


def test_a_refused_request_stops_the_script_with_the_problem(example, live_api):
    api = example.Api(live_api.url, "kc_" + "x" * 43)
    with pytest.raises(SystemExit, match="401"):
        example.plan_cycle(api, "styrelsearbete", 1, "x")
