"""The IAM token exchange and bearer-token check, as IBM Cloud does them.

The client trades its API key for a JWT at ``POST /identity/token`` (``IAM_URL``) and sends
``Authorization: Bearer <jwt>`` on every Runtime call. The emulator signs its own tokens, so
only holders of the emulator's API key get in.
"""

from __future__ import annotations

import hmac
import secrets
import time

import jwt

from .errors import Unauthorized

TOKEN_LIFETIME_S = 3600


class TokenIssuer:
    """Issues and verifies access tokens for one API key; tokens expire in real (wall) time."""

    def __init__(self, api_key: str) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        self.api_key = api_key
        self._secret = secrets.token_bytes(32)

    def exchange(self, grant_type: str | None, api_key: str | None) -> dict:
        if grant_type != "urn:ibm:params:oauth:grant-type:apikey":
            raise Unauthorized("Unsupported grant_type: expected the API key grant.")
        if not api_key or not hmac.compare_digest(api_key, self.api_key):
            raise Unauthorized("Provided API key could not be found.")
        issued = int(time.time())
        token = jwt.encode(
            {"iat": issued, "exp": issued + TOKEN_LIFETIME_S, "sub": "qsession-emulator"},
            self._secret,
            algorithm="HS256",
        )
        return {
            "access_token": token,
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "expiration": issued + TOKEN_LIFETIME_S,
        }

    def check(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Missing bearer token: authenticate at /identity/token first.")
        try:
            jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Invalid access token: {exc}") from None
