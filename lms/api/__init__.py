"""The JSON API v1 under /api/v1: personal access tokens, endpoints by area, the OpenAPI document.

See docs/api.md. `routes.py` assembles the blueprint from the endpoint modules; `account.py`
holds the token pages on the user's account page.
"""
