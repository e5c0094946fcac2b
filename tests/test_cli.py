"""The `lms` commands."""
import subprocess
import sys

from sqlalchemy import func, inspect, select

from lms import create_app
from lms.auth.models import Organisation, Role, User
from lms.demo import DEMO_PASSWORD
from lms.extensions import db
from tests.conftest import base_config, log_in


def test_init_db_runs_the_migrations_on_an_empty_database(fresh_database_url, tmp_path):
    app = create_app(base_config(fresh_database_url, tmp_path))
    result = app.test_cli_runner().invoke(args=["lms", "init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"users", "organisations", "user_roles", "login_sessions", "alembic_version"} <= tables


def test_create_user_with_several_roles(runner):
    result = runner.invoke(args=[
        "lms", "create-user", "--email", "Ny.Admin@Example.org", "--name", "Ny Admin",
        "--role", "admin", "--role", "coordinator", "--password", "en lång och ovanlig fras",
    ])
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "ny.admin@example.org")).scalar_one()
    assert user.roles == {Role.ADMIN, Role.COORDINATOR}


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(args=["lms", "create-user", "--email", "a@example.org", "--name", "A",
                                 "--password", "password123"])
    assert result.exit_code != 0 and "för vanligt" in result.output


def _counts():
    return (
        db.session.execute(select(func.count(User.id))).scalar_one(),
        db.session.execute(select(func.count(Organisation.id))).scalar_one(),
    )


def test_seed_demo_prints_logins_that_work_and_runs_twice_without_duplicates(app, runner):
    first = runner.invoke(args=["lms", "seed-demo"])
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    roles = [line.split()[0] for line in lines]
    assert roles == ["admin", "coordinator", "trainer", "organisation_contact", "learner"]
    counts = _counts()
    assert counts[1] == 10 and counts[0] >= 60 + 1 + 2 + 4
    for line in lines:
        role, email, password = line.split()
        assert password == DEMO_PASSWORD
        client = app.test_client()
        assert log_in(client, email, password).status_code == 302, line
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        assert Role(role) in user.roles
    second = runner.invoke(args=["lms", "seed-demo"])
    assert second.output == first.output
    assert _counts() == counts


def test_seed_demo_refuses_production(app, runner):
    app.config["LMS_MODE"] = "production"
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code != 0 and "production" in result.output


def test_the_console_script_lists_the_commands():
    result = subprocess.run([sys.executable, "-c", "from lms.cli import main; main()", "--help"],
                            capture_output=True, text=True, env={"LMS_MODE": "demo", "PATH": ""})
    assert result.returncode == 0, result.stderr
    for command in ("init-db", "create-user", "seed-demo"):
        assert command in result.stdout


def test_the_demo_dates_nothing_in_the_future(app, runner):
    """A demo request "an hour in the future" came from people acting after a cycle published "now"."""
    from lms.db_types import utcnow
    from lms.enrolment.models import Enrolment

    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    now = utcnow()
    stamps = db.session.execute(select(Enrolment.requested_at, Enrolment.enrolled_at, Enrolment.waitlisted_at,
                                       Enrolment.decided_at)).all()
    future = [row for row in stamps if any(t is not None and t > now for t in row)]
    assert stamps and not future, future
