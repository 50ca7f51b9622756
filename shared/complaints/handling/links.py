"""Signed links in customers' messages: confirming the fix and the survey.

A link carries the complaint id, a nonce kept on the complaint and an expiry,
signed with a key for its purpose. Opening a link (GET) only reads; answering
it (POST) consumes the nonce, so a link works once and not after it expires,
and a mail scanner that follows every link cannot answer for the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from complaints.adapters.signing_keys import signing_key
from complaints.core import clock, tokens
from complaints.core.errors import ComplaintNotFound, LinkExpired, LinkNotFound
from complaints.core.record import ComplaintRecord
from complaints.desk.context import Desk

CONFIRM = "confirm-link"
SURVEY = "survey-link"
_PATHS = {CONFIRM: "/v1/confirmations/", SURVEY: "/v1/surveys/"}


@dataclass(frozen=True)
class OpenedLink:
    record: ComplaintRecord
    nonce: str
    expires_at: datetime


def make(desk: Desk, purpose: str, complaint_id: str, nonce: str, expires_at: datetime) -> str:
    payload = f"{complaint_id}:{nonce}:{int(expires_at.timestamp())}"
    token = tokens.sign(payload, signing_key(desk.settings.required("signing_secret_name"), purpose))
    return f"{desk.settings.public_base_url}{_PATHS[purpose]}{token}"


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def purpose_of(path: str) -> str | None:
    """Which kind of link a request's path is for, if any."""
    return next((purpose for purpose, prefix in _PATHS.items() if path.startswith(prefix)), None)


def signed(desk: Desk, purpose: str, token: str) -> bool:
    """Whether this desk signed the token for the purpose: checked before anything of the request is read."""
    return tokens.verify(token, signing_key(desk.settings.required("signing_secret_name"), purpose)) is not None


def open_link(desk: Desk, purpose: str, token: str) -> OpenedLink:
    """The complaint behind a valid, unexpired link; refused with a clear error otherwise."""
    payload = tokens.verify(token, signing_key(desk.settings.required("signing_secret_name"), purpose))
    parts = (payload or "").split(":")
    if len(parts) != 3 or not all(parts) or not parts[2].isdigit():
        raise LinkNotFound("this link is not valid")
    complaint_id, nonce, expiry = parts
    expires_at = datetime.fromtimestamp(int(expiry), UTC)
    if clock.now() >= expires_at:
        raise LinkExpired(f"this link expired at {clock.iso(expires_at)}")
    try:
        record = desk.complaints.get(complaint_id)
    except ComplaintNotFound as exc:
        raise LinkNotFound("this link is not valid") from exc
    return OpenedLink(record, nonce, expires_at)
