from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from lms.core.input import bounded_int


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form anyone may use; it changes nothing

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("13 characters, as printed on the certificate, e.g. 7K3M-Q9TX-4B2D-8"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Shown on the public verification page: write it for anyone who checks the code."))


class ManualIssueForm(ReasonForm):
    user_id = SelectField(_l("Learner"), coerce=bounded_int)


class ActionForm(FlaskForm):
    """A CSRF-protected button."""
