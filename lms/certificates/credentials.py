"""Verifiable credentials: the Open Badges 3.0 credential signed as a VC-JWT, and the revocation status list.

A certificate's credential is `documents.open_badge` with the issuer as `did:web` (whose keys the
app publishes, lms/certificates/keys.py), its validity period (`validFrom`, `validUntil`) and a
`credentialStatus` entry pointing into a W3C Bitstring Status List. It is signed as a compact JWS
(`alg: EdDSA`, Ed25519) whose payload is the credential itself plus the JWT claims Open Badges
3.0 asks for (`iss`, `jti`, `nbf`, and `exp` when the credential expires). docs/certificates.md
says how a third party verifies one.

A certificate's place in the status list is its id: list `id // STATUS_LIST_SIZE + 1` (lists are
numbered from 1, as every id in a URL is), bit `id % STATUS_LIST_SIZE`, so no table is needed and
a place is never reused.
"""
from __future__ import annotations

import base64
import gzip
import json
import warnings
from datetime import datetime, timezone
from typing import Any

from joserfc import jwt
from sqlalchemy import select

from lms.certificates import documents, keys
from lms.certificates.models import Certificate
from lms.certificates.validity import validity_of
from lms.core.input import MAX_ID
from lms.db_types import utcnow
from lms.extensions import db

#: bits in one status list: the Bitstring Status List's minimum (16 KiB), for herd privacy
STATUS_LIST_SIZE = 131_072
#: how long a verifier may keep a status list, in seconds (its `ttl` and the HTTP cache's max-age)
STATUS_LIST_TTL = 300
JWT_MEDIA_TYPE = "application/vc+jwt"
#: the list that holds the largest id a certificate can have; no list is published beyond it
LAST_STATUS_LIST = MAX_ID // STATUS_LIST_SIZE + 1


def credential_validity(certificate: Certificate) -> tuple[datetime, datetime | None]:
    """When the credential starts and stops being valid (None: no end): the certificate's own
    validity period (lms/certificates/validity.py), which a renewal never rewrites. A `validUntil`
    in the past is still signed, and verifiers see it expired."""
    validity = validity_of(certificate, utcnow())
    return validity.valid_from, validity.valid_until


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC to the second, as VC 2.0 examples write them."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the credential -------------------------------------------------------------------------------

def status_list_url(list_number: int) -> str:
    """The public status list (the path of `certificates.status_list`; a test keeps them equal)."""
    return f"{keys.base_url()}/credentials/status/{list_number}"


def status_position(certificate_id: int) -> tuple[int, int]:
    """(list number, index in it) of a certificate."""
    offset, index = divmod(certificate_id, STATUS_LIST_SIZE)
    return offset + 1, index


def status_entry(certificate: Certificate) -> dict[str, Any]:
    list_number, index = status_position(certificate.id)
    url = status_list_url(list_number)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index), "statusListCredential": url}


def credential(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential that is signed: the badge with its issuer, period and status."""
    badge = documents.open_badge(certificate)
    valid_from, valid_until = credential_validity(certificate)
    badge["issuer"] = {"id": keys.issuer_did(), "type": ["Profile"], "name": badge["issuer"]["name"],
                       "url": keys.base_url() + "/"}
    badge["validFrom"] = timestamp(valid_from)
    badge.pop("validUntil", None)
    if valid_until is not None:
        badge["validUntil"] = timestamp(valid_until)
    badge["credentialStatus"] = status_entry(certificate)
    return badge


def credential_json(certificate: Certificate) -> str:
    return json.dumps(credential(certificate), ensure_ascii=False, indent=2)


def jwt_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The credential with the registered claims that mirror it (Open Badges 3.0, section 8.2)."""
    claims = dict(document)
    issuer = document["issuer"]
    claims["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    claims["jti"] = document["id"]
    claims["nbf"] = _seconds(document["validFrom"])
    if "validUntil" in document:
        claims["exp"] = _seconds(document["validUntil"])
    subject_id = document["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    return claims


def _seconds(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def sign(document: dict[str, Any], ring: keys.KeyRing | None = None) -> str:
    """The credential as a compact JWS, signed with the current key and naming it by `kid`."""
    ring = ring or keys.key_ring()
    header = {"alg": keys.ALGORITHM, "typ": "JWT", "kid": keys.verification_method(ring.kid)}
    with warnings.catch_warnings():
        # joserfc warns that RFC 9864 prefers the fully specified "Ed25519"; verifiers of
        # Open Badges 3.0 and VC-JOSE know "EdDSA" (same key, same signature), so it stays
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        return jwt.encode(header, jwt_claims(document), ring.signing, algorithms=[keys.ALGORITHM])


def signed_credential(certificate: Certificate) -> str:
    return sign(credential(certificate))


def file_name(certificate: Certificate) -> str:
    return documents.file_name(certificate).replace(".pdf", ".jwt")


# --- the status list ------------------------------------------------------------------------------

def revoked_indexes(list_number: int) -> list[int]:
    """The places of the revoked certificates in one list (one query)."""
    first = (list_number - 1) * STATUS_LIST_SIZE
    last = min(first + STATUS_LIST_SIZE - 1, MAX_ID)  # the last list ends at the largest id
    ids = db.session.execute(
        select(Certificate.id).where(Certificate.revoked_at.is_not(None), Certificate.id.between(first, last))
    ).scalars()
    return [certificate_id - first for certificate_id in ids]


def encoded_list(indexes: list[int]) -> str:
    """The bitstring, GZIP-compressed and base64url-encoded with the multibase prefix `u`.

    Bit 0 is the first (most significant) bit of the first byte, as the specification says.
    """
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def status_list_credential(list_number: int, now: datetime) -> dict[str, Any]:
    url = status_list_url(list_number)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_did(),
        "validFrom": timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked_indexes(list_number)),
            "ttl": STATUS_LIST_TTL * 1000,
        },
    }


def signed_status_list(list_number: int, now: datetime) -> str:
    return sign(status_list_credential(list_number, now))
