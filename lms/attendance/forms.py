"""Forms of the attendance pages: one roll-call row, the check-in code, a personal code, the policy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.attendance.models import POLICY_LABELS, STATUS_LABELS, AttendanceStatus, ExcusedPolicy


class RollCallRowForm(FlaskForm):
    """One learner's status and note; the roll-call page has one such form per learner."""

    status = RadioField(_l("Status"), choices=[(s.value, STATUS_LABELS[s]) for s in AttendanceStatus],
                        validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    source = HiddenField(default="roll_call")


class ActionForm(FlaskForm):
    """A button that posts (mark all present, check me in): only the CSRF token."""


class CheckinCodeForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)],
                       description=_l("The six digits on the screen at the center."))


class PersonalCodeForm(FlaskForm):
    code = StringField(_l("Personal code"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Scan or type the code from the learner's schedule page."))


class PolicyForm(FlaskForm):
    excused_policy = RadioField(_l("How excused absences count"),
                                choices=[(p.value, POLICY_LABELS[p]) for p in ExcusedPolicy],
                                validators=[DataRequired()])


class SignatureForm(FlaskForm):
    """A signature drawn on the page's canvas, sent as SVG by signature.js (re-written on the server)."""

    drawing = HiddenField(validators=[DataRequired(), Length(max=200_000)])


class SignaturesSettingForm(FlaskForm):
    signatures_required = BooleanField(
        _l("Learners sign their attendance at each session"),
        description=_l("They sign on the trainer's device or on their own phone after checking in."))
