from flask_wtf import FlaskForm
from wtforms import HiddenField


class ProgressForm(FlaskForm):
    """The "mark as done" button: a CSRF-protected POST with nothing else to fill in."""


class PublicationForm(FlaskForm):
    published = HiddenField()
