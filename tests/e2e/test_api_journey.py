"""A coordinator creates an API token on the account page, uses it, revokes it; the docs page reads well."""
import urllib.error
import urllib.request

from lms.demo import DEMO_PASSWORD


def _me(base_url: str, secret: str) -> int:
    request = urllib.request.Request(base_url + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_create_use_and_revoke_a_token(browse, page, live_server):
    browse.log_in("samordnare@kompetenscentret.example", DEMO_PASSWORD)
    browse.goto("/account")
    page.locator("#token-name").fill("Incheckningskiosk")
    page.get_by_label("Läsa: mina anmälningar, mitt schema och mina intyg").check()
    page.get_by_label("Närvaro: ta närvaro på mina kurstillfällen").check()
    browse.submit(lambda: page.get_by_role("button", name="Skapa token").click())
    secret = page.get_by_label("Token ”Incheckningskiosk”").input_value()
    assert secret.startswith("kc_")
    assert "visas bara den här gången" in page.get_by_role("status").inner_text()
    assert _me(live_server.url, secret) == 200

    browse.goto("/account")
    row = page.get_by_role("row").filter(has_text="Incheckningskiosk")
    assert secret not in page.content() and secret[:10] in row.inner_text()
    browse.submit(lambda: row.get_by_role("button", name="Återkalla").click())
    assert "återkallad" in page.get_by_role("status").first.inner_text()
    assert _me(live_server.url, secret) == 401


def test_the_api_documentation_page(browse, page):
    browse.goto("/api/v1/docs")
    assert page.get_by_role("heading", name="POST /api/v1/me/enrolments", exact=True).is_visible()
    assert page.get_by_role("link", name="OpenAPI 3.1-dokumentet (JSON)").is_visible()
