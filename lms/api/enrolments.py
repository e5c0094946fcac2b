"""The caller's own enrolments and schedule; enrolling others for coordinators and contacts.

The seat rules are lms.enrolment.service's: one conditional UPDATE takes a seat, so the last
seat goes to exactly one request; a full cycle puts people on the wait-list, as the web form
does, unless the request says `"join_waitlist": false` (then 409 cycle-full).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields

from lms.api import schemas
from lms.api.blueprint import bp
from lms.api.common import created, forbid_unless, found, now
from lms.api.courses import session_dict, session_key
from lms.api.models import TokenScope
from lms.api.pagination import paginate
from lms.api.problems import ApiProblem
from lms.api.spec import operation
from lms.api.tokens import effective_scopes
from lms.api.auth import api_token, api_user
from lms.auth.models import Role, User
from lms.auth.permissions import can_manage_user, has_any_role
from lms.auth.service import find_user_by_email
from lms.enrolment import offers, queries, service
from lms.enrolment.models import ENDED, Enrolment, EnrolmentError, EnrolmentStatus
from lms.enrolment.policy_models import WaitlistOffer
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus
from lms.planning.queries import load_cycle

EnrolmentQuery = schemas.paged_query(
    "EnrolmentQuery", status=fields.Enum(EnrolmentStatus, by_value=True, load_default=None))
ScheduleQuery = schemas.paged_query(
    "ScheduleQuery",
    since=fields.AwareDateTime(data_key="from", load_default=None, metadata={
        "description": "Sessions ending after this moment (default: now). With an offset."}),
    until=fields.AwareDateTime(data_key="to", load_default=None, metadata={
        "description": "Sessions starting before this moment. With an offset."}),
)


def enrolment_dict(enrolment: Enrolment, positions: dict[int, int],
                   open_offers: dict[int, WaitlistOffer] | None = None) -> dict[str, Any]:
    offer = (open_offers or {}).get(enrolment.id)
    return {"id": enrolment.id, "cycle_id": enrolment.cycle_id, "cycle_title": enrolment.cycle.title,
            "course_title": enrolment.cycle.course.title, "status": enrolment.status,
            "waitlist_position": positions.get(enrolment.id),
            "offer_expires_at": offer.expires_at if offer is not None else None,
            "requested_at": enrolment.requested_at, "enrolled_at": enrolment.enrolled_at}


def refusal(error: EnrolmentError, user_id: int, cycle_id: int) -> ApiProblem:
    """409: already signed up (a double enrolment), or the cycle does not take this enrolment.

    Raised, it rolls the request back; the refused call left the enrolment as it found it.
    """
    existing = service.find_enrolment(user_id, cycle_id)
    kind = "already-enrolled" if existing is not None and existing.status not in ENDED else "conflict"
    return ApiProblem(kind, error)


def cycle_full() -> ApiProblem:
    """409 cycle-full: raised, it rolls back the place on the wait-list that was not wanted."""
    return ApiProblem("cycle-full", _l("The cycle is full. Send join_waitlist: true to join the wait-list."))


def _cycle_for_enrolment(cycle_id: int) -> Cycle:
    cycle = load_cycle(cycle_id)
    if cycle is None or cycle.status is CycleStatus.DRAFT:
        raise ApiProblem("validation", _l("Some values are missing or invalid."),
                         errors={"cycle_id": [str(_l("There is no cycle with this id."))]})
    return cycle


# --- the caller -------------------------------------------------------------------------------

@bp.get("/me")
@operation(summary="Who the token belongs to, and what it may do", tags=("me",),
           scope=TokenScope.READ, response=schemas.MeSchema)
def me():
    user, token = api_user(), api_token()
    return {"id": user.id, "name": user.name, "email": user.email, "locale": user.locale,
            "roles": sorted(role.value for role in user.roles),
            "scopes": sorted(effective_scopes(token), key=list(TokenScope).index),
            "token_expires_at": token.expires_at}


@bp.get("/me/enrolments")
@operation(summary="My enrolments, requests and wait-list places", tags=("me",),
           scope=TokenScope.READ, query=EnrolmentQuery,
           response=schemas.page_schema(schemas.EnrolmentSchema, "EnrolmentPage"))
def my_enrolments(query: dict):
    enrolments = [e for e in queries.my_enrolments(api_user().id)
                  if query["status"] is None or e.status is query["status"]]
    page = paginate(enrolments, limit=query["limit"], cursor=query["cursor"])
    positions = queries.waitlist_positions([e.cycle_id for e in page.items])
    open_offers = offers.open_offers_of([e.id for e in page.items], now())
    return {"items": [enrolment_dict(e, positions, open_offers) for e in page.items],
            "next_cursor": page.next_cursor}


@bp.post("/me/enrolments")
@operation(summary="Enrol in a cycle (or join its wait-list)", tags=("me",), scope=TokenScope.ENROL,
           body=schemas.EnrolInSchema, response=schemas.EnrolmentSchema, status=201, problems=(409,),
           description="Needs the learner role. 409 `already-enrolled` for a double enrolment, "
                       "`cycle-full` when full and `join_waitlist` is false, `conflict` when the "
                       "cycle does not take enrolments.")
def enrol(body: dict):
    user = api_user()
    forbid_unless(has_any_role(user, Role.LEARNER), _l("Only learners enrol themselves."))
    cycle = _cycle_for_enrolment(body["cycle_id"])
    try:
        enrolment = service.enrol(user.id, cycle, now=now())
    except EnrolmentError as error:
        raise refusal(error, user.id, cycle.id) from None
    if enrolment.status is EnrolmentStatus.WAITLISTED and not body["join_waitlist"]:
        raise cycle_full()
    positions = queries.waitlist_positions([cycle.id])
    return created(enrolment_dict(enrolment, positions), "api.my_enrolments")


def _my_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    return found(enrolment if enrolment and enrolment.user_id == api_user().id else None,
                 _l("You have no enrolment with this id."))


@bp.post("/me/enrolments/<int:enrolment_id>/withdraw")
@operation(summary="Withdraw from a cycle or its wait-list", tags=("me",), scope=TokenScope.ENROL,
           response=schemas.EnrolmentSchema, problems=(409,),
           description="A freed seat is offered to the first on the wait-list, for a limited time.")
def withdraw(enrolment_id: int):
    enrolment = _my_enrolment(enrolment_id)
    service.withdraw(enrolment, actor_id=enrolment.user_id, now=now())  # refused: 409 conflict
    return enrolment_dict(enrolment, {})


def _open_offer(enrolment: Enrolment) -> WaitlistOffer:
    """The enrolment's offer; none open is 409, as a link to an offer that has ended is refused."""
    offer = offers.open_offers_of([enrolment.id], now()).get(enrolment.id)
    if offer is None:
        raise ApiProblem("conflict", _l("There is no open offer of a seat for this enrolment."))
    return offer


@bp.post("/me/enrolments/<int:enrolment_id>/offer/accept")
@operation(summary="Take the seat offered from the wait-list", tags=("me",), scope=TokenScope.ENROL,
           response=schemas.EnrolmentSchema, problems=(409,),
           description="409 `conflict` when no offer is open (never made, answered, lapsed or passed on).")
def accept_offer(enrolment_id: int):
    enrolment = _my_enrolment(enrolment_id)
    accepted = offers.accept_offer(_open_offer(enrolment), now=now(), actor_id=enrolment.user_id)
    return enrolment_dict(accepted, {})


@bp.post("/me/enrolments/<int:enrolment_id>/offer/decline")
@operation(summary="Say no to the seat offered from the wait-list", tags=("me",), scope=TokenScope.ENROL,
           response=schemas.EnrolmentSchema, problems=(409,),
           description="The seat is offered to the next person; the enrolment leaves the wait-list.")
def decline_offer(enrolment_id: int):
    enrolment = _my_enrolment(enrolment_id)
    offers.decline_offer(_open_offer(enrolment), now=now(), actor_id=enrolment.user_id)
    return enrolment_dict(enrolment, {})


@bp.get("/me/schedule")
@operation(summary="My sessions, by start", tags=("me",), scope=TokenScope.READ, query=ScheduleQuery,
           response=schemas.page_schema(schemas.ScheduleItemSchema, "SchedulePage"),
           description="Sessions of the cycles I am enrolled in, cancelled ones too (status tells).")
def my_schedule(query: dict):
    sessions = queries.sessions_for_user(api_user().id, since=query["since"] or now())
    if query["until"] is not None:
        sessions = [s for s in sessions if s.starts_at < query["until"]]
    page = paginate(sessions, limit=query["limit"], cursor=query["cursor"], key=session_key)
    return {"items": [_schedule_item(s) for s in page.items], "next_cursor": page.next_cursor}


def _schedule_item(session: ClassSession) -> dict[str, Any]:
    return session_dict(session) | {"course_title": session.cycle.course.title,
                                    "cycle_title": session.cycle.title}


# --- enrolling others --------------------------------------------------------------------------

@bp.post("/cycles/<int:cycle_id>/enrolments")
@operation(summary="Enrol someone in a cycle", tags=("enrolment",), scope=TokenScope.ENROL,
           body=schemas.EnrolOtherInSchema, response=schemas.EnrolmentSchema, status=201,
           problems=(409,),
           description="Coordinators enrol anyone, also outside the enrolment window; organisation "
                       "contacts enrol members of their own organisation. No approval is asked for.")
def enrol_other(cycle_id: int, body: dict):
    actor = api_user()
    forbid_unless(has_any_role(actor, Role.COORDINATOR, Role.ORGANISATION_CONTACT),
                  _l("Only coordinators and organisation contacts enrol others."))
    cycle = found(load_cycle(cycle_id), _l("There is no cycle with this id."))
    person = _person(body, actor)
    forbid_unless(has_any_role(actor, Role.COORDINATOR) or service.contact_may_enrol(person),
                  service.STAFF_ACCOUNT)
    outcome = service.bulk_enrol(cycle, actor=actor, user_ids=[person.id], now=now())[0]
    if outcome.outcome in ("refused", "already"):
        raise refusal(EnrolmentError(outcome.reason), person.id, cycle.id)
    if outcome.outcome == EnrolmentStatus.WAITLISTED.value and not body["join_waitlist"]:
        raise cycle_full()
    enrolment = service.find_enrolment(person.id, cycle.id)
    return created(enrolment_dict(enrolment, queries.waitlist_positions([cycle.id])),
                   "api.cycle_enrolments", cycle_id=cycle.id)


def _person(body: dict, actor: User) -> User:
    """The person to enrol; to a contact, unknown and another organisation's member answer alike (422)."""
    if "user_id" in body:
        person, field = db.session.get(User, body["user_id"]), "user_id"
    else:
        person, field = find_user_by_email(body["email"]), "email"
    if has_any_role(actor, Role.COORDINATOR):
        unknown, message = person is None, _l("No account has this e-mail address or id.")
    else:
        unknown = person is None or not can_manage_user(actor, person)
        message = _l("No member of your organisation has this e-mail address or id.")
    if unknown:
        raise ApiProblem("validation", _l("Some values are missing or invalid."), errors={field: [str(message)]})
    return person
