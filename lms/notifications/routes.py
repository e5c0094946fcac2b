"""The notifications blueprint, and its calendar files: one cycle's sessions, and each person's
secret subscription feed (the other pages of the package are in pages.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import Role
from lms.auth.permissions import has_any_role, role_required
from lms.auth.urls import safe_next_url
from lms.db_types import utcnow
from lms.enrolment.queries import sessions_for_user
from lms.extensions import limiter
from lms.notifications import feeds
from lms.notifications.calendar import build_calendar, session_event
from lms.planning.models import ClassSession, CycleStatus
from lms.planning.queries import load_cycle, trainer_sessions
from lms.planning.service import local_zone

bp = Blueprint("notifications", __name__)


def personal_feed_url(user_id: int) -> str | None:
    """The person's subscription address, if they have made one."""
    feed = feeds.active_feed(user_id)
    return url_for("notifications.feed", token=feeds.feed_token(feed), _external=True) if feed else None


def _ics(sessions: list[ClassSession], name: str, filename: str) -> Response:
    events = [session_event(s, url=url_for("enrolment.cycle", cycle_id=s.cycle_id, _external=True))
              for s in sessions]
    body = build_calendar(events, name=name, zone=local_zone(), generated_at=utcnow())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/cycles/<int:cycle_id>/calendar.ics")
def cycle_calendar(cycle_id: int):
    """Every session of a cycle, for anyone who may see the cycle."""
    cycle = load_cycle(cycle_id)
    if cycle is None or (cycle.status is CycleStatus.DRAFT and not has_any_role(current_user, Role.COORDINATOR)):
        abort(404)
    return _ics(cycle.sessions, f"{cycle.course.title} ({cycle.title})", f"cycle-{cycle.id}.ics")


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """A person's feed: the sessions of their enrolments, and those they teach. No log-in: the token is the key."""
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    sessions = {s.id: s for s in sessions_for_user(user.id)}
    if user.has_role(Role.TRAINER):
        sessions.update({s.id: s for s in trainer_sessions(user.id)})
    ordered = sorted(sessions.values(), key=lambda s: s.starts_at)
    site = current_app.config["LMS_SITE_NAME"]
    return _ics(ordered, site, "kompetenscentret.ics")


@bp.post("/my/calendar")
@role_required(Role.LEARNER, Role.TRAINER)
def new_feed():
    """Make a (new) subscription address; an earlier one stops working."""
    feeds.new_feed(current_user.id, now=utcnow())
    flash(_("Your calendar address is ready. Add it to your calendar app as a subscription."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("enrolment.my_schedule")))


@bp.post("/my/calendar/revoke")
@role_required(Role.LEARNER, Role.TRAINER)
def revoke_feed():
    feeds.revoke_feeds(current_user.id, now=utcnow())
    flash(_("Your calendar address no longer works."), "success")
    return redirect(safe_next_url(request.form.get("next"), url_for("enrolment.my_schedule")))
