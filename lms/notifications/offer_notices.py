"""Messages about seats offered from the wait-list: the offer itself (with its answer links) and an
offer that lapsed unanswered. Consumers of the OFFERED and OFFER_LAPSED domain events; each message
once, by its dedupe key (the offer's id). And the weekly digest's section of offers still open."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.core.digest_parts import DigestItem, DigestSection, Week
from lms.db_types import utcnow
from lms.enrolment.models import Enrolment
from lms.enrolment.offers import offer_token
from lms.enrolment.policy_models import OfferStatus, WaitlistOffer
from lms.events import DomainEvent
from lms.extensions import db
from lms.notifications.compose import Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.planning.models import Cycle, CycleStatus


def _offer(event: DomainEvent) -> WaitlistOffer | None:
    offer = db.session.execute(
        select(WaitlistOffer).where(WaitlistOffer.id == event.payload["offer_id"])
        .options(joinedload(WaitlistOffer.user),
                 joinedload(WaitlistOffer.enrolment).joinedload(Enrolment.cycle).joinedload(Cycle.course))
    ).scalar_one_or_none()
    if offer is None or not offer.user.is_active or offer.enrolment.cycle.status is not CycleStatus.PUBLISHED:
        return None
    return offer


def offer_notice(event: DomainEvent) -> None:
    """Tell the person a seat is theirs to take until the offer ends (nothing if it already ended)."""
    now = utcnow()
    offer = _offer(event)
    if offer is None or offer.status is not OfferStatus.OPEN or offer.expires_at <= now:
        return
    cycle = offer.enrolment.cycle
    link = absolute_url("enrolment.offer", token=offer_token(offer))
    context = {"cycle": cycle, "course": cycle.course, "offer": offer}
    deliver(offer.user, Notice(Kind.WAITLIST_OFFER, f"waitlist_offer:{offer.id}", "waitlist_offer",
                               context, link), now=now)


def offer_lapsed_notice(event: DomainEvent) -> None:
    """Tell the person their offer lapsed and they left the wait-list (they may join it again)."""
    offer = _offer(event)
    if offer is None or offer.status is not OfferStatus.LAPSED:
        return
    cycle = offer.enrolment.cycle
    link = absolute_url("enrolment.cycle", cycle_id=cycle.id)
    context = {"cycle": cycle, "course": cycle.course, "offer": offer}
    deliver(offer.user, Notice(Kind.OFFER_LAPSED, f"offer_lapsed:{offer.id}", "offer_lapsed", context, link),
            now=utcnow())


def offers_section(people: list[User], week: Week) -> dict[int, DigestSection]:
    """Each person's open offers, soonest ending first, with the link of the offer's own page."""
    ids = [p.id for p in people]
    if not ids:
        return {}
    offers = db.session.execute(
        select(WaitlistOffer)
        .where(WaitlistOffer.user_id.in_(ids), WaitlistOffer.status == OfferStatus.OPEN,
               WaitlistOffer.expires_at > max(utcnow(), week.starts_at))
        .options(joinedload(WaitlistOffer.enrolment).joinedload(Enrolment.cycle).joinedload(Cycle.course))
        .order_by(WaitlistOffer.expires_at, WaitlistOffer.id)
    ).scalars().all()
    found: dict[int, list[DigestItem]] = {}
    for offer in offers:
        cycle = offer.enrolment.cycle
        found.setdefault(offer.user_id, []).append(DigestItem(
            text=f"{cycle.course.title}: {cycle.title}",
            deadline=offer.expires_at, deadline_label=_l("Answer by"),
            detail=_l("A seat is kept for you until then."),
            link=absolute_url("enrolment.offer", token=offer_token(offer))))
    return {user_id: DigestSection(_l("Offers waiting for your answer"), items) for user_id, items in found.items()}
