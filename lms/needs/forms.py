from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.admin.forms import CheckboxesField
from lms.catalog.content import COMPETENCE_AREAS
from lms.catalog.labels import SDG_NAMES
from lms.core.input import bounded_int


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class NeedForm(FlaskForm):
    area = SelectField(_l("Competence area"), validators=[DataRequired()])
    people = IntegerField(_l("How many people need it"), default=1,
                          validators=[Optional(), NumberRange(min=1, max=10000)],
                          description=_l("Staff, volunteers and board members together."))
    sdgs = CheckboxesField(_l("Sustainable development goals it should serve (optional)"), coerce=bounded_int)
    note = TextAreaField(_l("What exactly, and when (optional)"), validators=[Length(max=2000)],
                         description=_l("For example: a new board after the annual meeting in March."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _l("Choose…"))] + [(a, a) for a in COMPETENCE_AREAS]
        self.sdgs.choices = [(goal, f"{goal}. {name}") for goal, name in SDG_NAMES.items()]
