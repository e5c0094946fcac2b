from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


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


class ModuleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    minutes = IntegerField(_l("Minutes it takes"), validators=[DataRequired(), NumberRange(min=1, max=600)])
    required = BooleanField(_l("Required for the certificate"))
    body = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=100_000)],
                         description=_l("## for a heading, **bold**, - for a list, | a | b | for a table, "
                                        "![description](picture.png) for a picture of the course."))
    quiz = TextAreaField(_l("Quiz (GIFT, optional)"), validators=[Length(max=100_000)],
                         description=_l("One question per block, as in Moodle: ::Name::Question{=right ~wrong}. "
                                        "Leave empty for a module without a quiz."))


class AddModuleForm(FlaskForm):
    module_title = StringField(_l("Title of the new module"), validators=[DataRequired(), Length(max=200)])


class PublishDraftForm(FlaskForm):
    replace_changed = BooleanField(_l("Publish even though the course's files changed since this draft was started"))
