"""The bulk enrolment form: pick people, or paste e-mail addresses."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from lms.admin.forms import CheckboxesField
from lms.core.input import bounded_int


class BulkEnrolForm(FlaskForm):
    user_ids = CheckboxesField(_l("People"), coerce=bounded_int)
    emails = TextAreaField(
        _l("E-mail addresses"), validators=[Optional(), Length(max=20000)],
        description=_l("One per line, or separated by commas or semicolons."),
    )
