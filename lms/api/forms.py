"""Forms of the token section on the account page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from lms.admin.forms import CheckboxesField
from lms.core.display_text import DISPLAY_TEXT


from lms.core.input import bounded_int

#: days until a new token expires; 0 = never
EXPIRY_CHOICES = [(30, _l("In 30 days")), (90, _l("In 90 days")), (365, _l("In a year")),
                  (0, _l("Never (revoke it when no longer needed)"))]


class NewTokenForm(FlaskForm):
    name = StringField(_l("Name"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. “Check-in kiosk, entrance”."))
    scopes = CheckboxesField(_l("Scopes"), validators=[DataRequired(message=_l("Choose at least one scope."))])
    expires_in_days = SelectField(_l("Expires"), coerce=bounded_int, choices=EXPIRY_CHOICES, default=90)


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: the token to revoke is in the address."""
