from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.auth.passwords import MAX_LENGTH
from lms.core.display_text import DISPLAY_TEXT


class EraseMyselfForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    understood = BooleanField(
        _l("I understand that my account is erased for good and cannot be restored"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A CSRF-protected button."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why the request is declined"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("The person sees this reason."))


class AdminEraseForm(FlaskForm):
    confirm_email = EmailField(_l("Type the account's e-mail address to confirm"),
                               validators=[DataRequired(), Length(max=254)])


class FeedbackForm(FlaskForm):
    message = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=5000)],
                            description=_l("What did not work, on which page, and what you needed."))
    page = StringField(_l("Page (if it is about a particular page)"), validators=[Optional(), Length(max=500)])
    name = StringField(_l("Your name (optional)"), filters=DISPLAY_TEXT, validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Your e-mail (optional, if you want an answer)"),
                       validators=[Optional(), Email(), Length(max=254)])
