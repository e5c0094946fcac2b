"""Swedish by default, English on request; the choice is remembered; catalogs are complete."""
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_user

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lms" / "translations"


def test_swedish_is_the_default(client):
    html = client.get("/login").text
    assert '<html lang="sv" dir="ltr">' in html and "Logga in" in html


def test_accept_language_english_gives_english(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en" dir="ltr">' in html and "Log in" in html


def test_the_switcher_remembers_the_choice_for_a_visitor(client):
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="en" dir="ltr">' in client.get("/login").text


def test_the_switcher_stores_the_choice_on_the_account(app, client):
    user = make_user(locale="sv")
    db.session.commit()
    log_in(client, user.email)
    client.post("/language", data={"locale": "en", "next": "//evil.example"})
    db.session.expire_all()
    assert user.locale == "en"
    other_device = app.test_client()
    log_in(other_device, user.email)
    assert '<html lang="en" dir="ltr">' in other_device.get("/").text


def test_an_unknown_language_is_refused(client):
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


#: the catalogues the product ships (English is the source language)
CATALOGUES = ("sv", "ar")


@pytest.mark.parametrize("locale", CATALOGUES)
def test_each_catalog_is_complete_and_compiled(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    def as_dict(messages):
        return {_key(m.id): _key(m.string) for m in messages if m.id}

    assert as_dict(compiled) == as_dict(catalog), \
        "messages.mo is stale: run make translations"


def _key(value):
    return value if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_translatable_string_is_in_the_catalog(locale):
    from babel.messages.extract import extract_from_dir

    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    root = TRANSLATIONS.parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    assert sorted(found - known) == [], "run make extract-messages and translate"


@pytest.mark.parametrize("locale, subject", [("sv", "Välkommen till Kompetenscentret"),
                                             ("en", "Welcome to Kompetenscentret"),
                                             ("ar", "أهلًا بك في Kompetenscentret")])
def test_e_mails_are_written_in_the_recipients_language(admin_client, outbox, locale, subject):
    admin_client.post("/admin/users/invite", data={
        "email": f"ny-{locale}@example.org", "name": "Ny", "organisation_id": 0,
        "roles": ["learner"], "locale": locale,
    })
    [message] = outbox.messages()
    assert message["Subject"] == subject


#: spellings the Swedish texts do not use, and the one that replaces each
BANNED_SWEDISH = {"epost": "e-post", "i kön": "på väntelistan", "väntelista ": "väntelistan",
                  "e-mail": "e-post", "email": "e-post"}


def test_the_swedish_catalogue_speaks_with_one_voice():
    with open(TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            words = (text or "").lower().replace("%(email)s", "")
            found += [(text, banned, instead) for banned, instead in BANNED_SWEDISH.items() if banned in words]
    assert not found, found


def test_a_page_and_a_mail_in_one_request_each_speak_their_own_language(app):
    """The request's catalogue is kept, but force_locale (a mail to someone else) and refresh
    (a changed choice) are followed at once, in Python and in templates."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        assert gettext("Log out") == "Logga ut"
        with force_locale("en"):
            assert gettext("Log out") == "Log out"
            assert render_template_string("{{ _('Log out') }}") == "Log out"
        assert render_template_string("{{ _('Log out') }}") == "Logga ut"
        from flask import session

        session["locale"] = "en"
        refresh()
        assert gettext("Log out") == "Log out"


def test_template_translations_escape_only_where_the_template_escapes(app):
    """A name in an HTML page is escaped; in a plain-text mail it is left as typed."""
    with app.test_request_context("/"):
        html = app.jinja_env.overlay(autoescape=True).from_string(
            "{{ _('Logged in as %(name)s', name=who) }}")
        assert html.render(who="<b>Å</b>") == "Inloggad som &lt;b&gt;Å&lt;/b&gt;"
        text = app.jinja_env.overlay(autoescape=False).from_string(
            "{% trans name=who %}Logged in as {{ name }}{% endtrans %}")
        assert text.render(who="<b>Å</b>") == "Inloggad som <b>Å</b>"
