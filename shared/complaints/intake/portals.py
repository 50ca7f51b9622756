"""Who may deliver complaints: portals verified by Standard Webhooks signatures.

Each portal signs `webhook-id.webhook-timestamp.body` with HMAC-SHA256 and a
`whsec_` secret. The portals' secrets live in one Secrets Manager secret, a
JSON object of portal id → list of secrets; during a rotation a portal has
two, and a delivery signed with either (or carrying signatures by both) passes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from complaints.core.errors import BadRequest, PayloadTooLarge, Unauthorized
from complaints.core.observability import logger
from complaints.core.policy import Policy
from complaints.core.policy_sections import Portal
from complaints.core.settings import Settings

_CACHE_SECONDS = 300
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_SECRET_PREFIX = "whsec_"


@dataclass(frozen=True)
class Delivery:
    portal: Portal
    webhook_id: str


def portal_secrets(secret_name: str) -> dict[str, list[str]]:
    from aws_lambda_powertools.utilities import parameters  # by the functions that verify, on first use

    value: Any = parameters.get_secret(secret_name, transform="json", max_age=_CACHE_SECONDS)
    return {str(k): [v] if isinstance(v, str) else list(v) for k, v in dict(value).items()}


def verify_delivery(policy: Policy, portal_id: str, headers: Mapping[str, str], raw_body: bytes, *,
                    secrets: dict[str, list[str]], tolerance_seconds: int, max_body_bytes: int) -> Delivery:
    """The verified delivery, or a domain error naming what was wrong."""
    if len(raw_body) > max_body_bytes:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {max_body_bytes}")
    lowered = {k.lower(): v for k, v in headers.items()}
    missing = [name for name in _HEADERS if not lowered.get(name)]
    if missing:
        raise Unauthorized(f"missing signature headers: {', '.join(missing)}")
    try:
        sent = float(lowered["webhook-timestamp"])
    except ValueError as exc:
        raise Unauthorized("webhook-timestamp is not a Unix timestamp") from exc
    if abs(time.time() - sent) > tolerance_seconds:
        raise Unauthorized(f"webhook-timestamp is more than {tolerance_seconds} seconds from now")
    portal = policy.portal(portal_id)
    keys = (secrets.get(portal_id) or []) if portal is not None else []
    if not keys:
        # An unknown portal is refused as a wrong signature is, so portal ids cannot be probed.
        logger.info("delivery from a portal without a secret", extra={"registered": portal is not None})
    for secret in keys:
        if _signature_matches(secret, lowered, raw_body):
            assert portal is not None
            try:
                raw_body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRequest("the body is not UTF-8 encoded JSON") from exc
            return Delivery(portal, lowered["webhook-id"])
    raise Unauthorized("webhook-signature does not match the body")


def verify_event(policy: Policy, settings: Settings, portal_id: str, event: Mapping[str, Any]) -> Delivery:
    """An API Gateway request from a portal, verified by its signature before anything of it is read."""
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    return verify_delivery(policy, portal_id, event.get("headers") or {}, raw,
                           secrets=portal_secrets(settings.required("portal_secrets_name")),
                           tolerance_seconds=settings.webhook_tolerance_seconds,
                           max_body_bytes=settings.max_body_bytes)


def _signature_matches(secret: str, headers: dict[str, str], raw_body: bytes) -> bool:
    """Whether the delivery carries a signature by this secret, over the body's bytes whatever they are."""
    try:
        if raw_body.isascii() or _is_utf8(raw_body):
            Webhook(secret).verify(raw_body, headers, json_parse=False)
            return True
        # The library signs text; a body that is not UTF-8 is checked by the same rule over its bytes, so that a
        # signed delivery of it is told what is wrong with it rather than that its signature does not match.
        key = base64.b64decode(secret.removeprefix(_SECRET_PREFIX))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw_body
        expected = hmac.new(key, signed, hashlib.sha256).digest()
        for versioned in headers["webhook-signature"].split(" "):
            version, _, signature = versioned.partition(",")
            if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature, validate=True)):
                return True
        return False
    except (WebhookVerificationError, ValueError):
        return False  # a malformed signature list raises ValueError


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
