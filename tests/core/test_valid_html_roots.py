"""The roots of the HTML errors the page sweep found: fixed once for every page."""
from datetime import date, datetime, timezone

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from lms.core.templating import field_attrs, machine_time


class TwoFields(FlaskForm):
    name = StringField("Name")
    room = SelectField("Room", choices=[("1", "Verkstaden"), ("2", "Salen")], validators=[DataRequired()])
    maybe = SelectField("Maybe", choices=[("", "—"), ("1", "Verkstaden")], validators=[DataRequired()])


def test_the_csrf_field_has_no_id_so_several_forms_on_a_page_do_not_clash(app):
    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context():
        first, second = TwoFields(), TwoFields()
        html = str(first.csrf_token) + str(second.csrf_token)
    assert 'id="csrf_token"' not in html
    assert html.count('name="csrf_token"') == 2


def test_time_attributes_are_to_the_second():
    moment = datetime(2026, 11, 17, 17, 0, 5, 123456, tzinfo=timezone.utc)
    assert machine_time(moment) == "2026-11-17T17:00:05+00:00"
    assert machine_time(date(2026, 11, 17)) == "2026-11-17"


def test_a_required_list_that_always_has_a_choice_is_not_marked_required(app):
    with app.test_request_context():
        form = TwoFields(meta={"csrf": False})
        assert field_attrs(form.room)["required"] is False
        assert "required" not in field_attrs(form.maybe)
        assert 'required' not in form.room(**field_attrs(form.room))
        assert 'required' in form.maybe(**field_attrs(form.maybe))


def test_the_check_in_screen_never_has_an_empty_image_address(app):
    template = app.jinja_env.get_template("attendance/checkin_screen.html")
    assert "state.qr or ''" not in open(template.filename, encoding="utf-8").read()
