"""Forms: a person's notification preferences, a cycle's reminder lead times, and plain buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from lms.admin.forms import CheckboxesField
from lms.notifications.service import REMINDER_CHOICES
from lms.core.input import bounded_int


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def _hour_choices() -> list[tuple[int, str]]:
    return [(h, ngettext("%(num)d hour before", "%(num)d hours before", h)) for h in REMINDER_CHOICES]


class PreferencesForm(FlaskForm):
    email_reminders = BooleanField(_l("E-mail me reminders (they are always in my notifications here)"))
    reminder_plan = RadioField(
        _l("When to remind me before a session"),
        choices=[("cycle", _l("When each cycle plans it (usually a day and two hours before)")),
                 ("own", _l("At the times I tick below")),
                 ("none", _l("Never"))],
        default="cycle",
    )
    hours = CheckboxesField(_l("My own lead times"), coerce=bounded_int)
    weekly_digest = BooleanField(_l("E-mail me my week ahead every Monday morning (my sessions, and what waits for me)"))
    email_renewals = BooleanField(_l("E-mail me before a certificate of mine expires (they are always in my notifications here)"))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.hours.choices = _hour_choices()

    def validate_hours(self, field) -> None:  # type: ignore[no-untyped-def]
        from wtforms.validators import ValidationError

        if self.reminder_plan.data == "own" and not field.data:
            raise ValidationError(_l("Tick at least one lead time, or choose never."))

    def chosen_hours(self) -> list[int] | None:
        """None: follow the cycle; []: no reminders."""
        return {"cycle": None, "none": []}.get(self.reminder_plan.data, list(self.hours.data or []))


class CycleRemindersForm(FlaskForm):
    hours = CheckboxesField(_l("Reminders before each session"), coerce=bounded_int,
                            description=_l("Tick none to send no reminders for this cycle."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.hours.choices = _hour_choices()
