from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.evaluations.models import KIND_LABELS, QuestionKind


class ActionForm(FlaskForm):
    """A button that changes something, or a form whose answers are read from the request."""


class NewQuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"),
                       choices=[(k.value, label) for k, label in KIND_LABELS.items()],
                       default=QuestionKind.RATING.value)
    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)],
                       description=_l("For a scale, write a statement people agree or disagree with."))


class EditQuestionForm(FlaskForm):
    text = StringField(_l("Wording"), validators=[Optional(), Length(max=300)],
                       description=_l("Leave empty to use the standard wording, in each reader's language."))
