"""A learner downloads the signed Open Badge; another system verifies it with the keys the app publishes."""
import base64
import json
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import expect


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # nosec B310: the local test server
        return response.headers.get_content_type(), response.read()


def test_the_signed_badge_verifies_against_the_published_jwks(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Mina intyg").click())
    card = page.locator(".card").filter(has_text="Styrelsearbete i ideella föreningar").first
    link = card.get_by_role("link", name="Signerat Open Badge för digitala plånböcker")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename.endswith(".jwt")
    token = download_info.value.path().read_text()

    header_part, payload_part, signature_part = token.split(".")
    kid = json.loads(_b64(header_part))["kid"].split("#")[1]
    content_type, body = _fetch(live_server.url + "/.well-known/jwks.json")
    assert content_type == "application/jwk-set+json"
    jwk = next(key for key in json.loads(body)["keys"] if key["kid"] == kid)
    Ed25519PublicKey.from_public_bytes(_b64(jwk["x"])).verify(
        _b64(signature_part), f"{header_part}.{payload_part}".encode("ascii"))  # raises if forged
    credential = json.loads(_b64(payload_part))
    assert credential["credentialSubject"]["achievement"]["name"] == "Styrelsearbete i ideella föreningar"
    content_type, _body = _fetch(credential["credentialStatus"]["statusListCredential"].replace(
        "http://127.0.0.1", live_server.url))
    assert content_type == "application/vc+jwt"
