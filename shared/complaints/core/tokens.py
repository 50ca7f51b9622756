"""Signed, unguessable values: survey links and development operator tokens.

A token is `<payload>.<signature>`, the signature an HMAC-SHA256 over the
payload with a key for its purpose, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: str, key: bytes) -> str:
    body = _b64(payload.encode())
    signature = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


def verify(token: str, key: bytes) -> str | None:
    """The payload of a token signed with key, or None (whatever the token holds: it comes from anyone)."""
    if not token.isascii():
        return None  # no token this desk signs has other characters
    body, _, signature = token.partition(".")
    if not body or not signature:
        return None
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        return _unb64(body).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def random_nonce() -> str:
    return secrets.token_urlsafe(12)
