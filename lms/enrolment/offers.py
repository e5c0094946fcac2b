"""Offers from the wait-list: a freed seat is held for the next person in the queue's order, who
accepts or declines it within a time window; a decline or a lapse passes it on, exactly once.

An open offer holds one of the cycle's seats (counted in `seats_taken`; consistency.py counts it),
so nobody enrolling meanwhile takes it past the queue. Every change of an offer is one conditional
UPDATE (`WHERE status = 'open'`, plus `expires_at > now` to accept and `<= now` to lapse), checked
by its row count, after the cycle's row is locked: of an accept and a lapse at the same moment,
or of two accepts, exactly one wins. The window is the cycle's `offer_hours`, but at most half the
time left before the last moment for offers (enrolment closing, or the first session beginning,
whichever comes first); after that moment no offer is made. Functions flush, never commit.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import exists, select, update
from sqlalchemy.orm import joinedload

from lms import events
from lms.audit.service import record_event
from lms.enrolment.models import Enrolment, EnrolmentError, EnrolmentStatus
from lms.enrolment.policy_models import OfferStatus, WaitlistOffer
from lms.events import EventKind
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus

OFFER_SALT = "lms.waitlist-offer"
#: a link in an offer's e-mail is read for at most this long (the offer itself ends much sooner)
LINK_MAX_AGE = 30 * 24 * 3600


# --- when offers are made, and for how long ------------------------------------------------------

def first_session_start(cycle_id: int) -> datetime | None:
    """The start of the cycle's first session that is not cancelled."""
    return db.session.execute(
        select(ClassSession.starts_at).where(ClassSession.cycle_id == cycle_id,
                                             ClassSession.status != SessionStatus.CANCELLED)
        .order_by(ClassSession.starts_at).limit(1)
    ).scalar_one_or_none()


def last_offer_moment(cycle: Cycle) -> datetime | None:
    """Offers are made until enrolment closes or the first session begins, whichever is first."""
    first = first_session_start(cycle.id)
    if first is None or cycle.enrolment_closes_at is None:
        return first
    return min(first, cycle.enrolment_closes_at)


def offer_window(cycle: Cycle, now: datetime) -> timedelta | None:
    """How long an offer made now may wait: min(the cycle's setting, half the time left); None: no offer."""
    last = last_offer_moment(cycle)
    if cycle.status is not CycleStatus.PUBLISHED or last is None or now >= last:
        return None
    return min(timedelta(hours=cycle.offer_hours), (last - now) / 2)


# --- making offers -------------------------------------------------------------------------------

def _next_in_queue(cycle_id: int, skip: list[int]) -> Enrolment | None:
    """The first on the wait-list (by `waitlisted_at`, then id) who holds no open offer."""
    has_offer = exists().where(WaitlistOffer.enrolment_id == Enrolment.id, WaitlistOffer.status == OfferStatus.OPEN)
    return db.session.execute(
        select(Enrolment)
        .where(Enrolment.cycle_id == cycle_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
               ~has_offer, Enrolment.id.not_in(skip))
        .order_by(Enrolment.waitlisted_at, Enrolment.id).limit(1)
    ).scalar_one_or_none()


def offer_free_seats(cycle: Cycle, *, now: datetime, actor_id: int | None = None) -> list[WaitlistOffer]:
    """Offer each free seat to the next on the wait-list, in the queue's order, while offers are made."""
    from lms.enrolment.service import lock_cycle, take_seat

    window = offer_window(cycle, now)
    if window is None:
        return []
    lock_cycle(cycle.id)
    made: list[WaitlistOffer] = []
    while (candidate := _next_in_queue(cycle.id, [o.enrolment_id for o in made])) is not None:
        if not take_seat(cycle):  # the open offer holds the seat until it is answered
            break
        offer = WaitlistOffer(enrolment_id=candidate.id, cycle_id=cycle.id, user_id=candidate.user_id,
                              status=OfferStatus.OPEN, offered_at=now, expires_at=now + window)
        db.session.add(offer)
        db.session.flush()
        _audit(offer, "enrolment.offered", actor_id, expires_at=offer.expires_at.isoformat())
        events.record(EventKind.OFFERED, offer_id=offer.id)
        made.append(offer)
    return made


def _audit(offer: WaitlistOffer, action: str, actor_id: int | None, **details) -> None:
    record_event(actor_id, action, "enrolment", offer.enrolment_id, user_id=offer.user_id,
                 cycle_id=offer.cycle_id, offer_id=offer.id, **details)


# --- answering, lapsing, leaving -----------------------------------------------------------------

def _close(offer: WaitlistOffer, status: OfferStatus, now: datetime, *, accept: bool = False,
           lapse: bool = False) -> bool:
    """Close the offer if it is still open (as the database sees it now); True if this call closed it."""
    query = update(WaitlistOffer).where(WaitlistOffer.id == offer.id, WaitlistOffer.status == OfferStatus.OPEN)
    if accept:
        query = query.where(WaitlistOffer.expires_at > now)
    if lapse:
        query = query.where(WaitlistOffer.expires_at <= now)
    result = db.session.execute(query.values(status=status, answered_at=now)
                                .execution_options(synchronize_session=False))
    db.session.refresh(offer)
    return result.rowcount == 1


def _not_open(offer: WaitlistOffer) -> EnrolmentError:
    if offer.status is OfferStatus.OPEN:  # open, but its time is up (the lapse job has not run yet)
        return EnrolmentError(_l("This offer has lapsed: its time to answer is over."))
    return EnrolmentError(_l("This offer is no longer open."))


def accept_offer(offer: WaitlistOffer, *, now: datetime, actor_id: int | None) -> Enrolment:
    """Take the offered seat: enrolled, or awaiting approval where the cycle or the no-show rule asks."""
    from lms.enrolment.no_show import needs_approval
    from lms.enrolment.service import lock_cycle, record_decision, transition

    lock_cycle(offer.cycle_id)
    if not _close(offer, OfferStatus.ACCEPTED, now, accept=True):
        raise _not_open(offer)
    enrolment = offer.enrolment
    asks = enrolment.cycle.approval_required or needs_approval(enrolment.user_id, now)
    new = EnrolmentStatus.PENDING if asks else EnrolmentStatus.ENROLLED
    if not transition(enrolment, EnrolmentStatus.WAITLISTED, new, enrolled_at=None if asks else now):
        raise EnrolmentError(_l("This offer is no longer open."))
    _audit(offer, "enrolment.offer_accepted", actor_id)
    record_decision(EventKind.PROMOTED, enrolment, actor_id)
    return enrolment


def decline_offer(offer: WaitlistOffer, *, now: datetime, actor_id: int | None) -> list[WaitlistOffer]:
    """Say no: the person leaves the wait-list and the seat is offered to the next one."""
    from lms.enrolment.service import lock_cycle

    lock_cycle(offer.cycle_id)
    if not _close(offer, OfferStatus.DECLINED, now):
        raise _not_open(offer)
    _audit(offer, "enrolment.offer_declined", actor_id)
    return _leave_and_pass_on(offer, now, actor_id)


def _leave_and_pass_on(offer: WaitlistOffer, now: datetime, actor_id: int | None) -> list[WaitlistOffer]:
    from lms.enrolment.service import release_seat, transition

    transition(offer.enrolment, EnrolmentStatus.WAITLISTED, EnrolmentStatus.WITHDRAWN, withdrawn_at=now)
    cycle = db.session.get(Cycle, offer.cycle_id)
    release_seat(cycle)
    return offer_free_seats(cycle, now=now, actor_id=actor_id)


def lapse_offers(now: datetime) -> int:
    """The scheduler's job: offers past their time lapse, each once, and their seats pass on."""
    from lms.enrolment.service import lock_cycle

    due = db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.status == OfferStatus.OPEN, WaitlistOffer.expires_at <= now)
        .order_by(WaitlistOffer.expires_at, WaitlistOffer.id)
    ).scalars().all()
    lapsed = 0
    for offer in due:
        lock_cycle(offer.cycle_id)
        if not _close(offer, OfferStatus.LAPSED, now, lapse=True):
            continue  # answered meanwhile
        lapsed += 1
        _audit(offer, "enrolment.offer_lapsed", None)
        events.record(EventKind.OFFER_LAPSED, offer_id=offer.id)
        _leave_and_pass_on(offer, now, None)
    return lapsed


def close_offer_of_leaver(enrolment: Enrolment, *, now: datetime, actor_id: int | None) -> list[WaitlistOffer]:
    """A wait-listed person left with an offer open: the offer ends and its seat passes on."""
    from lms.enrolment.service import release_seat

    offer = open_offer_of(enrolment.id)
    if offer is None or not _close(offer, OfferStatus.WITHDRAWN, now):
        return []
    _audit(offer, "enrolment.offer_withdrawn", actor_id)
    release_seat(enrolment.cycle)
    return offer_free_seats(enrolment.cycle, now=now, actor_id=actor_id)


# --- reading ------------------------------------------------------------------------------------

def open_offer_of(enrolment_id: int) -> WaitlistOffer | None:
    return db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.enrolment_id == enrolment_id,
                                    WaitlistOffer.status == OfferStatus.OPEN)
    ).scalars().first()


def open_offers_of(enrolment_ids: list[int], now: datetime) -> dict[int, WaitlistOffer]:
    """The offers still open for an answer at `now`, by enrolment id (one query)."""
    if not enrolment_ids:
        return {}
    found = db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.enrolment_id.in_(enrolment_ids),
                                    WaitlistOffer.status == OfferStatus.OPEN, WaitlistOffer.expires_at > now)
    ).scalars()
    return {offer.enrolment_id: offer for offer in found}


def offers_waiting(user_id: int, now: datetime) -> list[WaitlistOffer]:
    """The person's offers still open for an answer at `now`, soonest ending first (cycle and course loaded)."""
    return list(db.session.execute(
        select(WaitlistOffer)
        .where(WaitlistOffer.user_id == user_id, WaitlistOffer.status == OfferStatus.OPEN,
               WaitlistOffer.expires_at > now)
        .options(joinedload(WaitlistOffer.enrolment).joinedload(Enrolment.cycle).joinedload(Cycle.course))
        .order_by(WaitlistOffer.expires_at, WaitlistOffer.id)
    ).scalars())


def cycle_offers(cycle_id: int) -> list[WaitlistOffer]:
    """Every offer of the cycle, newest first, with the person: what the coordinator's page lists."""
    return list(db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.cycle_id == cycle_id)
        .options(joinedload(WaitlistOffer.user))
        .order_by(WaitlistOffer.offered_at.desc(), WaitlistOffer.id.desc())
    ).scalars())


# --- the links in the offer's message ------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=OFFER_SALT)


def offer_token(offer: WaitlistOffer) -> str:
    """The signed key of the offer's page (for this offer and person only; it works while the offer is open)."""
    return _serializer().dumps({"o": offer.id, "u": offer.user_id})


def read_offer_token(token: str) -> WaitlistOffer | None:
    """The offer a link was made for, or None for a forged, mangled or very old link."""
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
        offer_id, user_id = int(data["o"]), int(data["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    offer = db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.id == offer_id)
        .options(joinedload(WaitlistOffer.enrolment).joinedload(Enrolment.cycle).joinedload(Cycle.course))
    ).scalar_one_or_none()
    return offer if offer is not None and offer.user_id == user_id else None


def seat_facts(cycle: Cycle, enrolment: Enrolment | None, now: datetime) -> dict:
    """What the cycle's page says about fair seats: the cancellation deadline, the person's open offer."""
    from lms.enrolment.no_show import cancellation_deadline

    offer = open_offer_of(enrolment.id) if enrolment is not None else None
    if offer is not None and offer.expires_at <= now:
        offer = None
    return {"cancel_by": cancellation_deadline(cycle), "offer": offer,
            "offer_token": offer_token(offer) if offer is not None else None}
