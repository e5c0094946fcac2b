"""Operations declared in code, and the OpenAPI 3.1 document built from them (apispec + marshmallow).

Each API view is wrapped by `operation(...)`, which says what it takes and gives. The same
declaration checks the token's scope, validates the query and the JSON body (422 with field
errors), shapes the answer through the response schema, and describes the operation in
/api/v1/openapi.json, so the document cannot drift from what the code does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, jsonify, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from lms.api.auth import require_scope
from lms.api.field_messages import translated
from lms.api.models import TokenScope
from lms.api.problems import PROBLEM_JSON, ApiProblem
from lms.api.schemas import MAX_ID, ProblemSchema

PREFIX = "/api/v1"
VERSION = "1.0.0"
DESCRIPTION = """\
The JSON API of Kompetenscentret, for integrations and kiosks. See docs/api.md for a walk-through.

**Authentication**: a personal access token, created on the account page, sent as
`Authorization: Bearer kc_…`. Each operation names the scope it needs; public operations need none.
Log-in cookies are not accepted.

**Conventions**: datetimes are UTC with an explicit offset (`2027-03-02T17:00:00+00:00`); dates
and times of day in a cycle's plan are local (Europe/Stockholm). Lists are paginated with `limit`
and an opaque `cursor` (give the previous page's `next_cursor`). Errors are RFC 9457 problem
details (`application/problem+json`).
"""

ERROR_RESPONSES = {
    400: ("BadRequest", "The request could not be read (malformed JSON, a cursor not ours, a NUL or other "
                        "control character in any value, JSON nested more than 32 levels)."),
    401: ("Unauthorized", "No token, or an unknown, revoked or expired one."),
    403: ("Forbidden", "The token lacks the scope, or its owner may not act on this object."),
    404: ("NotFound", "No such object, or not visible to the caller."),
    409: ("Conflict", "The request conflicts with the current state (a full cycle, a double enrolment, …)."),
    422: ("ValidationFailed", "Invalid values; `errors` lists the messages per field."),
    429: ("TooManyRequests", "Over the rate limit of the token (or address); see Retry-After."),
}


@dataclass
class Operation:
    summary: str
    tags: tuple[str, ...]
    scope: TokenScope | None = None
    optional_token: bool = False  # public, but a token may show more (e.g. draft cycles)
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    problems: tuple[int, ...] = ()
    description: str = ""
    authenticated: bool = True  # False: docs pages, which read no token at all


def operation(**declared: Any) -> Callable:
    """Declare an API view: what it needs, takes and returns (see `Operation`)."""
    op = Operation(**declared)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(**path_args: Any):
            if op.scope is not None:
                require_scope(op.scope)
            kwargs = dict(path_args)
            if op.query is not None:
                kwargs["query"] = _load(op.query(), request.args.to_dict())
            if op.body is not None:
                kwargs["body"] = _load(op.body(), _json_body())
            return _respond(op, view(**kwargs))

        wrapped.api_operation = op  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _json_body() -> Any:
    if not request.is_json:
        raise ApiProblem("bad-request", _l("Send a JSON body with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem("bad-request", _l("The body is not valid JSON."))
    return data


def _load(schema: Schema, data: Any) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ApiProblem("validation", _l("Some values are missing or invalid."),
                         errors=flatten_errors(error.messages)) from None


def flatten_errors(messages: Any, path: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"dotted.path": [messages]} (`_schema`: the whole object), in the
    request's language (field_messages.py)."""
    if isinstance(messages, list):
        return {path or "_schema": [translated(m) for m in messages]}
    if not isinstance(messages, dict):
        return {path or "_schema": [translated(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = str(key) if not path else f"{path}.{key}"
        flat.update(flatten_errors(value, "" if key == "_schema" and not path else name))
    return flat


def _respond(op: Operation, result: Any):
    data, status, headers = result if isinstance(result, tuple) else (result, op.status, {})
    if op.response is None:
        return data, status, headers
    return jsonify(op.response().dump(data)), status, headers


# --- the document ----------------------------------------------------------------------------

def build_spec(app: Flask, server_url: str = PREFIX) -> dict:
    """The OpenAPI 3.1 document of every operation registered under /api/v1."""
    spec = APISpec(
        title=f"{app.config['LMS_SITE_NAME']} API", version=VERSION, openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION}, servers=[{"url": server_url}],
    )
    _components(spec)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, "api_operation", None)
        if op is None or not op.authenticated:
            continue
        path = _openapi_path(rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={
            method.lower(): _describe(op, rule, rule.endpoint.split(".", 1)[1]) for method in methods})
    return spec.to_dict()


def _components(spec: APISpec) -> None:
    spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A personal access token `kc_…` from the account page.",
    })
    spec.components.schema("Problem", schema=ProblemSchema)
    for status, (name, text) in ERROR_RESPONSES.items():
        response: dict[str, Any] = {
            "description": text, "content": {PROBLEM_JSON: {"schema": "Problem"}}}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": "`Bearer realm=…` with the error.", "required": True,
                "schema": {"type": "string"}}}
        if status == 429:
            response["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
        spec.components.response(name, response)


def _openapi_path(rule: str) -> str:
    path = rule[len(PREFIX):] if rule.startswith(PREFIX) else rule
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", path)


def _path_parameters(rule) -> list[dict]:  # type: ignore[no-untyped-def]
    parameters = []
    for name, converter in rule._converters.items():
        is_int = type(converter).__name__ == "IntegerConverter"
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if is_int else {
            "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    return parameters


def _describe(op: Operation, rule, operation_id: str) -> dict:  # type: ignore[no-untyped-def]
    # 400: a control character or too deep JSON anywhere (lms/core/input.py); 401: a bad token
    statuses = set(op.problems) | {400, 401, 429}
    if op.scope is not None:
        statuses |= {403}
    if rule.arguments:
        statuses |= {404}
    if op.query is not None or op.body is not None:
        statuses |= {422}
    description = op.description
    if op.scope is not None:
        description = f"Scope: `{op.scope.value}`. {description}".strip()
    described: dict[str, Any] = {
        "operationId": operation_id, "summary": op.summary, "tags": list(op.tags),
        "parameters": _path_parameters(rule) + ([{"in": "query", "schema": op.query}] if op.query else []),
        "responses": {str(op.status): _success(op)} | {
            str(status): ERROR_RESPONSES[status][0] for status in sorted(statuses)},
        "security": _security(op),
    }
    if description:
        described["description"] = description
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    return described


def _success(op: Operation) -> dict:
    response: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response is not None:
        response["content"] = {"application/json": {"schema": op.response}}
    return response


def _security(op: Operation) -> list[dict]:
    if op.scope is not None:
        return [{"bearerAuth": [op.scope.value]}]
    if op.optional_token:
        return [{}, {"bearerAuth": []}]
    return []
