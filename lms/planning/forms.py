"""Forms for rooms, cycles and single sessions; times are local (Europe/Stockholm)."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField,
    TextAreaField, TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.admin.forms import CheckboxesField
from lms.core.display_text import DISPLAY_TEXT
from lms.planning.models import RecurrenceKind
from lms.core.input import bounded_int, DateRange

WEEKDAY_LABELS = [
    (0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
    (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday")),
]
NTH_LABELS = [(1, _l("first")), (2, _l("second")), (3, _l("third")), (4, _l("fourth")), (-1, _l("last"))]


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)],
                          description=_l("Street, postcode and city, as a calendar shows it."))
    accessibility_notes = TextAreaField(
        _l("Accessibility"), validators=[Optional(), Length(max=2000)],
        description=_l("Step-free access, hearing loop, toilets: what a visitor needs to know."),
    )
    active = BooleanField(_l("In use"), default=True)


class CycleForm(FlaskForm):
    """The plan of a cycle; `preview_digest` ties a save to the preview the coordinator saw."""

    preview_digest = HiddenField()
    course_id = SelectField(_l("Course"), coerce=bounded_int, validators=[InputRequired()])
    title = StringField(_l("Title"), filters=DISPLAY_TEXT, validators=[DataRequired(), Length(max=120)],
                        description=_l("For example “Våren 2027” or “Tisdagskvällar hösten 2027”."))
    first_date = DateField(_l("First date"), validators=[InputRequired(), DateRange()])
    start_time = TimeField(_l("Starts at (local time)"), validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Length in minutes"), default=120,
                                    validators=[InputRequired(), NumberRange(min=15, max=720)])
    recurrence_kind = RadioField(_l("Repeats"), default=RecurrenceKind.WEEKLY.value, choices=[
        (RecurrenceKind.WEEKLY.value, _l("Weekly, or every few weeks, on chosen weekdays")),
        (RecurrenceKind.MONTHLY.value, _l("Monthly, on the n-th weekday")),
        (RecurrenceKind.RRULE.value, _l("An RRULE (RFC 5545), for experts")),
    ])
    weekdays = CheckboxesField(_l("Weekdays"), coerce=bounded_int, choices=WEEKDAY_LABELS)
    interval = IntegerField(_l("Every how many weeks or months"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=12)])
    monthly_nth = SelectField(_l("Which one in the month"), coerce=bounded_int, choices=NTH_LABELS)
    monthly_weekday = SelectField(_l("Weekday in the month"), coerce=bounded_int, choices=WEEKDAY_LABELS)
    rrule = StringField(_l("RRULE"), validators=[Optional(), Length(max=500)],
                        description=_l("For example FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH. "
                                       "DTSTART comes from the first date and time above."))
    end_kind = RadioField(_l("Ends"), default="count", choices=[
        ("count", _l("After a number of sessions")), ("until", _l("On a last date")),
        ("rule", _l("As the RRULE says (COUNT or UNTIL)")),
    ])
    session_count = IntegerField(_l("Number of sessions"), validators=[Optional(), NumberRange(min=1, max=200)],
                                 description=_l("Skipped holidays do not count: the cycle runs longer."))
    until_date = DateField(_l("Last date"), validators=[Optional(), DateRange()])
    skip_holidays = BooleanField(_l("Skip Swedish public holidays (and midsummer, Christmas and New Year's Eve)"),
                                 default=True)
    room_id = SelectField(_l("Room"), coerce=bounded_int)
    capacity = IntegerField(_l("Seats for learners"), default=20,
                            validators=[InputRequired(), NumberRange(min=1, max=1000)])
    trainer_ids = CheckboxesField(_l("Trainers"), coerce=bounded_int)
    opens_on = DateField(_l("Enrolment opens"), validators=[Optional(), DateRange()],
                         description=_l("Empty: as soon as the cycle is published."))
    closes_on = DateField(_l("Enrolment closes after"), validators=[Optional(), DateRange()],
                          description=_l("Empty: until the last session begins."))
    approval_required = BooleanField(_l("Enrolments need approval by a coordinator or the learner's organisation contact"))
    min_attendance_percent = IntegerField(
        _l("Minimum attendance for the certificate (%)"), default=80,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    offer_hours = IntegerField(
        _l("Hours to answer a seat offered from the wait-list"),
        default=lambda: current_app.config["LMS_OFFER_HOURS"],
        validators=[InputRequired(), NumberRange(min=1, max=336)],
        description=_l("Shorter when the first session is near: at most half the time left until then."),
    )
    cancellation_hours = IntegerField(
        _l("Cancellation deadline (hours before the first session)"),
        default=lambda: current_app.config["LMS_CANCELLATION_HOURS"],
        validators=[InputRequired(), NumberRange(min=0, max=720)],
        description=_l("A learner who gives up their seat later has cancelled late; it counts in the no-show rule."),
    )


class SessionForm(FlaskForm):
    """One session in local time: moving it, or adding an extra one."""

    day = DateField(_l("Date"), validators=[InputRequired(), DateRange()])
    start_time = TimeField(_l("Starts at (local time)"), validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Length in minutes"), validators=[InputRequired(), NumberRange(min=15, max=720)])
    room_id = SelectField(_l("Room"), coerce=bounded_int)
