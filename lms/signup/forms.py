from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from lms.core.input import bounded_int

from lms.core.display_text import DISPLAY_TEXT

NO_ORGANISATION = 0


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), coerce=bounded_int,
                               description=_l("The member organisation you take part for, if any."))
    message = TextAreaField(_l("Message (optional)"), validators=[Optional(), Length(max=2000)],
                            description=_l("For example the course you are interested in."))


class ActionForm(FlaskForm):
    """A CSRF-protected button."""
