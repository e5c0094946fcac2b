"""The OpenAPI document and a readable page made from it, served from here (no CDN, no script)."""
from __future__ import annotations

from flask import current_app, jsonify, render_template

from lms.api.blueprint import bp
from lms.api.problems import PROBLEM_TYPES
from lms.api.spec import PREFIX, build_spec, operation

SPEC_CACHE = "lms_api_spec"


def api_document() -> dict:
    """Built once per app: the routes do not change while it runs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if SPEC_CACHE not in app.extensions:
        app.extensions[SPEC_CACHE] = build_spec(app)
    return app.extensions[SPEC_CACHE]


@bp.get("/openapi.json")
@operation(summary="This document", tags=("documentation",), authenticated=False)
def openapi():
    return jsonify(api_document())


@bp.get("/docs")
@operation(summary="The API's documentation for people", tags=("documentation",), authenticated=False)
def docs():
    document = api_document()
    return render_template("api/docs.html", spec=document, prefix=PREFIX,
                           operations=_operations(document), problems=PROBLEM_TYPES)


def _operations(document: dict) -> list[dict]:
    """Every operation with its method and path, grouped in the order of their tags."""
    found = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            found.append({"method": method.upper(), "path": PREFIX + path, **op})
    return sorted(found, key=lambda op: (op["tags"][0], op["path"], op["method"]))
