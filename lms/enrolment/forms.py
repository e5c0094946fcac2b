"""The bulk enrolment form (pick people, or paste e-mail addresses) and the members page's forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.admin.forms import CheckboxesField
from lms.core.input import bounded_int


class BulkEnrolForm(FlaskForm):
    user_ids = CheckboxesField(_l("People"), coerce=bounded_int)
    emails = TextAreaField(
        _l("E-mail addresses"), validators=[Optional(), Length(max=20000)],
        description=_l("One per line, or separated by commas or semicolons."),
    )


class EnrolMemberForm(FlaskForm):
    """Enrol one member of the organisation in a cycle, from the members page."""

    cycle_id = SelectField(_l("Cycle"), coerce=int, validators=[DataRequired()])


class InviteMemberForm(FlaskForm):
    """Invite a new member: an account in the organisation, entered through the e-mailed link."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class OfferAnswerForm(FlaskForm):
    """Accepting or declining a seat offered from the wait-list (the button says which)."""


class LiftStandingForm(FlaskForm):
    """A coordinator lifts a person's no-show standing, saying why (kept in the audit log)."""

    reason = TextAreaField(_l("Why the rule is lifted"), validators=[DataRequired(), Length(max=500)])
