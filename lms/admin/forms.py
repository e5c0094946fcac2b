from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, EmailField, SelectField, SelectMultipleField, StringField, widgets,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from lms.auth.labels import ROLE_LABELS, SECTOR_LABELS
from lms.core.display_text import DISPLAY_TEXT
from lms.core.i18n import language_choices
from lms.core.input import bounded_int

class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _role_choices():
    return [(role.value, label) for role, label in ROLE_LABELS.items()]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=200)])
    organisation_id = SelectField(_l("Organisation"), coerce=bounded_int, validators=[Optional()])
    roles = CheckboxesField(_l("Roles"), choices=_role_choices())
    locale = SelectField(_l("Language"), choices=language_choices)


class InviteUserForm(UserForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class EditUserForm(UserForm):
    active = BooleanField(_l("Active (may log in)"))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=200)])
    sector = SelectField(
        _l("Sector"), choices=[(sector.value, label) for sector, label in SECTOR_LABELS.items()]
    )
    organisation_number = StringField(
        _l("Organisation number"),
        validators=[Optional(), Regexp(r"^\d{6}-?\d{4}$", message=_l("Write it as 802000-0000."))],
    )
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    active = BooleanField(_l("Active"), default=True)
