"""The start page and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from lms.db_setup import SQLITE_BUSY_TIMEOUT_MS
from lms.db_types import utcnow
from lms.extensions import db, limiter

bp = Blueprint("core", __name__)


def _now():  # type: ignore[no-untyped-def]
    return utcnow()


@bp.get("/")
def index():
    """The start page: what needs the person now, by role; the public home page for visitors."""
    if current_user.is_authenticated:
        from lms.attendance.codes import CheckinSettings
        from lms.core.start import start_page

        now = _now()
        page = start_page(current_user, now, CheckinSettings.from_config(current_app.config))
        return render_template("core/start/index.html", page=page, now=now)
    from lms.signup.service import signup_mode, upcoming_offers

    return render_template("core/index.html", offers=upcoming_offers(utcnow()), signup_mode=signup_mode())


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """JSON for load balancers and monitors: 200 when the database answers and takes writes, else 503.

    The probes use a connection of their own, never the request's session: a probe that fails
    leaves nothing for the unit of work to commit or roll back, and no transaction stays open.
    """
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    if refuses_writes():
        return jsonify(status="error", database="read-only"), 503
    return jsonify(status="ok", database="ok")


#: a write that changes nothing, rolled back: refused by a read-only database (a PostgreSQL
#: standby or read-only transaction default, a SQLite file opened read-only)
WRITE_PROBE = text("UPDATE users SET id = id WHERE 1 = 0")


def refuses_writes() -> bool:
    """Whether the database answers but refuses to write; one rolled-back statement on its own connection.

    On SQLite the probe does not wait for another writer (busy_timeout 0 for it): "database is
    locked" means busy, not read-only.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as connection:
        try:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
            connection.execute(WRITE_PROBE)
        except DBAPIError as error:
            message = str(error.orig).lower()
            return "read-only" in message or "readonly" in message
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return False
