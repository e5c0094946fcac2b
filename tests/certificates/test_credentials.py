"""The signed credential verifies with the published keys alone, before and after a rotation, and shows revocation.

The verifier here is written independently of the app's signing: it splits the compact JWS by
hand, builds an Ed25519 public key with `cryptography` from the JWKS fetched over HTTP, and checks
the signature over the JWS signing input (RFC 7515), as a third party would.
"""
from __future__ import annotations

import base64
import gzip
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import credentials, keys, service
from lms.extensions import db
from tests.certificates.conftest import AFTER_THE_CYCLE
from tests.certificates.test_pages import client_for
from tests.factories import make_user


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def published_keys(client) -> dict[str, Ed25519PublicKey]:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/jwk-set+json"
    found = {}
    for jwk in response.json["keys"]:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk, "public halves only"
        found[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(b64decode(jwk["x"]))
    return found


def verified_payload(token: str, client) -> dict:
    """What a third party does: the key named by the header's kid, from the JWKS; the signature checked."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64decode(header_part))
    assert header["alg"] == "EdDSA"
    did, kid = header["kid"].split("#")
    assert did == "did:web:localhost"
    public_key = published_keys(client)[kid]
    public_key.verify(b64decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
    return json.loads(b64decode(payload_part))


def test_an_issued_credential_verifies_with_the_published_jwks(app, issued):
    owner = client_for(app, issued.user)
    response = owner.get(f"/certificates/{issued.id}/badge.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith('.jwt"')
    payload = verified_payload(response.text, app.test_client())
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["credentialSubject"]["name"] == "Anna Berg"
    assert payload["issuer"]["id"] == payload["iss"] == "did:web:localhost"
    assert payload["validFrom"] == "2027-03-01T12:00:00Z"
    assert payload["nbf"] == int(AFTER_THE_CYCLE.timestamp())
    assert "validUntil" not in payload and "exp" not in payload, "valid without end until certificates expire"
    assert payload["jti"] == payload["id"] == f"http://localhost/verify/{issued.code}"
    status = payload["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == "http://localhost/credentials/status/1"
    assert status["statusListIndex"] == str(issued.id)


def test_a_tampered_credential_fails(app, issued):
    token = credentials.signed_credential(issued)
    header, payload, signature = token.split(".")
    claims = json.loads(b64decode(payload))
    claims["credentialSubject"]["name"] = "Someone Else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(InvalidSignature):
        verified_payload(f"{header}.{forged}.{signature}", app.test_client())
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(InvalidSignature):
        verified_payload(f"{header}.{payload}.{flipped}", app.test_client())


def test_validity_comes_from_one_function_and_valid_until_becomes_exp(app, issued, monkeypatch):
    until = datetime(2028, 3, 1, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(credentials, "credential_validity", lambda certificate: (certificate.issued_at, until))
    document = credentials.credential(issued)
    assert document["validUntil"] == "2028-03-01T12:00:00Z"
    payload = verified_payload(credentials.sign(document), app.test_client())
    assert payload["exp"] == int(until.timestamp()) and payload["validUntil"] == "2028-03-01T12:00:00Z"


def test_a_credential_signed_before_a_rotation_still_verifies_after_it(app, issued):
    client = app.test_client()
    before = credentials.signed_credential(issued)
    old_kid = keys.key_ring().kid
    rotated_from, new_kid = keys.rotate_key(now=AFTER_THE_CYCLE)
    db.session.commit()
    assert rotated_from == old_kid != new_kid
    assert set(published_keys(client)) == {old_kid, new_kid}
    assert verified_payload(before, client)["credentialSubject"]["name"] == "Anna Berg"
    after = credentials.signed_credential(issued)
    assert json.loads(b64decode(after.split(".")[0]))["kid"].endswith("#" + new_kid)
    verified_payload(after, client)
    stored = json.loads(keys.key_file().read_text())["keys"]
    assert "d" not in stored[0]["jwk"] and "d" in stored[1]["jwk"], "the retired key's private half is gone"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "credential_key.rotated")).scalar_one()
    assert event.details == {"old_kid": old_kid, "new_kid": new_kid}


def test_the_key_is_generated_once_owner_readable_only(app):
    path = keys.key_file()
    assert not path.exists()
    first = keys.key_ring().kid
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keys.create_key_ring(path) is False, "a second creation keeps the first key"
    assert keys.key_ring().kid == first
    assert not [name for name in os.listdir(path.parent) if name.startswith(".credential-keys-")]


def test_a_key_file_readable_by_others_is_reported(app, caplog):
    keys.key_ring()
    os.chmod(keys.key_file(), 0o644)
    keys.rotate_key(now=AFTER_THE_CYCLE)
    assert "readable by others" in caplog.text
    assert stat.S_IMODE(os.stat(keys.key_file()).st_mode) == 0o600, "the rotated file is the owner's only"


def test_processes_that_need_the_key_at_once_agree_on_one(app, tmp_path):
    path = tmp_path / "keys" / "credential-keys.json"
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: keys.create_key_ring(path), range(16)))
    assert created.count(True) == 1
    assert len(json.loads(path.read_text())["keys"]) == 1


def _revoked_bits(client) -> tuple[dict, bytes]:
    response = client.get("/credentials/status/1")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = verified_payload(response.text, client)
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    bits = gzip.decompress(b64decode(subject["encodedList"][1:]))
    assert len(bits) * 8 >= 131_072
    return document, bits


def _bit(bits: bytes, index: int) -> int:
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_a_revoked_certificate_shows_in_the_signed_status_list(app, setting, issued):
    other = service.issue_certificate(setting.enrol("Bo Ek", attended=5).id, setting.cycle.id, AFTER_THE_CYCLE)
    db.session.commit()
    client = app.test_client()
    document, bits = _revoked_bits(client)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["id"] == "http://localhost/credentials/status/1" and document["issuer"] == "did:web:localhost"
    assert _bit(bits, issued.id) == 0 and _bit(bits, other.id) == 0
    service.revoke_certificate(issued, "Misstag", None, AFTER_THE_CYCLE + timedelta(days=1))
    db.session.commit()
    _document, bits = _revoked_bits(client)
    assert _bit(bits, issued.id) == 1 and _bit(bits, other.id) == 0
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_badge_is_the_owners_own_and_the_keys_are_public(app, setting, issued):
    path = f"/certificates/{issued.id}/badge.jwt"
    assert client_for(app, make_user()).get(path).status_code == 404
    assert client_for(app, setting.trainer).get(path).status_code == 404
    contact = make_user(roles=["organisation_contact"], organisation=setting.organisation)
    db.session.commit()
    assert client_for(app, contact).get(path).status_code == 200, "their organisation contact, as for the PDF"
    assert app.test_client().get(path).status_code == 302, "anonymous visitors are asked to log in"
    service.revoke_certificate(issued, "Misstag", None, AFTER_THE_CYCLE)
    db.session.commit()
    assert client_for(app, issued.user).get(path).status_code == 404, "as for the PDF"
    anonymous = app.test_client()
    for public in ("/.well-known/jwks.json", "/.well-known/did.json", "/credentials/status/1"):
        response = anonymous.get(public)
        assert response.status_code == 200, public
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_did_document_names_every_published_key_for_assertions(app):
    keys.key_ring()
    keys.rotate_key(now=AFTER_THE_CYCLE)
    response = app.test_client().get("/.well-known/did.json")
    assert response.mimetype == "application/did+ld+json"
    document = response.json
    assert document["id"] == "did:web:localhost"
    kids = [jwk["kid"] for jwk in keys.key_ring().published]
    assert [method["id"] for method in document["verificationMethod"]] == [f"did:web:localhost#{kid}" for kid in kids]
    assert document["assertionMethod"] == [f"did:web:localhost#{kid}" for kid in kids]
    assert all("d" not in method["publicKeyJwk"] for method in document["verificationMethod"])


@pytest.mark.parametrize("base, did", [
    ("https://kompetenscentret.example", "did:web:kompetenscentret.example"),
    ("http://127.0.0.1:5000/", "did:web:127.0.0.1%3A5000"),
    ("https://example.org/lms", "did:web:example.org:lms"),
])
def test_the_issuer_did_is_the_base_urls_host(app, base, did):
    app.config["LMS_BASE_URL"] = base
    assert keys.issuer_did() == did


@pytest.mark.config(RATELIMIT_ENABLED=True, LMS_VERIFY_RATE_LIMIT="2 per minute")
def test_the_status_list_is_rate_limited(client):
    assert [client.get("/credentials/status/1").status_code for _ in range(3)] == [200, 200, 429]


def test_the_written_out_status_list_path_is_the_routes(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("certificates.status_list", list_number=3) == "/credentials/status/3"
    assert credentials.status_list_url(3) == "http://localhost/credentials/status/3"
    assert credentials.status_position(131_073) == (2, 1) and credentials.status_position(5) == (1, 5)


def test_the_credential_uses_only_open_badges_3_and_vc_2_terms(app, issued):
    document = credentials.credential(issued)
    assert set(document) <= {"@context", "id", "type", "name", "description", "issuer", "validFrom", "validUntil",
                             "credentialSubject", "credentialStatus", "image", "evidence"}
    assert set(document["issuer"]) == {"id", "type", "name", "url"}
    assert set(document["credentialStatus"]) == {"id", "type", "statusPurpose", "statusListIndex",
                                                 "statusListCredential"}


def test_the_cli_creates_shows_and_rotates_the_key(app, runner):
    created = runner.invoke(args=["lms", "credentials"])
    assert created.exit_code == 0 and created.output.startswith("Generated "), created.output
    kid = keys.key_ring().kid
    kept = runner.invoke(args=["lms", "credentials", "init"])
    assert kept.output.startswith("Kept ") and kid in kept.output
    rotated = runner.invoke(args=["lms", "credentials", "rotate-key"])
    assert rotated.exit_code == 0 and f"{kid} stays published" in rotated.output
    shown = json.loads(runner.invoke(args=["lms", "credentials", "show"]).output)
    assert len(shown["keys"]) == 2 and shown["keys"][1]["kid"] == kid
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "credential_key")).scalars()
    assert sorted(actions) == ["credential_key.created", "credential_key.rotated"]
    unknown = runner.invoke(args=["lms", "credentials", "rotate-key", "--as", "nobody@example.org"])
    assert unknown.exit_code != 0


def test_the_learners_certificates_page_links_the_signed_credential(app, issued):
    page = client_for(app, issued.user).get("/my/certificates").text
    assert f'href="/certificates/{issued.id}/badge.jwt"' in page and "Signerat Open Badge för digitala plånböcker" in page
    badge = client_for(app, issued.user).get(f"/certificates/{issued.id}/badge.json").json
    assert badge["issuer"]["id"] == "did:web:localhost", "the JSON-LD download is the signed credential's payload"
    assert badge["credentialStatus"]["statusListIndex"] == str(issued.id)


def test_a_certificate_valid_for_a_year_is_signed_with_its_own_period(app, setting):
    setting.course.validity = {"months": 12, "window_days": 60, "expiry_from": "completion", "renewed_by": "course"}
    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, AFTER_THE_CYCLE)
    db.session.commit()
    payload = verified_payload(credentials.signed_credential(certificate), app.test_client())
    assert payload["validFrom"] == credentials.timestamp(certificate.issued_at)
    assert payload["validUntil"] == "2028-03-01T12:00:00Z" and payload["exp"] == int(
        datetime(2028, 3, 1, 12, 0, tzinfo=timezone.utc).timestamp())


def test_status_lists_exist_up_to_the_one_holding_the_largest_id(client):
    from lms.core.input import MAX_ID

    last = credentials.status_position(MAX_ID)[0]
    assert last == credentials.LAST_STATUS_LIST
    assert client.get(f"/credentials/status/{last}").status_code == 200
    assert client.get(f"/credentials/status/{last + 1}").status_code == 404
