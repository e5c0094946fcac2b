"""The field messages of a 422 answer speak the request's language (they were English in every language)."""
from __future__ import annotations

import marshmallow.fields as fields
import marshmallow.validate as validate
import pytest
from flask_babel import force_locale
from marshmallow import Schema

from lms.api.field_messages import FIXED, PATTERNS, translated


def _marshmallow_messages() -> list[str]:
    """Every message marshmallow's fields, schemas and validators can give, formatted as it formats them."""
    messages = []
    for field in (fields.Field, fields.String, fields.Integer, fields.Number, fields.Boolean, fields.Date,
                  fields.DateTime, fields.Email, fields.List, fields.Nested, fields.Dict, fields.Float):
        for text in field.default_error_messages.values():
            if "{obj_type}" in text or "{input}" in text:
                for obj_type in ("date", "datetime") if "{awareness}" not in text else ("datetime",):
                    messages.append(text.format(obj_type=obj_type, awareness="aware", input="x"))
            else:
                messages.append(text)
    messages += list(Schema._default_error_messages.values())
    for validator in (validate.Range(min=1, max=17), validate.Range(min=1), validate.Range(max=9),
                      validate.Range(min=1, max=5, min_inclusive=False, max_inclusive=False),
                      validate.Length(min=1, max=120), validate.Length(max=200), validate.Length(min=2),
                      validate.Length(equal=4), validate.OneOf(["valid", "revoked"]), validate.Email(),
                      validate.Regexp("a")):
        try:
            validator("z" * 300 if isinstance(validator, (validate.Length, validate.Regexp)) else 0)
        except Exception as error:  # noqa: BLE001 marshmallow's ValidationError
            messages += error.messages
        try:
            validator(-5 if isinstance(validator, validate.Range) else "")
        except Exception as error:  # noqa: BLE001
            messages += error.messages
    return sorted(set(messages))


def test_every_message_marshmallow_gives_is_listed_for_translation():
    unknown = [m for m in _marshmallow_messages()
               if m not in FIXED and not any(pattern.match(m) for pattern, _ in PATTERNS)]
    assert not unknown, unknown


@pytest.mark.parametrize("message", ["Missing data for required field.",
                                     "Must be greater than or equal to 1 and less than or equal to 17.",
                                     "Longer than maximum length 200."])
def test_in_english_the_message_is_marshmallows_own(app, message):
    with app.test_request_context("/"), force_locale("en"):
        assert translated(message) == message


def test_in_swedish_the_messages_are_translated_with_their_values(app):
    with app.test_request_context("/"), force_locale("sv"):
        assert translated("Missing data for required field.") != "Missing data for required field."
        text = translated("Must be greater than or equal to 1 and less than or equal to 17.")
        assert "1" in text and "17" in text and "Must be" not in text


@pytest.mark.parametrize("locale", ["sv", "en", "ar"])
def test_a_422_answer_gives_its_field_messages_in_the_token_owners_language(app, api, center, locale):
    from lms.extensions import db

    center.learner.locale = locale
    db.session.commit()
    body = api.as_(center.secrets["learner"]).get("/courses?sdg=18&limit=0&nonsense=1").json
    assert body["status"] == 422 and set(body["errors"]) == {"sdg", "limit", "nonsense"}
    messages = [message for found in body["errors"].values() for message in found]
    with app.test_request_context("/"), force_locale(locale):
        expected = [translated(m) for m in ("Must be greater than or equal to 1 and less than or equal to 17.",
                                            "Unknown field.")]
    assert set(expected) <= set(messages), messages
    if locale == "sv":
        assert not any(m.startswith(("Must be", "Unknown")) for m in messages), messages
