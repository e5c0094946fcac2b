"""The menu entry for a person's notifications, showing how many are unread."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape


def unread_on_this_page() -> int:
    """The person's unread count, counted once per request (the menu shows it twice)."""
    from flask import g
    from flask_login import current_user

    from lms.notifications.service import unread_count

    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user.id) if current_user.is_authenticated else 0
    return g.unread_notifications


def notifications_badge() -> Markup:
    """The unread count beside the account group's button: seen as a badge, heard as words."""
    count = unread_on_this_page()
    if not count:
        return Markup("")
    unread = ngettext("%(num)d unread", "%(num)d unread", count)
    return Markup(' <span class="badge badge--count" aria-hidden="true">{}</span>'
                  '<span class="visually-hidden"> ({})</span>').format(count, unread)


class NotificationsLabel:
    """Renders as "Notifications" plus a badge with the unread count (one COUNT query per page)."""

    def _unread(self) -> int:
        return unread_on_this_page()

    def __str__(self) -> str:
        count = self._unread()
        return _("Notifications") + (f" ({count})" if count else "")

    def __html__(self) -> Markup:
        count = self._unread()
        if not count:
            return escape(_("Notifications"))
        unread = ngettext("%(num)d unread", "%(num)d unread", count)
        return Markup('{} <span class="badge badge--count" aria-hidden="true">{}</span>'
                      '<span class="visually-hidden"> ({})</span>').format(_("Notifications"), count, unread)
