"""The schema: migrations match the models, datetimes are UTC-aware, SQLite is configured."""
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from lms import create_app
from lms.auth.models import Organisation, User
from lms.extensions import db
from tests.conftest import base_config
from tests.factories import make_user


def test_migrations_build_the_same_schema_as_the_models(fresh_database_url, tmp_path):
    app = create_app(base_config(fresh_database_url, tmp_path))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_naive_datetimes_are_refused(app):
    organisation = Organisation(name="Naiva föreningen", created_at=datetime(2026, 3, 29, 2, 30))
    db.session.add(organisation)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_datetimes_come_back_utc_aware(app):
    stockholm_summer = timezone(timedelta(hours=2))
    organisation = Organisation(
        name="Tidsföreningen", created_at=datetime(2026, 6, 1, 18, 0, tzinfo=stockholm_summer)
    )
    db.session.add(organisation)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.execute(select(Organisation.created_at)).scalar_one()
    assert stored == datetime(2026, 6, 1, 16, 0, tzinfo=timezone.utc)
    assert stored.utcoffset() == timedelta(0)


def test_email_is_unique_case_insensitively_in_the_database(app):
    make_user("anna@example.org")
    db.session.commit()
    db.session.add(User(email="Anna@Example.org", name="Anna igen"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(User(email="anna@example.org", name="Anna igen"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}", tmp_path))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()
