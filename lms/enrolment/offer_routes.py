"""Pages of fair seats: answering an offer from the wait-list (by the e-mailed link or in the app),
and a person's no-show standing, which a coordinator may lift with a reason."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import Role, User
from lms.auth.permissions import role_required
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.enrolment import no_show, offers, service
from lms.enrolment.models import Enrolment
from lms.enrolment.blueprint import bp
from lms.enrolment.forms import LiftStandingForm, OfferAnswerForm
from lms.enrolment.policy_models import OFFER_STATUS_LABELS, WaitlistOffer
from lms.extensions import db


def _offer_of_link(token: str) -> WaitlistOffer:
    """The offer of a link; someone else's (a forged link, or another person logged in) is 404."""
    offer = offers.read_offer_token(token)
    if offer is None or (current_user.is_authenticated and current_user.id != offer.user_id):
        abort(404)
    return offer


@bp.get("/offers/<token>")
def offer(token: str):
    offer = _offer_of_link(token)
    return render_template("enrolment/offer.html", offer=offer, cycle=offer.enrolment.cycle,
                           form=OfferAnswerForm(), token=token, now=utcnow())


@bp.post("/offers/<token>/accept")
def accept_offer(token: str):
    offer = _offer_of_link(token)
    back = url_for("enrolment.offer", token=token)
    if not OfferAnswerForm().validate_on_submit():
        abort(400)
    with refusal_flashed(back):
        enrolment = offers.accept_offer(offer, now=utcnow(), actor_id=offer.user_id)
    flash(_("The seat is yours.") if enrolment.status.value == "enrolled"
          else _("The seat is held for you until your enrolment is approved."), "success")
    return redirect(url_for("enrolment.cycle", cycle_id=offer.cycle_id))


@bp.post("/offers/<token>/decline")
def decline_offer(token: str):
    offer = _offer_of_link(token)
    if not OfferAnswerForm().validate_on_submit():
        abort(400)
    with refusal_flashed(url_for("enrolment.offer", token=token)):
        offers.decline_offer(offer, now=utcnow(), actor_id=offer.user_id)
    flash(_("You said no to the seat; it goes to the next person on the wait-list."), "success")
    return redirect(url_for("enrolment.cycle", cycle_id=offer.cycle_id))


@bp.post("/enrolments/<int:enrolment_id>/remove")
@role_required(Role.COORDINATOR)
def remove(enrolment_id: int):
    """A coordinator takes someone's place away (their seat is offered on; not a late cancellation)."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    back = url_for("planning.cycle", cycle_id=enrolment.cycle_id)
    with refusal_flashed(back):
        service.withdraw(enrolment, actor_id=current_user.id, now=utcnow())
    flash(_("%(name)s no longer has a place in the cycle.", name=enrolment.user.name), "success")
    return redirect(back)


@bp.route("/enrolment/people/<int:user_id>/standing", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def standing(user_id: int):
    person = db.get_or_404(User, user_id)
    form = LiftStandingForm()
    if form.validate_on_submit():
        back = url_for("enrolment.standing", user_id=user_id)
        with refusal_flashed(back):
            no_show.lift_standing(person.id, actor_id=current_user.id, reason=form.reason.data, now=utcnow())
        flash(_("The no-show rule is lifted for %(name)s.", name=person.name), "success")
        return redirect(back)
    return render_template("enrolment/standing.html", person=person, form=form,
                           standing=no_show.standing(person.id, utcnow()))


@bp.app_context_processor
def _offer_labels() -> dict:
    """An offer's status in words, for the offer page and the coordinator's list of offers."""
    return dict(offer_status_label=lambda offer: str(OFFER_STATUS_LABELS[offer.status]))
