"""The API's JSON shapes (marshmallow): they validate input, shape output, and make the OpenAPI document.

Datetimes are UTC with an explicit offset (`2027-03-02T17:00:00+00:00`); dates and local times
of day (the plan of a cycle, in Europe/Stockholm) are plain ISO dates and `HH:MM:SS`.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lms.api.models import TokenScope
from lms.api.pagination import PAGE_FIELDS
from lms.attendance.models import AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.attendance.rules import Standing
from lms.core.input import EARLIEST_DATE, LATEST_DATE, MAX_ID
from lms.enrolment.models import EnrolmentStatus
from lms.planning.models import CycleStatus, RecurrenceKind, SessionStatus


#: ids are 32-bit integers in the database: larger numbers name nothing (and must not reach SQL)
ID = validate.Range(min=1, max=MAX_ID)


def _enum(enum_class, **kwargs) -> fields.Enum:  # type: ignore[no-untyped-def]
    return fields.Enum(enum_class, by_value=True, **kwargs)


class OutSchema(Schema):
    """Output only: every field is always present (null where it has no value)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = True


class QuerySchema(Schema):
    """Query strings: an unknown parameter is refused (422), so that a typo (`limt=5`) is noticed."""


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """`{"items": [...], "next_cursor": "..." | null}` for a list of `item`."""
    return OutSchema.from_dict({
        "items": fields.List(fields.Nested(item)),
        "next_cursor": fields.String(allow_none=True, metadata={
            "description": "Pass as `cursor` for the next page; null on the last page."}),
    }, name=name)


def paged_query(name: str, **extra: fields.Field) -> type[Schema]:
    return QuerySchema.from_dict({**PAGE_FIELDS, **extra}, name=name)


# --- problems --------------------------------------------------------------------------------

class ProblemSchema(Schema):
    type = fields.String(required=True, metadata={"description": "Link to the problem's description."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True, metadata={"description": "The path of the request."})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "422 only: messages per field (dotted path for nested fields)."})


# --- courses and cycles ----------------------------------------------------------------------

class CourseSchema(OutSchema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    language = fields.String()
    estimated_hours = fields.Float()
    competence_areas = fields.List(fields.String(), attribute="area_names")
    sdgs = fields.List(fields.Integer())


class ModuleSchema(OutSchema):
    slug = fields.String()
    title = fields.String()
    minutes = fields.Integer()
    required = fields.Boolean()


class CycleOfferSchema(OutSchema):
    """An upcoming published cycle, as the public catalogue shows it."""

    id = fields.Integer()
    course_id = fields.Integer()
    title = fields.String()
    first_starts_at = fields.DateTime(allow_none=True)
    last_ends_at = fields.DateTime(allow_none=True)
    sessions = fields.Integer(metadata={"description": "Sessions not cancelled."})
    room = fields.String(allow_none=True)
    capacity = fields.Integer()
    free_seats = fields.Integer(metadata={"description": "0: new enrolments join the wait-list."})
    approval_required = fields.Boolean()
    enrolment_opens_at = fields.DateTime(allow_none=True)
    enrolment_closes_at = fields.DateTime(allow_none=True)
    enrolment_open = fields.Boolean()


class CourseDetailSchema(CourseSchema):
    description = fields.String(metadata={"description": "Markdown."})
    learning_outcomes = fields.List(fields.String())
    modules = fields.List(fields.Nested(ModuleSchema))
    upcoming_cycles = fields.List(fields.Nested(CycleOfferSchema))


class PersonSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()


class CourseRefSchema(OutSchema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()


class RecurrenceOutSchema(OutSchema):
    kind = _enum(RecurrenceKind)
    rrule = fields.String(metadata={"description": "RFC 5545 RRULE (local time)."})
    first_date = fields.Date()
    start_time = fields.Time(metadata={"description": "Local time (Europe/Stockholm)."})
    duration_minutes = fields.Integer()
    count = fields.Integer(allow_none=True)
    until = fields.Date(allow_none=True)
    skip_holidays = fields.Boolean()


class CycleSchema(OutSchema):
    id = fields.Integer()
    title = fields.String()
    status = _enum(CycleStatus)
    course = fields.Nested(CourseRefSchema)
    recurrence = fields.Nested(RecurrenceOutSchema)
    room = fields.String(allow_none=True)
    capacity = fields.Integer()
    free_seats = fields.Integer()
    trainers = fields.List(fields.Nested(PersonSchema))
    approval_required = fields.Boolean()
    min_attendance_percent = fields.Integer()
    enrolment_opens_at = fields.DateTime(allow_none=True)
    enrolment_closes_at = fields.DateTime(allow_none=True)
    enrolment_open = fields.Boolean()
    published_at = fields.DateTime(allow_none=True)


class SessionSchema(OutSchema):
    id = fields.Integer()
    cycle_id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = _enum(SessionStatus)
    room = fields.String(allow_none=True)
    revision = fields.Integer(metadata={"description": "Raised by every change (calendar SEQUENCE)."})


class ScheduleItemSchema(SessionSchema):
    course_title = fields.String()
    cycle_title = fields.String()


# --- the caller ------------------------------------------------------------------------------

class MeSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    locale = fields.String()
    roles = fields.List(fields.String())
    scopes = fields.List(_enum(TokenScope), metadata={"description": "What this token may do now."})
    token_expires_at = fields.DateTime(allow_none=True)


# --- enrolments ------------------------------------------------------------------------------

class EnrolmentSchema(OutSchema):
    id = fields.Integer()
    cycle_id = fields.Integer()
    cycle_title = fields.String()
    course_title = fields.String()
    status = _enum(EnrolmentStatus)
    waitlist_position = fields.Integer(allow_none=True, metadata={"description": "1 = next to get a seat."})
    offer_expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "A freed seat is offered to this wait-listed enrolment: accept or decline it before "
                       "this moment (`/me/enrolments/{id}/offer/accept`, `.../decline`); after it the "
                       "offer lapses and passes to the next person. Null: no offer open."})
    requested_at = fields.DateTime()
    enrolled_at = fields.DateTime(allow_none=True)


class LearnerSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    organisation = fields.String(allow_none=True)


class CycleEnrolmentSchema(OutSchema):
    id = fields.Integer()
    learner = fields.Nested(LearnerSchema)
    status = _enum(EnrolmentStatus)
    waitlist_position = fields.Integer(allow_none=True)
    requested_at = fields.DateTime()
    enrolled_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class EnrolInSchema(Schema):
    cycle_id = fields.Integer(required=True, strict=True, validate=ID)
    join_waitlist = fields.Boolean(load_default=True, metadata={
        "description": "When the cycle is full: join the wait-list (default) or get 409 cycle-full."})


class EnrolOtherInSchema(Schema):
    """Whom a coordinator or an organisation contact enrols: by id or by e-mail address."""

    user_id = fields.Integer(strict=True, validate=ID)
    email = fields.Email(validate=validate.Length(max=254))
    join_waitlist = fields.Boolean(load_default=True)

    @validates_schema
    def _one_person(self, data: dict, **_kwargs) -> None:
        if ("user_id" in data) == ("email" in data):
            raise ValidationError(_l("Give either user_id or email."), "_schema")


# --- attendance ------------------------------------------------------------------------------

class RollCallEntrySchema(OutSchema):
    learner = fields.Nested(LearnerSchema)
    status = _enum(AttendanceStatus, allow_none=True, metadata={"description": "null: not recorded yet."})
    note = fields.String()
    method = _enum(AttendanceMethod, allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)


class RollCallSchema(OutSchema):
    session = fields.Nested(SessionSchema)
    cycle_title = fields.String()
    learners = fields.List(fields.Nested(RollCallEntrySchema))


class AttendanceInSchema(Schema):
    status = _enum(AttendanceStatus, required=True)
    note = fields.String(validate=validate.Length(max=300))


class AttendanceRecordSchema(OutSchema):
    session_id = fields.Integer()
    user_id = fields.Integer()
    status = _enum(AttendanceStatus)
    note = fields.String()
    method = _enum(AttendanceMethod)
    recorded_at = fields.DateTime()
    changed = fields.Boolean(metadata={"description": "False when the same status was already recorded."})


class SessionFactSchema(OutSchema):
    id = fields.Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    cancelled = fields.Boolean()


class CellSchema(OutSchema):
    session_id = fields.Integer()
    status = _enum(AttendanceStatus, allow_none=True)
    counted = fields.Boolean(metadata={"description": "The learner is held to this session."})


class SummarySchema(OutSchema):
    percent = fields.Float(allow_none=True)
    attended = fields.Integer()
    excused = fields.Integer()
    missed = fields.Integer()
    ahead = fields.Integer()
    needed = fields.Integer()
    standing = _enum(Standing)


class AttendanceRowSchema(OutSchema):
    learner = fields.Nested(LearnerSchema)
    sessions = fields.List(fields.Nested(CellSchema))
    summary = fields.Nested(SummarySchema)


class CycleAttendanceSchema(OutSchema):
    cycle_id = fields.Integer()
    min_attendance_percent = fields.Integer()
    excused_policy = _enum(ExcusedPolicy)
    sessions = fields.List(fields.Nested(SessionFactSchema))
    learners = fields.List(fields.Nested(AttendanceRowSchema))


# --- certificates ----------------------------------------------------------------------------

class CertificateSchema(OutSchema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "As printed: XXXX-XXXX-XXXX-C."})
    course_title = fields.String()
    cycle_title = fields.String()
    issued_at = fields.DateTime()
    revoked = fields.Boolean()
    revoked_at = fields.DateTime(allow_none=True)
    verify_url = fields.String()


VALIDITY_STATUSES = ["valid", "expiring_soon", "expired", "renewed", "revoked"]


class VerificationSchema(OutSchema):
    code = fields.String()
    valid = fields.Boolean()
    status = fields.String(validate=validate.OneOf(VALIDITY_STATUSES), metadata={"enum": VALIDITY_STATUSES})
    valid_from = fields.DateTime()
    valid_until = fields.Date(allow_none=True, metadata={"description": "the last day it is valid; null: no end"})
    renewed_by = fields.String(allow_none=True, metadata={"description": "the code of the certificate that renewed it"})
    revoke_reason = fields.String(allow_none=True)
    learner_name = fields.String()
    course_title = fields.String()
    first_date = fields.Date()
    last_date = fields.Date()
    issuer = fields.String()
    issued_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    verify_url = fields.String()


# --- planning --------------------------------------------------------------------------------

#: plans are for this century: it keeps the recurrence arithmetic far from the calendar's ends
PLAN_DATES = validate.Range(min=EARLIEST_DATE, max=LATEST_DATE)


class RecurrenceInSchema(Schema):
    kind = _enum(RecurrenceKind, load_default=RecurrenceKind.WEEKLY)
    first_date = fields.Date(required=True, validate=PLAN_DATES)
    start_time = fields.Time(required=True, metadata={"description": "Local time, e.g. 18:00."})
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=15, max=720))
    weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(min=0, max=6)),
                           load_default=list, validate=validate.Length(max=7), metadata={
                               "description": "weekly: 0 = Monday … 6 = Sunday; monthly: one weekday."})
    interval = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=12))
    nth = fields.Integer(load_default=1, strict=True, validate=validate.OneOf([1, 2, 3, 4, -1]),
                         metadata={"description": "monthly: which weekday of the month (-1 = last)."})
    rrule = fields.String(load_default="", validate=validate.Length(max=500),
                          metadata={"description": "rrule: an RFC 5545 RRULE without DTSTART."})
    count = fields.Integer(allow_none=True, load_default=None, strict=True,
                           validate=validate.Range(min=1, max=200))
    until = fields.Date(allow_none=True, load_default=None, validate=PLAN_DATES)
    skip_holidays = fields.Boolean(load_default=True)


class CycleInSchema(Schema):
    course_id = fields.Integer(required=True, strict=True, validate=ID)
    title = fields.String(required=True, validate=[validate.Length(min=1, max=120),
                                                   validate.Regexp(r"^\s*\S", error=_l("Must not be blank."))])
    recurrence = fields.Nested(RecurrenceInSchema, required=True)
    room_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    trainer_ids = fields.List(fields.Integer(strict=True, validate=ID),
                              load_default=list, validate=validate.Length(max=20))
    enrolment_opens_on = fields.Date(allow_none=True, load_default=None, validate=PLAN_DATES)
    enrolment_closes_on = fields.Date(allow_none=True, load_default=None, validate=PLAN_DATES)
    approval_required = fields.Boolean(load_default=False)
    min_attendance_percent = fields.Integer(load_default=80, strict=True, validate=validate.Range(min=0, max=100))
