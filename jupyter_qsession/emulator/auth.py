"""The IAM token exchange and bearer-token check, as IBM Cloud does them.

The client trades its API key for a JWT at ``POST /identity/token`` (``IAM_URL``) and sends
``Authorization: Bearer <jwt>`` on every Runtime call. The emulator signs its own tokens, so
only holders of one of its API keys get in.

API keys belong to users, as on the service: a user's key sees and acts on that user's
sessions and jobs only. The key the emulator is started with is the operator's (the lab
server running it, or whoever runs it standalone): it sees everything and hands out users'
keys (``POST /api/v1/qsession/users/{name}/key``).
"""

from __future__ import annotations

import hmac
import secrets
import time

import jwt

from ..errors import NotAuthenticated

TOKEN_LIFETIME_S = 3600


OPERATOR = "operator"


class TokenIssuer:
    """Issues and verifies access tokens for API keys of users; tokens expire in wall time."""

    def __init__(
        self,
        api_key: str,
        user_keys: dict[str, str] | None = None,
        *,
        signing_key: bytes | None = None,
    ) -> None:
        """``signing_key``: the durable emulator's (kept in its state file), so tokens issued
        before a restart still verify after it; without one the key lives as long as this
        object (an in-memory emulator)."""
        if not api_key:
            raise ValueError("api_key must not be empty")
        self.api_key = api_key
        # key -> user id; the operator's key is one of them.
        self._users: dict[str, str] = {api_key: OPERATOR, **(user_keys or {})}
        self._secret = signing_key or secrets.token_bytes(32)
        # Persistence: called with (key, user) for each new key; the key is kept (and handed
        # out) only once they all returned: one that raises refuses it.
        self.on_new_key: list = []

    def add_key(self, api_key: str, user: str) -> None:
        """A key known from before (the emulator's stored state)."""
        if user != OPERATOR:
            self._users[api_key] = user

    def key_for(self, user: str) -> str:
        """The API key of ``user``, made on first use."""
        if user == OPERATOR:
            raise ValueError("the operator's key is not handed out")
        for key, owner in self._users.items():
            if owner == user:
                return key
        key = secrets.token_urlsafe(24)
        for callback in self.on_new_key:
            callback(key, user)
        self._users[key] = user
        return key

    def exchange(self, grant_type: str | None, api_key: str | None) -> dict:
        if grant_type != "urn:ibm:params:oauth:grant-type:apikey":
            raise NotAuthenticated("Unsupported grant_type: expected the API key grant.")
        user = self._user_of(api_key or "")
        if user is None:
            raise NotAuthenticated("Provided API key could not be found.")
        issued = int(time.time())
        token = jwt.encode(
            {"iat": issued, "exp": issued + TOKEN_LIFETIME_S, "sub": user},
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

    def _user_of(self, api_key: str) -> str | None:
        """Compare against every key in constant time (bytes: a non-ASCII key is just wrong)."""
        offered = api_key.encode("utf-8", "surrogatepass")
        found = None
        for key, user in self._users.items():
            if hmac.compare_digest(offered, key.encode("utf-8")):
                found = user
        return found

    def check(self, authorization: str | None) -> str:
        """The user the bearer token was issued to."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Missing bearer token: authenticate at /identity/token first.")
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(f"Invalid access token: {exc}") from None
        return str(claims.get("sub") or "")
