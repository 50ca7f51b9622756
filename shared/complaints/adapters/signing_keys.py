"""Keys derived from the deployment's signing secret (Secrets Manager)."""

from __future__ import annotations

import hashlib
import hmac

_CACHE_SECONDS = 300


def signing_key(secret_name: str, purpose: str) -> bytes:
    """A key per purpose, so a survey link can never pass as an operator token."""
    from aws_lambda_powertools.utilities import parameters  # by the functions that sign, on first use

    return derive_key(str(parameters.get_secret(secret_name, max_age=_CACHE_SECONDS)), purpose)


def derive_key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def phone_key(e164: str, secret_name: str) -> str:
    """Keyed hash of an E.164 phone number: indexes never hold the number itself."""
    key = signing_key(secret_name, "phone")
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()[:32]


def mask_phone(e164: str) -> str:
    return e164[:-8] + "****" + e164[-4:] if len(e164) > 8 else "****"
