"""Hostile input against the whole app (issue 19, point 8): whatever is sent, the answer is never a 5xx.

Hypothesis draws mutated values (huge and negative numbers, 100 000-character strings, NUL and
control characters, invalid UTF-8 as raw bytes, impossible dates) and sends them, as every kind
of person of the authorization matrix's world:

- to every form: each POST route of `app.url_map`, with the field names of the WTForms classes its
  view builds (found in the view's source) and of the page it renders on GET;
- to every GET route's query string (the filter names the pages read);
- to every API endpoint, as JSON bodies and query strings shaped by its declared schemas;
- with every integer path parameter replaced by huge, negative, zero or boundary ids.

The number of examples is bounded (EXAMPLES rounds, each sending one request to every target) so
the module stays within about two minutes per database; `-m fuzz` selects it, and `make test` runs it.
"""
from __future__ import annotations

import inspect
import json
import re
import time
from urllib.parse import quote_from_bytes

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from lms.core.input import MAX_ID
from tests.api.conftest import token_for
from tests.conftest import log_in
from tests.security.test_authorization_matrix import VISITORS, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.fuzz

#: rounds of the walk: each sends one request to every target as a drawn person
EXAMPLES = 3
#: what a request may not take out of the world for the rest of the walk
LEFT_ALONE = {"auth.logout"}  # the person would be logged out for the rounds that follow
QUERY_NAMES = ("q", "page", "sdg", "area", "language", "organisation", "organisation_id", "first", "last",
               "cycle", "course_id", "status", "role", "next", "source", "limit", "cursor", "from", "to")
LONG = "å" * 100_000

numbers = st.sampled_from(["99999999999999999999999", "-99999999999999999999", str(MAX_ID), str(MAX_ID + 1),
                           "-1", "0", "1", "1e309", "NaN", "0x10", " 7 ", "٣"])
dates = st.sampled_from(["9999-12-31", "0001-01-01", "2027-02-30", "2027-13-01", "10000-01-01", "0000-00-00",
                         "2030-01-08", "2027-03-28T02:30", "25:61", "18:00", "99:99:99"])
controls = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9f), min_size=1, max_size=12)
plain = st.sampled_from(["x", "", "on", "y", "learner@example.org", "a@b", "FREQ=YEARLY;INTERVAL=3000;COUNT=4",
                         "%", "_", "<script>", "../../etc/passwd", "present", "absent", "excused"])
raw_bytes = st.binary(min_size=1, max_size=8).map(lambda b: b + b"\xff\xfe")  # never valid UTF-8
form_values = st.one_of(numbers, dates, controls, plain, st.just(LONG), raw_bytes)
json_scalars = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from([1e308, -0.0, True]),
                         st.none(), controls, plain, dates, numbers, st.just(LONG))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
ids = st.sampled_from(["99999999999999999999999", str(MAX_ID + 1), str(MAX_ID), "0", "-1", None])


def _form_classes() -> dict[str, type]:
    found, todo = {}, list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def _field_names(form_class: type) -> set[str]:
    return {name for name in dir(form_class) if isinstance(getattr(form_class, name, None), UnboundField)}


def _names_of_view(app, endpoint: str, forms: dict[str, type]) -> set[str]:
    """Field names of the forms a view (or the helpers it calls in its module) builds."""
    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    names: set[str] = set()
    for form_name in set(re.findall(r"\b(\w+Form)\(", source)):
        if form_name in forms:
            names |= _field_names(forms[form_name])
    names |= set(re.findall(r"request\.form\.get(?:list)?\(\"(\w+)\"", source))
    return names


def _names_on_page(html: str) -> set[str]:
    return set(re.findall(r'name="([\w\-\.]+)"', html)) - {"csrf_token"}


def _build(rule, values: dict, drawn_id) -> str:
    arguments = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "IntegerConverter":
            arguments[name] = drawn_id if drawn_id is not None else values.get(name) or 1
        elif hasattr(converter, "items"):
            arguments[name] = sorted(converter.items)[0]
        else:
            arguments[name] = values.get(name) or "x"
    # build with the converter bypassed: a huge id must reach the router as it is
    path = rule.rule
    for name, value in arguments.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", quote_from_bytes(str(value).encode(), safe=""), path)
    return path


def _encode(fields: dict) -> str:
    """An urlencoded body (or query) that may hold raw, invalid UTF-8 bytes."""
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            raw = item if isinstance(item, bytes) else str(item).encode("utf-8", "surrogatepass")
            parts.append(f"{quote_from_bytes(name.encode())}={quote_from_bytes(raw)}")
    return "&".join(parts)


def _targets(app, clients, values):
    """(kind, method, rule, field names) for every route: web forms, GET pages, the API."""
    forms, targets = _form_classes(), []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint in LEFT_ALONE:
            continue
        if rule.endpoint.startswith("api."):
            op = getattr(app.view_functions[rule.endpoint], "api_operation", None)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                body = set(op.body().fields) if op is not None and op.body is not None else set()
                query = set(op.query().fields) if op is not None and op.query is not None else set()
                targets.append(("api", method, rule, (sorted(body), sorted(query))))
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            names = _names_of_view(app, rule.endpoint, forms)
            if "GET" in rule.methods:
                page = clients["admin"].get(_build(rule, values, None))
                names |= _names_on_page(page.text) if page.status_code == 200 else set()
            targets.append(("form", method, rule, sorted(names) or ["anything"]))
        if "GET" in rule.methods:
            targets.append(("query", "GET", rule, list(QUERY_NAMES)))
    return targets


@pytest.fixture
def people(app, world):  # noqa: F811  (the matrix's world fixture)
    persons, values = world
    clients = {"anonymous": app.test_client()}
    secrets = {"anonymous": None}
    for who, person in persons.items():
        clients[who] = app.test_client()
        assert log_in(clients[who], person.email).status_code == 302
        secrets[who] = token_for(person)
    return clients, secrets, values


def _send(data, kind, method, path, names, client, secret):
    """One request of `kind` with values drawn from the hostile strategies."""
    if kind == "api":
        body_names, query_names = names
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        body = {name: data.draw(json_values) for name in body_names}
        query = {name: data.draw(json_scalars) for name in query_names if data.draw(st.booleans())}
        raw = json.dumps(body if data.draw(st.booleans()) else data.draw(json_values))
        return client.open(path, method=method, data=raw, headers=headers, query_string=_encode(query),
                           content_type="application/json")
    if kind == "query":
        query = {name: data.draw(form_values) for name in names if data.draw(st.integers(0, 3)) == 0}
        return client.get(path, query_string=_encode(query))
    fields = {name: data.draw(form_values) for name in names}
    return client.open(path, method=method, data=_encode(fields).encode(),
                       content_type="application/x-www-form-urlencoded")


def test_no_hostile_input_gives_a_server_error(app, people):
    clients, secrets, values = people
    targets = _targets(app, clients, values)
    assert sum(kind == "form" for kind, *_ in targets) >= 80 and sum(kind == "api" for kind, *_ in targets) >= 20
    failures: list[str] = []
    started = time.monotonic()

    @given(data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    def walk(data):
        for kind, method, rule, names in targets:
            who = data.draw(st.sampled_from(VISITORS))
            path = _build(rule, values, data.draw(ids))
            try:
                response = _send(data, kind, method, path, names, clients[who], secrets[who])
            except Exception as error:  # noqa: BLE001  (TESTING propagates a view's exception)
                failures.append(f"{method} {path} as {who} ({kind}): {type(error).__name__}: {error}"[:300])
                continue
            if response.status_code >= 500:
                failures.append(f"{method} {path} as {who} ({kind}): {response.status_code}")

    walk()
    assert failures == [], "\n".join(sorted(set(failures)))
    print(f"fuzz: {len(targets)} targets x {EXAMPLES} rounds in {time.monotonic() - started:.1f}s")
