"""Three languages, Arabic right to left: the choice, the direction and the formats of each."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask_babel import force_locale

from lms.core.formatting import date_text, datetime_text, number_text
from lms.core.i18n import LANGUAGE_NAMES, text_direction
from lms.extensions import db
from lms.planning.recurrence import describe_rule
from tests.conftest import log_in
from tests.factories import make_user

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lms" / "translations"


def test_arabic_is_offered_and_written_right_to_left(app):
    assert tuple(app.config["LMS_LOCALES"]) == ("sv", "en", "ar")
    assert [text_direction(code) for code in ("sv", "en", "ar")] == ["ltr", "ltr", "rtl"]
    assert get_plural("ar").num_plurals == 6, "zero, one, two, few, many, other"


def test_the_arabic_catalogue_when_there_has_the_six_plural_forms():
    po = TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        pytest.skip("the Arabic catalogue arrives separately")
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    assert catalogue.num_plurals == 6


def test_the_first_visit_follows_the_browsers_language(client):
    html = client.get("/login", headers={"Accept-Language": "ar-SE,ar;q=0.9,sv;q=0.5"}).text
    assert '<html lang="ar" dir="rtl">' in html


def test_the_switch_offers_all_three_by_their_own_names(client):
    html = client.get("/login").text
    for code, name in (("sv", "Svenska"), ("en", "English"), ("ar", "العربية")):
        assert f'name="locale" value="{code}" lang="{code}"' in html and f">{name}</button>" in html
    assert 'value="ar" lang="ar" dir="rtl"' in html
    assert html.count('aria-pressed="true"') == 1


def test_a_visitors_choice_of_arabic_is_kept(client):
    client.post("/language", data={"locale": "ar", "next": "/login"})
    assert '<html lang="ar" dir="rtl">' in client.get("/login", headers={"Accept-Language": "sv"}).text


def test_arabic_chosen_on_the_account_page_is_kept_on_every_device(app, client):
    user = make_user(name="Omar Haddad", locale="sv")
    db.session.commit()
    log_in(client, user.email)
    assert '<option value="ar">العربية</option>' in client.get("/account").text
    client.post("/account/profile", data={"name": "عمر Haddad", "locale": "ar"})
    db.session.expire_all()
    assert (user.locale, user.name) == ("ar", "عمر Haddad")
    elsewhere = app.test_client()
    log_in(elsewhere, user.email)
    assert '<html lang="ar" dir="rtl">' in elsewhere.get("/account", headers={"Accept-Language": "sv"}).text


def test_the_administrators_language_choice_offers_arabic(app):
    from lms.admin.forms import InviteUserForm

    with app.test_request_context("/"):
        assert ("ar", "العربية") in InviteUserForm(meta={"csrf": False}).locale.choices


@pytest.mark.parametrize("locale, day, moment, number", [
    ("sv", "3 dec. 2026", "3 dec. 2026 15:05", "1\xa0555,5"),
    ("en", "3 Dec 2026", "3 Dec 2026 15:05", "1,555.5"),
    ("ar", "3 ديسمبر 2026", "3 ديسمبر 2026 15:05", "1,555.5"),
])
def test_dates_times_and_numbers_in_each_language(app, locale, day, moment, number):
    with app.test_request_context("/"), force_locale(locale):
        assert date_text(date(2026, 12, 3)) == day
        assert datetime_text(datetime(2026, 12, 3, 14, 5, tzinfo=timezone.utc)) == moment  # Stockholm time
        assert number_text(1555.5) == number


@pytest.mark.parametrize("locale, tuesday, thursday", [("sv", "tisdag", "torsdag"), ("en", "Tuesday", "Thursday"),
                                                       ("ar", "الثلاثاء", "الخميس")])
def test_recurrence_descriptions_name_the_weekdays_in_each_language(app, locale, tuesday, thursday):
    with app.test_request_context("/"), force_locale(locale):
        words = describe_rule("FREQ=WEEKLY;BYDAY=TU,TH", count=6)
        assert tuesday in words and thursday in words
        assert thursday in describe_rule("FREQ=MONTHLY;BYDAY=1TH")


def test_every_language_has_its_own_name():
    assert set(LANGUAGE_NAMES) >= {"sv", "en", "ar"}


def test_an_e_mail_to_an_arabic_reader_is_right_to_left(app):
    from lms.notifications.mail import render_email

    user = make_user(name="ليلى حسن", locale="ar")
    with app.test_request_context("/"):
        subject, text, html = render_email("password_reset", "ar", user=user, link="https://x.example/r", minutes=30)
    assert '<html lang="ar" dir="rtl">' in html and "<bdi>ليلى حسن</bdi>" in html
