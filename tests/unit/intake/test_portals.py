"""Who may deliver complaints: Standard Webhooks signatures checked per portal, with rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from complaints.core.errors import BadRequest, PayloadTooLarge, Unauthorized
from complaints.core.policy import Policy, load_policy
from complaints.intake.portals import verify_delivery

OLD_SECRET = "whsec_" + base64.b64encode(b"old-portal-secret-0123456789abcd").decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"new-portal-secret-0123456789abcd").decode()
BODY = json.dumps({"external_id": "W-1", "text": "信号差"}, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("telecom")


def _headers(secret: str, body: bytes = BODY, *, webhook_id: str = "msg_1",
             sent: float | None = None) -> dict[str, str]:
    moment = datetime.fromtimestamp(time.time() if sent is None else sent, UTC)
    signature = Webhook(secret).sign(webhook_id, moment, body.decode())
    return {"Webhook-Id": webhook_id, "Webhook-Timestamp": str(int(moment.timestamp())),
            "Webhook-Signature": signature}


def _verify(policy: Policy, headers: dict[str, str], body: bytes = BODY, *, portal: str = "demo-portal",
            secrets: dict[str, list[str]] | None = None) -> str:
    delivery = verify_delivery(policy, portal, headers, body,
                               secrets=secrets if secrets is not None else {"demo-portal": [NEW_SECRET]},
                               tolerance_seconds=300, max_body_bytes=64 * 1024)
    return delivery.webhook_id


def test_a_delivery_signed_with_the_portals_secret_passes_whatever_the_header_case(policy: Policy) -> None:
    headers = {k.lower(): v for k, v in _headers(NEW_SECRET).items()}
    assert _verify(policy, headers) == "msg_1"
    assert _verify(policy, _headers(NEW_SECRET)) == "msg_1"


def test_during_a_rotation_either_secret_passes(policy: Policy) -> None:
    both = {"demo-portal": [OLD_SECRET, NEW_SECRET]}
    assert _verify(policy, _headers(OLD_SECRET), secrets=both) == "msg_1"
    assert _verify(policy, _headers(NEW_SECRET), secrets=both) == "msg_1"


def test_a_changed_body_or_another_portals_secret_is_refused(policy: Policy) -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        _verify(policy, _headers(NEW_SECRET), BODY.replace(b"W-1", b"W-2"))
    with pytest.raises(Unauthorized, match="does not match"):
        _verify(policy, _headers(OLD_SECRET))


def test_a_replayed_delivery_outside_the_tolerance_is_refused(policy: Policy) -> None:
    with pytest.raises(Unauthorized, match="more than 300 seconds"):
        _verify(policy, _headers(NEW_SECRET, sent=time.time() - 3600))


def test_missing_headers_are_named(policy: Policy) -> None:
    headers = _headers(NEW_SECRET)
    del headers["Webhook-Signature"]
    with pytest.raises(Unauthorized, match="missing signature headers: webhook-signature"):
        _verify(policy, headers)
    with pytest.raises(Unauthorized, match="not a Unix timestamp"):
        _verify(policy, {**_headers(NEW_SECRET), "Webhook-Timestamp": "yesterday"})


def test_an_unknown_portal_a_portal_without_a_secret_and_a_large_body_are_refused(policy: Policy) -> None:
    # An unknown portal is told what a wrong signature is told: portal ids cannot be probed.
    with pytest.raises(Unauthorized, match="does not match"):
        _verify(policy, _headers(NEW_SECRET), portal="nobody")
    with pytest.raises(Unauthorized, match="does not match"):
        _verify(policy, _headers(NEW_SECRET), portal="hotline-cti")
    large = b"x" * (64 * 1024 + 1)
    with pytest.raises(PayloadTooLarge, match="65537 bytes"):
        _verify(policy, _headers(NEW_SECRET, large), large)


def _signed_bytes(secret: str, body: bytes, webhook_id: str = "msg_1") -> dict[str, str]:
    """Headers signing raw bytes by the Standard Webhooks rule (the library signs only text)."""
    sent = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{sent}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": webhook_id, "webhook-timestamp": sent,
            "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def test_a_correctly_signed_body_that_is_not_utf8_is_a_bad_request_and_a_wrongly_signed_one_unauthorized(
        policy: Policy) -> None:
    body = "投诉".encode("gb18030")
    with pytest.raises(BadRequest, match="not UTF-8"):
        _verify(policy, _signed_bytes(NEW_SECRET, body), body)
    with pytest.raises(Unauthorized, match="does not match"):
        _verify(policy, _signed_bytes(OLD_SECRET, body), body)
