"""Who may deliver complaints to the intake webhook.

This is the seam for request authentication: today it checks that the portal
is one the policy knows; signature verification of the delivery (headers and
raw body) belongs here too.
"""

from __future__ import annotations

from collections.abc import Mapping

from complaints.errors import ComplaintNotFound
from complaints.policy import Policy, Portal


def authenticate_portal(policy: Policy, portal_id: str, headers: Mapping[str, str], raw_body: bytes) -> Portal:
    portal = policy.portal(portal_id)
    if portal is None:
        raise ComplaintNotFound(f"portal {portal_id!r} is not registered")
    return portal
