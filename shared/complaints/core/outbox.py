"""A status event for a portal, carried by the complaint change that causes it (a transactional outbox).

The desk decides what a portal hears (``desk/status_push``); the complaint
store writes the event in the same transaction as the change, so the event
exists if and only if the change was saved, and gives it the webhook id of
that change: the same id on every delivery attempt, which is how a portal
following Standard Webhooks drops a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusEvent:
    portal_id: str
    event: str  # acknowledged, assigned, replied, ...
    body: str  # the Standard Webhooks payload as JSON: the desk's codes and the portal's own ids only

    def message_id(self, complaint_id: str, version: int) -> str:
        """The webhook id: one per change (complaint, event, the version the change was saved as)."""
        return f"msg_{complaint_id}_{self.event}_{version}"
