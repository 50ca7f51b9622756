"""Keys derived from the deployment's signing secret (Secrets Manager)."""

from __future__ import annotations

import hashlib
import hmac
import re

from aws_lambda_powertools.utilities import parameters

_CACHE_SECONDS = 300


def signing_key(secret_name: str, purpose: str) -> bytes:
    """A key per purpose, so a survey link can never pass as an operator token."""
    return derive_key(str(parameters.get_secret(secret_name, max_age=_CACHE_SECONDS)), purpose)


def derive_key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return "+86" + digits.lstrip("0") if len(digits) == 11 else digits


def phone_key(phone: str, secret_name: str) -> str:
    """Keyed hash of a phone number: indexes never hold the number itself."""
    key = signing_key(secret_name, "phone")
    return hmac.new(key, normalise_phone(phone).encode(), hashlib.sha256).hexdigest()[:32]


def mask_phone(phone: str) -> str:
    digits = normalise_phone(phone)
    return digits[:-8] + "****" + digits[-4:] if len(digits) > 8 else "****"
