"""The start page and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

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
    """JSON for load balancers and monitors: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
