"""The issuer's signing keys for verifiable credentials: one Ed25519 key signs, every earlier one stays published.

The key ring is a JSON file (`LMS_CREDENTIAL_KEY_FILE`, default `instance/credential-keys.json`),
readable by its owner only (0600) and never in the repository. It is generated the first time a
key is needed; concurrent first uses agree on one file (it is linked into place, never
overwritten). Rotation adds a new key that signs from then on and keeps the earlier keys' public
halves (their private halves are dropped), so credentials signed before still verify against the
published JWKS and DID document.

Each key's `kid` is its RFC 7638 thumbprint. The cryptography is joserfc's (and `cryptography`'s
underneath); nothing here is hand-made.
"""
from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app
from joserfc.jwk import OKPKey

from lms.audit.service import record_event

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"  # RFC 8037, Ed25519; what Open Badges 3.0 verifiers accept
CURVE = "Ed25519"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class KeyRing:
    """The key that signs now and the public keys of every key that ever signed (newest first)."""

    signing: OKPKey
    published: tuple[dict[str, Any], ...]

    @property
    def kid(self) -> str:
        return str(self.signing.kid)


def key_file() -> Path:
    return Path(current_app.config["LMS_CREDENTIAL_KEY_FILE"])


# --- where the issuer is --------------------------------------------------------------------------

def base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def issuer_did() -> str:
    """`did:web:` of LMS_BASE_URL: the host (a port's colon encoded) and any path as more segments."""
    parts = urlsplit(base_url())
    segments = [quote(parts.netloc, safe="")] + [quote(part, safe="") for part in parts.path.split("/") if part]
    return "did:web:" + ":".join(segments)


def verification_method(kid: str) -> str:
    return f"{issuer_did()}#{kid}"


# --- the key ring file ----------------------------------------------------------------------------

_cache: dict[str, tuple[tuple[int, int], KeyRing]] = {}


def key_ring(path: Path | None = None, *, now: datetime | None = None) -> KeyRing:
    """The key ring, generated once when there is none; re-read when the file changes (a rotation)."""
    path = path or key_file()
    if not path.exists():
        create_key_ring(path, now)
    status = path.stat()
    stamp = (status.st_ino, status.st_mtime_ns)  # a rotation replaces the file: a new inode
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ring = _read(path)
    _cache[str(path)] = (stamp, ring)
    return ring


def create_key_ring(path: Path, now: datetime | None = None) -> bool:
    """Write a key ring with one new key unless there is one; True if this call wrote it."""
    if path.exists():
        return False
    document = {"version": FORMAT_VERSION, "keys": [_new_entry(now)]}
    temporary = _write_private(path, document)
    try:
        os.link(temporary, path)  # fails if another process got there first: theirs is kept
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    log.info("Generated the credential signing key %s in %s", document["keys"][0]["jwk"]["kid"], path)
    return True


def rotate_key(path: Path | None = None, *, now: datetime, actor_id: int | None = None) -> tuple[str, str]:
    """A new key signs from now on; the earlier keys keep only their public half. Audited."""
    path = path or key_file()
    key_ring(path, now=now)
    document = _load(path)
    for entry in document["keys"]:
        entry["jwk"].pop("d", None)
        entry["retired"] = entry.get("retired") or now.isoformat()
    old_kid = document["keys"][-1]["jwk"]["kid"]
    document["keys"].append(_new_entry(now))
    new_kid = document["keys"][-1]["jwk"]["kid"]
    temporary = _write_private(path, document)
    os.replace(temporary, path)
    _cache.pop(str(path), None)
    record_event(actor_id, "credential_key.rotated", "credential_key", None, old_kid=old_kid, new_kid=new_kid)
    return old_kid, new_kid


def _new_entry(now: datetime | None) -> dict[str, Any]:
    key = OKPKey.generate_key(CURVE, private=True)
    jwk = key.as_dict(private=True)
    jwk["kid"] = key.thumbprint()
    return {"created": now.isoformat() if now else None, "retired": None, "jwk": jwk}


def _write_private(path: Path, document: dict[str, Any]) -> str:
    """A temporary file beside `path`, mode 0600 (mkstemp's), holding the document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credential-keys-", suffix=".json")
    with os.fdopen(handle, "w") as output:
        json.dump(document, output, indent=2)
        output.write("\n")
    os.chmod(temporary, 0o600)
    return temporary


def _load(path: Path) -> dict[str, Any]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("The credential key file %s is readable by others (mode %o): make it 0600", path, mode)
    return json.loads(path.read_text())


def _read(path: Path) -> KeyRing:
    entries = _load(path)["keys"]
    signing = OKPKey.import_key(entries[-1]["jwk"])
    if not signing.is_private:
        raise ValueError(f"The newest key in {path} has no private half: rotate the key")
    published = tuple(public_jwk(entry["jwk"]) for entry in reversed(entries))
    return KeyRing(signing=signing, published=published)


def public_jwk(jwk: dict[str, Any]) -> dict[str, Any]:
    public = {name: value for name, value in jwk.items() if name != "d"}
    return public | {"use": "sig", "alg": ALGORITHM}


# --- what is published ----------------------------------------------------------------------------

def jwks(ring: KeyRing) -> dict[str, Any]:
    """The JSON Web Key Set (RFC 7517) of every key that signed a credential."""
    return {"keys": list(ring.published)}


def did_document(ring: KeyRing) -> dict[str, Any]:
    """The `did:web` document: each published key a JsonWebKey2020 method, all for assertions."""
    did = issuer_did()
    methods = [{"id": f"{did}#{jwk['kid']}", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
               for jwk in ring.published]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "alsoKnownAs": [base_url() + "/"],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def audit_created(path: Path, actor_id: int | None = None) -> None:
    record_event(actor_id, "credential_key.created", "credential_key", None, kid=_read(path).kid)
