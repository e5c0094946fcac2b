"""The OpenAPI 3.1 document describes every API route, and the docs page shows it without a CDN."""
import re

from lms.api.docs import api_document


def test_the_document_is_openapi_3_1_and_covers_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": "/api/v1"}]
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routes = {(method, re.sub(r"<(?:int:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1"):]))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.openapi", "api.docs")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes and len(routes) >= 17


def test_operations_name_their_scope_and_their_problems(app):
    with app.test_request_context():
        document = api_document()
    enrol = document["paths"]["/me/enrolments"]["post"]
    assert enrol["security"] == [{"bearerAuth": ["enrol"]}]
    assert {"201", "400", "401", "403", "409", "422", "429"} <= set(enrol["responses"])
    assert document["paths"]["/courses"]["get"]["security"] == []
    problem = document["components"]["responses"]["Conflict"]["content"]["application/problem+json"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_is_served_from_here_without_scripts_from_elsewhere(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert "POST /api/v1/me/enrolments" in page and 'id="problem-cycle-full"' in page
    assert not re.search(r'<script[^>]+src="https?://', page) and "<script>" not in page
