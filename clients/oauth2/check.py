"""Sign in to Sheba with a standard OAuth2 client library that nobody here wrote (Authlib,
from PyPI), as integrators do: the password flow (with refresh) and client credentials by
client_secret_basic and client_secret_post, then call the API with the token. Errors must
arrive as RFC 6749 `error` codes, which the library turns into exceptions.

Usage: SHEBA_URL=... SHEBA_USER=... SHEBA_SERVICE=... SHEBA_PASSWORD=... python3 check.py
"""

import os
import sys

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

base = os.environ["SHEBA_URL"]
token_url = f"{base}/api/v1/auth/token"
user, service, secret = os.environ["SHEBA_USER"], os.environ["SHEBA_SERVICE"], os.environ["SHEBA_PASSWORD"]


def me(session: OAuth2Session) -> dict:
    r = session.get(f"{base}/api/v1/me", timeout=30)
    r.raise_for_status()
    return r.json()


def expect_error(code: str, fetch) -> None:
    try:
        fetch()
    except OAuthError as e:
        if e.error != code:
            sys.exit(f"expected OAuth2 error {code}, got {e.error}: {e.description}")
        print(f"  refused as {e.error}: {e.description}")
        return
    sys.exit(f"expected OAuth2 error {code}, got tokens")


# The password flow, as a public client (no client secret), then a refresh.
people = OAuth2Session(client_id="sheba-front-end", token_endpoint_auth_method="none")
token = people.fetch_token(token_url, grant_type="password", username=user, password=secret)
assert token["token_type"] == "Bearer" and "refresh_token" in token, token
assert me(people)["username"] == user
refreshed = people.refresh_token(token_url)
assert refreshed["access_token"] != token["access_token"]
assert me(people)["username"] == user
print(f"password flow and refresh: signed in as {user}")
expect_error("invalid_grant", lambda: OAuth2Session(client_id="x", token_endpoint_auth_method="none").fetch_token(
    token_url, grant_type="password", username=user, password="not the password at all"))

# Client credentials, both ways a client authenticates.
for method in ["client_secret_basic", "client_secret_post"]:
    integrator = OAuth2Session(client_id=service, client_secret=secret, token_endpoint_auth_method=method)
    token = integrator.fetch_token(token_url, grant_type="client_credentials")
    assert "refresh_token" not in token, token
    account = me(integrator)
    assert account["username"] == service and account["kind"] == "service", account
    reports = integrator.get(f"{base}/api/v1/reports", timeout=30)
    reports.raise_for_status()
    print(f"client credentials ({method}): {service} reads {len(reports.json()['data'])} reports")
    wrong = OAuth2Session(client_id=service, client_secret="a wrong secret", token_endpoint_auth_method=method)
    expect_error("invalid_client", lambda: wrong.fetch_token(token_url, grant_type="client_credentials"))

expect_error("unsupported_grant_type", lambda: OAuth2Session(client_id=service, client_secret=secret).fetch_token(
    token_url, grant_type="urn:ietf:params:oauth:grant-type:device_code", device_code="x"))
print("OAuth2 client library: ok")
