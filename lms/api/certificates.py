"""My certificates, and verifying a certificate by its code (public, rate-limited per address)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from lms.api import schemas
from lms.api.auth import api_user
from lms.api.blueprint import bp
from lms.api.common import found
from lms.api.courses import PageQuery
from lms.api.models import TokenScope
from lms.api.pagination import paginate
from lms.api.spec import operation
from lms.certificates.codes import display
from lms.certificates.documents import verify_url
from lms.certificates.models import Certificate
from lms.certificates.service import certificates_of, find_by_code
from lms.certificates.validity import validity_of
from lms.db_types import utcnow
from lms.extensions import limiter


def _verify_limit() -> str:
    return current_app.config["LMS_VERIFY_RATE_LIMIT"]


@bp.get("/me/certificates")
@operation(summary="My certificates", tags=("me",), scope=TokenScope.READ, query=PageQuery,
           response=schemas.page_schema(schemas.CertificateSchema, "CertificatePage"))
def my_certificates(query: dict):
    page = paginate(certificates_of(api_user().id), limit=query["limit"], cursor=query["cursor"])
    return {"items": [_certificate(c) for c in page.items], "next_cursor": page.next_cursor}


def _certificate(certificate: Certificate) -> dict[str, Any]:
    snapshot = certificate.snapshot
    return {"id": certificate.id, "code": display(certificate.code),
            "course_title": snapshot["course_title"], "cycle_title": snapshot["cycle_title"],
            "issued_at": certificate.issued_at, "revoked": certificate.revoked,
            "revoked_at": certificate.revoked_at, "verify_url": verify_url(certificate.code)}


@bp.get("/certificates/<code>")
@limiter.limit(_verify_limit, key_func=get_remote_address)
@operation(summary="Verify a certificate by its code", tags=("certificates",),
           response=schemas.VerificationSchema,
           description="Public. Says whether the certificate is valid or revoked and shows only what "
                       "is needed to check it. Dashes and spaces in the code are ignored.")
def verify(code: str):
    certificate = found(find_by_code(code), _l("No certificate has this code."))
    snapshot = certificate.snapshot
    standing = validity_of(certificate, utcnow())
    return {"code": display(certificate.code), "valid": standing.current, "status": standing.status.value,
            "valid_from": standing.valid_from, "valid_until": standing.last_day,
            "renewed_by": display(standing.renewed_by_code) if standing.renewed_by_code else None,
            "revoke_reason": standing.revoke_reason,
            "learner_name": snapshot["learner_name"], "course_title": snapshot["course_title"],
            "first_date": datetime.fromisoformat(snapshot["first_date"]).date(),
            "last_date": datetime.fromisoformat(snapshot["last_date"]).date(),
            "issuer": snapshot["issuer"], "issued_at": certificate.issued_at,
            "revoked_at": certificate.revoked_at, "verify_url": verify_url(certificate.code)}
