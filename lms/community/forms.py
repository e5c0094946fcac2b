from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.community.models import REPLY_LABELS, ReportOutcome
from lms.core.display_text import DISPLAY_TEXT


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ThreadForm(FlaskForm):
    title = StringField(_l("Title"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10000)],
                         description=_l("You can use Markdown: **bold**, *italics*, lists and links."))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=10000)],
                         description=_l("You can use Markdown: **bold**, *italics*, lists and links."))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with this post?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Only the coordinators see your report."))


class ResolveForm(FlaskForm):
    outcome = RadioField(_l("Decision"), validators=[DataRequired()],
                         choices=[(ReportOutcome.HIDDEN.value, _l("Hide the post")),
                                  (ReportOutcome.DISMISSED.value, _l("Keep the post: dismiss the report"))])


class ReplyChoiceForm(FlaskForm):
    replies = RadioField(_l("When someone replies in a thread I wrote in, tell me"),
                         choices=[(c.value, label) for c, label in REPLY_LABELS.items()])


class ProfileForm(FlaskForm):
    about = TextAreaField(_l("What I work on"), validators=[Length(max=1000)],
                          description=_l("For example: the youth section of our association, and how we recruit volunteers."))
    topics = StringField(_l("Questions I would like to talk about"), validators=[Length(max=300)])
    show_email = BooleanField(_l("Show my e-mail address to logged-in users"))
    consent = BooleanField(_l("I agree to be listed in the directory, with my name, organisation and what I write here. I can withdraw at any time."))


class OrganisationProfileForm(FlaskForm):
    about = TextAreaField(_l("What the organisation does"), validators=[Length(max=1000)])
    website = StringField(_l("Website"), validators=[Length(max=300)])
    consent = BooleanField(_l("I agree, for the organisation, that it is listed in the directory. We can withdraw at any time."))
