from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class ActionForm(FlaskForm):
    """Start, save and submit: CSRF-protected posts whose answers are read from the request."""


class EssayGradeForm(FlaskForm):
    points = DecimalField(_l("Points (0 to 1)"), places=2,
                          validators=[InputRequired(), NumberRange(min=0, max=1)])
    feedback = TextAreaField(_l("Feedback to the learner"), validators=[Length(max=5000)])
