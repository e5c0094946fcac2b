"""The report's period and organisation: a GET form that changes nothing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError
from lms.core.input import bounded_int, DateRange


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only chooses what to show

    organisation = SelectField(_l("Organisation"), coerce=bounded_int, validators=[Optional()])
    first = DateField(_l("From"), validators=[Optional(), DateRange()])
    last = DateField(_l("To"), validators=[Optional(), DateRange()],
                     description=_l("Cycles that met between these dates, both included."))

    def validate_last(self, field) -> None:  # type: ignore[no-untyped-def]
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError(_l("The end of the period comes before its start."))
        if field.data and self.first.data and (field.data - self.first.data).days > 3660:
            raise ValidationError(_l("Choose a period of at most ten years."))
