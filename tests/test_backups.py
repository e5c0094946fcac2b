"""`lms backup` then `lms restore` brings back every row of every table."""
import shutil

from sqlalchemy import delete, select, text

from lms.auth.models import Organisation, User
from lms.extensions import db
from tests.conftest import need
from tests.factories import make_course, make_organisation, make_user


def _every_row() -> dict[str, list[tuple]]:
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            order = [column for column in table.primary_key.columns] or list(table.columns)
            result = connection.execute(select(table).order_by(*order))
            rows[table.name] = [tuple(str(value) for value in row) for row in result]
    return rows


def test_backup_and_restore_round_trip(app, runner, tmp_path, database_url):
    if database_url.startswith("postgresql"):
        need(shutil.which("pg_dump") is not None, "PostgreSQL backups need pg_dump (postgresql-client)")
    organisation = make_organisation("Fosie Matkasse")
    make_user("anna@example.org", organisation=organisation)
    make_course("styrelsearbete")
    db.session.commit()
    before = _every_row()
    target = tmp_path / "backup.bin"
    result = runner.invoke(args=["lms", "backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    db.session.execute(delete(User).where(User.email == "anna@example.org"))
    db.session.add(Organisation(name="Tillkommen efter backupen"))
    db.session.commit()
    assert _every_row() != before

    refused = runner.invoke(args=["lms", "restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["lms", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _every_row() == before
    db.session.execute(text("SELECT 1"))
