"""The menu entry for a person's notifications, showing how many are unread."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape


class NotificationsLabel:
    """Renders as "Notifications" plus a badge with the unread count (one COUNT query per page)."""

    def _unread(self) -> int:
        from flask_login import current_user

        from lms.notifications.service import unread_count

        return unread_count(current_user.id) if current_user.is_authenticated else 0

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
