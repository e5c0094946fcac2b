from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.admin.forms import CheckboxesField
from lms.catalog.content import COMPETENCE_AREAS
from lms.catalog.labels import SDG_NAMES
from lms.core.i18n import LANGUAGE_NAMES
from lms.core.input import bounded_int
from lms.needs.conditions import DAY_PARTS


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


class ConditionsForm(FlaskForm):
    day_parts = CheckboxesField(_l("When members can come"),
                                description=_l("Tick every time that works. Leave all empty if any time works."))
    languages = CheckboxesField(_l("Languages members can take a course in"),
                                description=_l("Leave empty if you would rather not say."))
    seats_needed = IntegerField(_l("How many members usually come to one cycle together (optional)"),
                                validators=[Optional(), NumberRange(min=1, max=500)])
    note = TextAreaField(_l("Anything else that decides whether members can come (optional)"),
                         validators=[Length(max=1000)],
                         description=_l("For example: step-free access, childcare, no budget for travel."))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.day_parts.choices = list(DAY_PARTS.items())
        self.languages.choices = list(LANGUAGE_NAMES.items())
