"""The installable, offline roll call: the service worker, the web app manifest, the list of pages
to keep on the device, and the endpoint that receives the marks queued there (lms/attendance/sync.py).

The worker is served at /attendance/sw.js and allowed the whole site as its scope, so that it
covers the attendance pages and the trainer's "My sessions" (/my/sessions); it and every script
are files under lms/static/js (the strict CSP allows no inline script).
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, jsonify, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from lms.attendance import queries, sync
from lms.attendance.blueprint import bp, checkin_settings, recordable_session, recorders
from lms.attendance.models import STATUS_LABELS
from lms.attendance.service import records_of
from lms.auth.models import Role
from lms.core.templating import fixed_url
from lms.db_types import utcnow

#: the files every kept page needs, besides the pages themselves
ASSETS = ("css/app.css", "js/app.js", "js/offline.js", "js/rollcall.js", "favicon.svg")


def _now() -> datetime:
    return utcnow()


@bp.get("/attendance/sw.js")
def service_worker():
    """The worker, from the app's own origin; no personal data in it, so anyone may fetch it."""
    response = send_from_directory(current_app.static_folder, "js/attendance-sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("core.index")
    return response


@bp.get("/attendance/manifest.webmanifest")
def manifest():
    """Fetched by the browser without cookies, so it holds nothing personal."""
    response = jsonify(
        name=_("Roll call · %(site)s", site=current_app.config["LMS_SITE_NAME"]), short_name=_("Roll call"),
        start_url=url_for("attendance.index"), scope=url_for("core.index"), display="standalone", background_color="#ffffff",
        theme_color="#1f4e79", lang=str(request.accept_languages.best_match(["sv", "en"]) or "sv"),
        icons=[{"src": fixed_url("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"}])
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/attendance/offline.json")
@recorders
def offline_list():
    """The pages the worker keeps on this device: the session lists and the roll calls of today
    and tomorrow of the cycles this person teaches, and the files they need."""
    cycles = queries.attendance_cycles(current_user, all_cycles=False)
    sessions = queries.sessions_today(cycles, _now(), days=2)
    lists = [url_for("attendance.index")] + ([url_for("planning.my_sessions")] if current_user.has_role(Role.TRAINER) else [])
    pages = lists + [url_for("attendance.session_page", session_id=s.id) for s in sessions if not s.cancelled]
    return jsonify(user=current_user.id, pages=pages,
                   assets=[fixed_url("static", filename=name) for name in ASSETS])


@bp.get("/attendance/sync/token")
@recorders
def sync_token():
    """A fresh form token for a page that was opened from the device's copy (its own may be old)."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/attendance/sessions/<int:session_id>/sync")
@recorders
def sync_marks(session_id: int):
    """Receive marks queued on the device; each is applied once, whatever the number of tries."""
    session = recordable_session(session_id)
    marks = sync.parse_marks(request.get_json(silent=True))
    results = sync.apply_marks(session, marks, actor_id=current_user.id, now=_now(), settings=checkin_settings())
    records = records_of(session.id)
    return jsonify(results=[{
        "key": r.key, "learner": r.user_id, "outcome": r.outcome.value, "message": r.message,
        "replayed": r.replayed,
        "status": records[r.user_id].status.value if r.user_id in records else None,
        "label": str(STATUS_LABELS[records[r.user_id].status]) if r.user_id in records else "",
    } for r in results])
