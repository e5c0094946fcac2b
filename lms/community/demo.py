"""Demo meeting place: a lively board on a running cycle (a pinned welcome, questions, replies, a
hidden post and an open report), and a few people and organisations who chose to be listed.

Also seeds the evaluations and needs demos, so that `lms seed-demo` makes one call for issue 10's
packages. Found by natural keys before made: running it twice changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms.auth.models import User
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.community import board, directory
from lms.community.models import BoardThread
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus

TRAINER = "utbildare@kompetenscentret.example"
PROFILES = [
    (1, "Kassör i Rosengårds Läxhjälp sedan i höstas.", "budget, bidragsredovisning", True),
    (2, "Samordnar volontärer på språkcaféet i Södra Innerstaden.", "rekrytering av volontärer", False),
    (5, "Styrelseledamot, ansvarar för medlemsregistret.", "GDPR, medlemsregister", True),
    (7, "Forskar om civilsamhällets roll i stadsutveckling.", "samverkan med kommunen", True),
    (9, "Ordförande i en idrottsförening i Hyllie.", "hållbara cuper, föräldrar som ledare", False),
]
ORGANISATIONS = [
    ("kontakt@mollankultur.example", "Kulturföreningen som ordnar Möllanfestivalen och språkcaféer.",
     "https://mollankultur.example"),
    ("kontakt@laxhjalpen.example", "Läxhjälp för barn och unga i Rosengård, fyra kvällar i veckan.", ""),
]


def seed_meeting_place_demo() -> None:
    """The evaluations, needs and community demos, in that order."""
    from lms.evaluations.demo import seed_evaluations_demo
    from lms.needs.demo import seed_needs_demo

    seed_evaluations_demo()
    seed_needs_demo()
    seed_community_demo()


def seed_community_demo() -> None:
    from lms.demo import learner_email

    people = {i: find_user_by_email(learner_email(i)) for i in range(0, 12)}
    cycle = _running_cycle("foreningsekonomi")
    trainer = find_user_by_email(TRAINER)
    if cycle is not None and trainer is not None and None not in people.values():
        _board(cycle, trainer, people, utcnow())
    _directory(learner_email)
    db.session.flush()


def _running_cycle(slug: str) -> Cycle | None:
    return db.session.execute(
        select(Cycle).join(Course, Course.id == Cycle.course_id)
        .where(Course.slug == slug, Cycle.status == CycleStatus.PUBLISHED).order_by(Cycle.id)
    ).scalars().first()


def _board(cycle: Cycle, trainer: User, people: dict[int, User], now: datetime) -> None:
    if db.session.execute(select(BoardThread.id).where(BoardThread.cycle_id == cycle.id)).first():
        return
    start = now - timedelta(days=12)
    welcome = board.start_thread(
        cycle, author_id=trainer.id, title="Välkomna – läs detta först", now=start,
        body="Hej och välkomna till kursen!\n\nHär på tavlan kan ni ställa frågor mellan träffarna. "
             "Inför nästa kväll: ta med **er förenings senaste budget** om ni har en.\n\n"
             "- Material finns under kursens moduler\n- Frågor om bokföring: skriv här, så svarar jag")
    board.set_pinned(welcome, True, actor_id=trainer.id)
    board.reply(welcome, author_id=people[3].id, body="Tack! Går det bra att ta med budgeten på papper?",
                now=start + timedelta(hours=5))
    board.reply(welcome, author_id=trainer.id, body="Absolut, papper fungerar fint.", now=start + timedelta(hours=7))
    question = board.start_thread(
        cycle, author_id=people[1].id, title="Mall för kassabok?", now=start + timedelta(days=3),
        body="Har någon en enkel mall för kassabok som fungerar för en liten förening utan anställda?")
    board.reply(question, author_id=people[2].id, now=start + timedelta(days=3, hours=2),
                body="Vi använder ett kalkylark med en flik per månad. Jag kan dela det på nästa träff!")
    board.reply(question, author_id=people[4].id, now=start + timedelta(days=4),
                body="Riksidrottsförbundet har en bra mall: <https://www.rf.se>")
    board.reply(question, author_id=trainer.id, now=start + timedelta(days=4, hours=3),
                body="Bra tips båda två. Vi tittar på kassaboken på **tisdag**.")
    swish = board.start_thread(
        cycle, author_id=people[5].id, title="Swish och kontanter på loppisen", now=start + timedelta(days=8),
        body="Hur redovisar ni kontanter från en loppis när det mesta kommer in via Swish?")
    rude = board.reply(swish, author_id=people[7].id, now=start + timedelta(days=8, hours=1),
                       body="Om man inte kan det borde man inte sitta i styrelsen.")
    board.reply(swish, author_id=people[6].id, now=start + timedelta(days=8, hours=3),
                body="Vi räknar kassan två personer tillsammans och skriver under en kassarapport.")
    board.report_post(rude, reporter_id=people[6].id, reason="Nedlåtande mot en ny styrelseledamot.",
                      now=start + timedelta(days=8, hours=4))


def _directory(learner_email) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    for index, about, topics, show_email in PROFILES:
        person = find_user_by_email(learner_email(index))
        if person is not None and directory.profile_of(person.id) is None:
            directory.save_profile(person.id, about=about, topics=topics, show_email=show_email,
                                   consent=True, now=now)
    for email, about, website in ORGANISATIONS:
        contact = find_user_by_email(email)
        if contact is not None and contact.organisation_id is not None \
                and directory.organisation_profile_of(contact.organisation_id) is None:
            directory.save_organisation_profile(contact.organisation_id, actor_id=contact.id, about=about,
                                                website=website, consent=True, now=now)
