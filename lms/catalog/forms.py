from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField


class ProgressForm(FlaskForm):
    """The "mark as done" button: a CSRF-protected POST with nothing else to fill in."""


class PublicationForm(FlaskForm):
    published = HiddenField()


class PackageForm(FlaskForm):
    package = FileField(_l("Course package (.zip)"), validators=[
        FileRequired(_l("Choose the course's .zip file.")),
        FileAllowed(["zip"], _l("Upload a .zip file: the course's folder, zipped.")),
    ], description=_l("The course's folder from courses_content/, zipped: course.yaml, the modules, quizzes and files."))
    replace_changed = BooleanField(_l("Replace the course even if its files on the server were changed since the last import"))
