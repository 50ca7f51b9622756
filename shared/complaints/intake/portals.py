"""Who may deliver complaints: portals verified by Standard Webhooks signatures.

Each portal signs `webhook-id.webhook-timestamp.body` with HMAC-SHA256 and a
`whsec_` secret. The portals' secrets live in one Secrets Manager secret, a
JSON object of portal id → list of secrets; during a rotation a portal has
two, and a delivery signed with either (or carrying signatures by both) passes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities import parameters
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from complaints.core.errors import ComplaintNotFound, PayloadTooLarge, Unauthorized
from complaints.core.policy import Policy
from complaints.core.policy_sections import Portal

_CACHE_SECONDS = 300
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass(frozen=True)
class Delivery:
    portal: Portal
    webhook_id: str


def portal_secrets(secret_name: str) -> dict[str, list[str]]:
    value: Any = parameters.get_secret(secret_name, transform="json", max_age=_CACHE_SECONDS)
    return {str(k): [v] if isinstance(v, str) else list(v) for k, v in dict(value).items()}


def verify_delivery(policy: Policy, portal_id: str, headers: Mapping[str, str], raw_body: bytes, *,
                    secrets: dict[str, list[str]], tolerance_seconds: int, max_body_bytes: int) -> Delivery:
    """The verified delivery, or a domain error naming what was wrong."""
    if len(raw_body) > max_body_bytes:
        raise PayloadTooLarge(f"body is {len(raw_body)} bytes; the limit is {max_body_bytes}")
    portal = policy.portal(portal_id)
    if portal is None:
        raise ComplaintNotFound(f"portal {portal_id!r} is not registered")
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
    keys = secrets.get(portal_id) or []
    if not keys:
        raise Unauthorized(f"portal {portal_id!r} has no signing secret configured")
    for secret in keys:
        try:
            Webhook(secret).verify(raw_body, dict(lowered), json_parse=False)
        except (WebhookVerificationError, ValueError):
            continue  # a malformed signature list raises ValueError
        return Delivery(portal, lowered["webhook-id"])
    raise Unauthorized("webhook-signature does not match the body")
