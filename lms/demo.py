"""Demo data for `lms seed-demo`: a small, realistic center that every feature adds to.

Running it twice changes nothing: everything is found by a natural key before it is created.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.enrolment.demo import seed_members_demo, seed_offers_demo
from lms.enrolment.reservation_demo import seed_reservations_demo
from lms.auth.models import Organisation, Role, Sector, User
from lms.auth.passwords import hash_password
from lms.auth.service import create_user, find_user_by_email
from lms.attendance.demo import seed_attendance_demo
from lms.attendance.roll_call_demo import seed_roll_call_demo
from lms.catalog.demo import seed_catalog_demo
from lms.community.demo import seed_meeting_place_demo
from lms.certificates.demo import seed_certificates_demo, seed_renewals_demo
from lms.quizzes.demo import seed_quiz_demo
from lms.extensions import db
from lms.growth.demo import seed_growth_demo
from lms.notifications.demo import seed_notifications_demo
from lms.planning.demo import seed_planning_demo
from lms.privacy.demo import seed_privacy_demo
from lms.signup.demo import seed_signup_demo

DEMO_PASSWORD = "kompetens-demo-2026"


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    sector: Sector
    number: str
    domain: str


ORGANISATIONS = [
    DemoOrganisation("Möllevångens Kulturförening", Sector.NON_PROFIT, "802471-1234", "mollankultur.example"),
    DemoOrganisation("Rosengårds Läxhjälp", Sector.NON_PROFIT, "802488-2201", "laxhjalpen.example"),
    DemoOrganisation("Språkvänner i Malmö", Sector.NON_PROFIT, "802503-3310", "sprakvanner.example"),
    DemoOrganisation("Hyllie Idrottsallians", Sector.NON_PROFIT, "802455-4402", "hyllieia.example"),
    DemoOrganisation("Seniorernas Vänner i Limhamn", Sector.NON_PROFIT, "802433-5518", "seniorvanner.example"),
    DemoOrganisation("Fosie Matkasse", Sector.NON_PROFIT, "802519-6620", "fosiematkasse.example"),
    DemoOrganisation("Kirsebergs Grannsamverkan", Sector.NON_PROFIT, "802526-7731", "kirsebergsgrannar.example"),
    DemoOrganisation("Malmö stad, fritidsförvaltningen", Sector.PUBLIC_SECTOR, "212000-1124", "fritid.malmo.example"),
    DemoOrganisation("Malmö universitet, urbana studier", Sector.ACADEMIA, "202100-4771", "mau.example"),
    DemoOrganisation("Öresund Hållbarhet AB", Sector.COMPANY, "559301-2288", "oresundhallbarhet.example"),
]

FIRST_NAMES = [
    "Anna", "Erik", "Fatima", "Johan", "Maria", "Ahmed", "Sara", "Lars", "Leila", "Karin",
    "Mohammed", "Eva", "Nils", "Amina", "Peter", "Elin", "Omar", "Ingrid", "Jonas", "Zeynep",
    "Per", "Sofia", "Ali", "Helena", "Mats", "Nadia", "Björn", "Linnea", "Hassan", "Ulla",
]
LAST_NAMES = [
    "Andersson", "Lindqvist", "Hassan", "Nilsson", "Persson", "Yilmaz", "Berg", "Ali",
    "Svensson", "Karlsson", "Omar", "Johansson", "Ek", "Nowak", "Holm", "Demir",
]

STAFF = [
    (Role.ADMIN, "admin@kompetenscentret.example", "Alva Administratör", None),
    (Role.COORDINATOR, "samordnare@kompetenscentret.example", "Cecilia Samordnare", None),
    (Role.COORDINATOR, "samordnare2@kompetenscentret.example", "Kristian Planerare", None),
    (Role.TRAINER, "utbildare@kompetenscentret.example", "Tove Utbildare", None),
    (Role.TRAINER, "utbildare2@kompetenscentret.example", "Reza Kursledare", None),
    (Role.TRAINER, "utbildare3@kompetenscentret.example", "Birgitta Handledare", 0),
    (Role.TRAINER, "utbildare4@kompetenscentret.example", "Jamal Pedagog", 8),
    (Role.ORGANISATION_CONTACT, "kontakt@mollankultur.example", "Oskar Kontaktperson", 0),
    (Role.ORGANISATION_CONTACT, "kontakt@laxhjalpen.example", "Yasmin Kontaktperson", 1),
]
LEARNER_COUNT = 60
#: a learner who reads Arabic best: her name in Arabic script, the interface in Arabic, a certificate
#: (she is among the first ten of the finished cycle, lms/certificates/demo.py); docs/languages.md
ARABIC_LEARNER, ARABIC_NAME = 6, "سارة عمر"


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo center once; return one login per role as (role, email, password).

    The caller's unit of work commits it (`lms seed-demo`).
    """
    password_hash = hash_password(DEMO_PASSWORD)
    organisations = _seed_organisations()
    _seed_staff(organisations, password_hash)
    _seed_learners(organisations, password_hash)
    seed_catalog_demo([learner_email(i) for i in range(LEARNER_COUNT)])
    seed_quiz_demo([learner_email(i) for i in range(LEARNER_COUNT)])
    seed_planning_demo()
    seed_attendance_demo()
    seed_roll_call_demo([learner_email(i) for i in range(2, 14)])
    seed_certificates_demo([learner_email(i) for i in range(LEARNER_COUNT)])
    seed_renewals_demo([learner_email(i) for i in range(LEARNER_COUNT)])
    seed_notifications_demo()
    seed_meeting_place_demo()
    seed_privacy_demo()
    seed_signup_demo()
    seed_members_demo(password_hash)
    seed_reservations_demo()
    seed_offers_demo()
    seed_growth_demo()
    db.session.flush()
    return [
        ("admin", "admin@kompetenscentret.example", DEMO_PASSWORD),
        ("coordinator", "samordnare@kompetenscentret.example", DEMO_PASSWORD),
        ("trainer", "utbildare@kompetenscentret.example", DEMO_PASSWORD),
        ("organisation_contact", "kontakt@mollankultur.example", DEMO_PASSWORD),
        ("learner", learner_email(0), DEMO_PASSWORD),
    ]


def _seed_organisations() -> list[Organisation]:
    existing = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    result = []
    for demo in ORGANISATIONS:
        organisation = existing.get(demo.name)
        if organisation is None:
            organisation = Organisation(
                name=demo.name, sector=demo.sector, organisation_number=demo.number,
                contact_email=f"info@{demo.domain}",
            )
            db.session.add(organisation)
        result.append(organisation)
    db.session.flush()
    return result


def _ensure_user(email: str, name: str, roles: list[Role], organisation: Organisation | None,
                 password_hash: str, locale: str = "sv") -> User:
    user = find_user_by_email(email)
    if user is None:
        user = create_user(
            email, name, roles=roles, locale=locale,
            organisation_id=organisation.id if organisation else None,
        )
        user.password_hash = password_hash
    return user


def _seed_staff(organisations: list[Organisation], password_hash: str) -> None:
    for role, email, name, organisation_index in STAFF:
        organisation = organisations[organisation_index] if organisation_index is not None else None
        roles = [role, Role.LEARNER] if role is Role.ORGANISATION_CONTACT else [role]
        _ensure_user(email, name, roles, organisation, password_hash)


def learner_name(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"


def learner_email(index: int) -> str:
    first, last = learner_name(index).lower().split(" ", 1)
    ascii_name = f"{first}.{last}".translate(str.maketrans("åäöéü", "aaoeu"))
    domain = ORGANISATIONS[index % len(ORGANISATIONS)].domain
    return f"{ascii_name}{index + 1}@{domain}"


def _seed_learners(organisations: list[Organisation], password_hash: str) -> None:
    for index in range(LEARNER_COUNT):
        organisation = organisations[index % len(organisations)]
        locale = "ar" if index == ARABIC_LEARNER else "en" if index % 5 == 4 else "sv"
        name = ARABIC_NAME if index == ARABIC_LEARNER else learner_name(index)
        _ensure_user(learner_email(index), name, [Role.LEARNER], organisation, password_hash, locale)
