"""Forms of reserved seats: a coordinator reserves a block, an organisation's contact gives a seat."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from lms.admin.forms import CheckboxesField
from lms.core.input import DateRange, bounded_int


class ReserveSeatsForm(FlaskForm):
    """N seats of the cycle for one organisation's members, or shared by several."""

    organisation_ids = CheckboxesField(_l("Reserve for the members of"), coerce=bounded_int,
                                       validators=[DataRequired(_l("Choose at least one organisation."))])
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    give_by = DateField(
        _l("Seats to be given by"), validators=[InputRequired(), DateRange()],
        description=_l("Seats nobody was given by the end of this day return to the open pool."),
    )

    def __init__(self, *args, organisations=(), default_day: date | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.organisation_ids.choices = [(o.id, o.name) for o in organisations]
        if default_day is not None and self.give_by.data is None:
            self.give_by.data = default_day - timedelta(days=7)


class GiveSeatForm(FlaskForm):
    """One of the block's seats for a named member of the contact's organisation."""

    member_id = SelectField(_l("Member"), coerce=bounded_int, validators=[DataRequired()])

    def __init__(self, *args, members=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.member_id.choices = [(m.id, f"{m.name} ({m.email})") for m in members]
