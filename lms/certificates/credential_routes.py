"""The signed credential for its owner, and what a verifier fetches: the keys and the status list.

On the certificates blueprint (routes.py); `register_blueprints` imports this module before
registering it. The JWKS, the DID document and the status list are public and cacheable.
"""
from __future__ import annotations

import json

from flask import Response, abort
from flask_login import login_required

from lms.certificates import credentials, keys
from lms.certificates.routes import _downloadable, _verify_limit, bp
from lms.db_types import utcnow
from lms.extensions import limiter

PUBLIC_CACHE = f"public, max-age={credentials.STATUS_LIST_TTL}"


def _public(body: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers in a browser fetch these too
    return response


@bp.get("/certificates/<int:certificate_id>/badge.jwt")
@login_required
def badge_jwt(certificate_id: int):
    certificate = _downloadable(certificate_id)
    return Response(credentials.signed_credential(certificate), mimetype=credentials.JWT_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{credentials.file_name(certificate)}"'})


@bp.get("/.well-known/jwks.json")
def jwks():
    return _public(json.dumps(keys.jwks(keys.key_ring(now=utcnow())), indent=2), "application/jwk-set+json")


@bp.get("/.well-known/did.json")
@bp.get("/did.json")  # did:web of an app served under a path resolves to <path>/did.json
def did_document():
    return _public(json.dumps(keys.did_document(keys.key_ring(now=utcnow())), indent=2), "application/did+ld+json")


@bp.get("/credentials/status/<int:list_number>")
@limiter.limit(_verify_limit)
def status_list(list_number: int):
    if list_number > credentials.LAST_STATUS_LIST:
        abort(404)
    return _public(credentials.signed_status_list(list_number, utcnow()), credentials.JWT_MEDIA_TYPE)
