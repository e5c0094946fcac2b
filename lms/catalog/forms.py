"""Forms of the catalogue: progress, publication, course packages and the course editor."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from lms.admin.forms import CheckboxesField
from lms.catalog.content import ATTACHMENT_TYPES, COMPETENCE_AREAS
from lms.catalog.labels import SDG_NAMES
from lms.core.input import bounded_int


class ProgressForm(FlaskForm):
    """The "mark as done" button: a CSRF-protected POST with nothing else to fill in."""


class PublicationForm(FlaskForm):
    published = HiddenField()


REPLACE_CHANGED = _l("Replace the course even if its files on the server were changed since the last import")


class PackageForm(FlaskForm):
    package = FileField(_l("Course package (.zip)"), validators=[
        FileRequired(_l("Choose the course's .zip file.")),
        FileAllowed(["zip"], _l("Upload a .zip file: the course's folder, zipped.")),
    ], description=_l("The course's folder from courses_content/, zipped: course.yaml, the modules, quizzes and files."))
    replace_changed = BooleanField(REPLACE_CHANGED)


class RestoreVersionForm(FlaskForm):
    replace_changed = BooleanField(REPLACE_CHANGED)


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


class CourseFieldsForm(FlaskForm):
    """The fields of course.yaml an author edits in the browser (docs/content-format.md)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=400)],
                            description=_l("One or two sentences for the catalogue."))
    description = TextAreaField(_l("Description (Markdown)"), validators=[DataRequired(), Length(max=20000)])
    language = SelectField(_l("Language of the course"), choices=[("sv", "Svenska"), ("en", "English")])
    competence_areas = CheckboxesField(_l("Competence areas"), choices=[(a, a) for a in COMPETENCE_AREAS])
    sdgs = CheckboxesField(_l("Sustainable development goals"), coerce=bounded_int)
    estimated_hours = DecimalField(_l("Hours it takes, about"), places=1,
                                   validators=[DataRequired(), NumberRange(min=0, max=500)])
    certificate_design = SelectField(_l("Certificate design"))
    learning_outcomes = TextAreaField(_l("Learning outcomes, one per line"), validators=[Length(max=5000)],
                                      description=_l("For example: After the course you can plan an annual meeting."))

    def __init__(self, *args, designs: list[str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.sdgs.choices = [(goal, f"{goal}. {name}") for goal, name in SDG_NAMES.items()]
        self.certificate_design.choices = [(d, d) for d in (designs or ["standard"])]

    def values(self) -> dict:
        """The form as course.yaml's fields."""
        return {
            "title": self.title.data.strip(), "summary": self.summary.data.strip(),
            "description": self.description.data, "language": self.language.data,
            "competence_areas": list(self.competence_areas.data or []), "sdgs": sorted(self.sdgs.data or []),
            "estimated_hours": float(self.estimated_hours.data), "certificate_design": self.certificate_design.data,
            "learning_outcomes": [line.strip() for line in (self.learning_outcomes.data or "").splitlines()
                                  if line.strip()],
        }


class NewCourseForm(CourseFieldsForm):
    slug = StringField(_l("Address name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Lowercase letters, digits and hyphens: the end of the course's address "
                                      "and its folder's name. It cannot change later."))


class AttachmentForm(FlaskForm):
    attachment = FileField(_l("A picture or file for the course"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(sorted(s.lstrip(".") for s in ATTACHMENT_TYPES),
                    _l("Only pictures (PNG, JPEG, GIF, WebP, SVG) and documents (PDF, text, office files) can be added.")),
    ], description=_l("At most 10 MB. Show it in a module's text with ![what it shows](name.png), or link it "
                      "with [its title](name.pdf)."))


class CourseAuthorsForm(FlaskForm):
    trainers_may_edit = BooleanField(_l("The trainers of this course's cycles may edit it in the browser"))
