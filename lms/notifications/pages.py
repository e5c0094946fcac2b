"""Notification pages: a person's list and preferences, unsubscribing, the outbox for admins,
and a cycle's reminder lead times for coordinators. They join the package's one blueprint
("notifications", in routes.py).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.auth.urls import safe_next_url
from lms.core.unit_of_work import refusal_undone
from lms.db_types import utcnow
from lms.extensions import csrf, db
from lms.notifications import outbox, service
from lms.notifications.forms import ActionForm, CycleRemindersForm, PreferencesForm
from lms.notifications.kinds import kind_label, status_label
from lms.notifications.models import MessageStatus, Notification
from lms.notifications.routes import bp
from lms.planning.queries import load_cycle


def _checked(form: ActionForm) -> None:
    if not form.validate_on_submit():
        abort(400)


# --- a person's notifications -----------------------------------------------------------------

@bp.get("/notifications")
@login_required
def inbox():
    notifications = service.recent_notifications(current_user.id)
    return render_template("notifications/inbox.html", notifications=notifications,
                           unread=sum(1 for n in notifications if n.read_at is None),
                           form=ActionForm(), kind_label=kind_label)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    _checked(ActionForm())
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    service.mark_read(current_user.id, [notification.id], now=utcnow())
    return redirect(url_for("notifications.inbox"))


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    _checked(ActionForm())
    count = service.mark_read(current_user.id, None, now=utcnow())
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    stored = service.preferences_for(current_user.id)
    form = PreferencesForm()
    if not form.is_submitted():
        _fill_preferences(form, stored)
    elif form.validate():
        service.save_preferences(current_user.id, email_reminders=form.email_reminders.data,
                                 reminder_hours=form.chosen_hours(), now=utcnow(),
                                 weekly_digest=form.weekly_digest.data,
                                 email_renewals=form.email_renewals.data)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form,
                           default_hours=service.default_reminder_hours())


def _fill_preferences(form: PreferencesForm, stored) -> None:  # type: ignore[no-untyped-def]
    form.email_reminders.data = stored.email_reminders
    form.weekly_digest.data = stored.weekly_digest
    form.email_renewals.data = stored.email_renewals is not False
    hours = stored.reminder_hours
    form.reminder_plan.data = "cycle" if hours is None else ("none" if hours == [] else "own")
    form.hours.data = list(hours or [])


# --- unsubscribing by the link in an e-mail (no log-in: the signed token is the key) ----------

@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe(token: str):
    try:
        _user_id, kind = service.read_unsubscribe_token(token)
    except service.NotificationError as error:
        return render_template("notifications/unsubscribe.html", error=str(error)), 400
    return render_template("notifications/unsubscribe.html", kind=kind_label(kind.value), done=False)


@bp.post("/notifications/unsubscribe/<token>")
@csrf.exempt  # mail programs post here by themselves (RFC 8058 one-click); the token authorises
def unsubscribe_now(token: str):
    try:
        user_id, kind = service.read_unsubscribe_token(token)
    except service.NotificationError as error:
        return render_template("notifications/unsubscribe.html", error=str(error)), 400
    service.unsubscribe(user_id, kind, now=utcnow())
    return render_template("notifications/unsubscribe.html", kind=kind_label(kind.value), done=True)


# --- the outbox, for admins ------------------------------------------------------------------

@bp.get("/notifications/outbox")
@role_required(Role.ADMIN)
def outbox_page():
    now = utcnow()
    return render_template(
        "notifications/outbox.html", health=outbox.health(now), now=now,
        failed_mail=outbox.failed_summary(now), expired=outbox.messages(MessageStatus.EXPIRED, limit=30),
        failed=outbox.messages(MessageStatus.FAILED, limit=200), stuck=outbox.stuck_messages(now),
        recent=outbox.messages(limit=30), form=ActionForm(), kind_label=kind_label,
        status_label=status_label,
    )


@bp.post("/notifications/outbox/<int:message_id>/retry")
@role_required(Role.ADMIN)
def retry(message_id: int):
    _checked(ActionForm())
    if outbox.retry(message_id, utcnow()):
        flash(_("The message will be sent again at the next dispatch."), "success")
    else:
        flash(_("Only failed or stuck messages can be retried."), "error")
    return redirect(url_for("notifications.outbox_page"))


@bp.post("/notifications/outbox/retry-failed")
@role_required(Role.COORDINATOR)  # and admins, who pass every gate
def retry_failed():
    """The failed mail panel's one action: retry the failed messages still worth sending."""
    _checked(ActionForm())
    retried, dropped = outbox.retry_worth_sending(utcnow())
    flash(ngettext("%(num)d message will be sent again at the next dispatch.",
                   "%(num)d messages will be sent again at the next dispatch.", retried), "success")
    if dropped:
        flash(ngettext("%(num)d message is no longer true and was not retried.",
                       "%(num)d messages are no longer true and were not retried.", dropped), "info")
    fallback = url_for("notifications.outbox_page") if current_user.has_role(Role.ADMIN) else url_for("core.index")
    return redirect(safe_next_url(request.form.get("next"), fallback))


# --- a cycle's reminders, for coordinators ---------------------------------------------------

@bp.route("/cycles/<int:cycle_id>/reminders", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def cycle_reminders(cycle_id: int):
    cycle = load_cycle(cycle_id) or abort(404)
    form = CycleRemindersForm()
    if not form.is_submitted():
        form.hours.data = service.cycle_reminder_hours([cycle.id])[cycle.id]
    elif form.validate():
        try:
            with refusal_undone():
                service.set_cycle_reminder_hours(cycle.id, form.hours.data or [], now=utcnow())
        except service.NotificationError as error:
            flash(str(error), "error")
        else:
            flash(_("The reminders of %(title)s are saved.", title=cycle.title), "success")
            return redirect(url_for("notifications.cycle_reminders", cycle_id=cycle.id))
    return render_template("notifications/cycle_reminders.html", cycle=cycle, form=form)
