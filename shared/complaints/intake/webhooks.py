"""Portals register where the desk pushes their complaints' status (Standard Webhooks, signed with their secret).

A registration names the URL and, optionally, the events wanted (every one the
policy pushes by default). A portal reads it back with its latest dead letters:
the deliveries that failed every attempt. Withdrawing stops new pushes.
"""

from __future__ import annotations

from pydantic import BaseModel

from complaints.core.errors import InvalidField
from complaints.core.requests import WebhookRegistration
from complaints.desk.context import Desk
from complaints.desk.status_push import check_url


class DeadLetter(BaseModel, defer_build=True):
    message_id: str
    complaint_id: str
    dead_at: str
    last_error: str
    attempts: int


class WebhookView(BaseModel, defer_build=True):
    portal_id: str
    url: str | None = None
    events: list[str] = []
    registered_at: str | None = None
    dead_letters: list[DeadLetter] = []


def register(desk: Desk, portal_id: str, request: WebhookRegistration) -> WebhookView:
    rule = desk.policy.status_push
    check_url(request.url, rule)
    events = request.events if request.events is not None else list(rule.events)
    unknown = sorted(set(events) - set(rule.events))
    if unknown or not events:
        raise InvalidField("events", f"unknown {unknown}; the desk pushes {', '.join(rule.events)}" if unknown
                           else "name at least one event, or leave events out for all")
    desk.tables.hooks.put(portal_id, request.url, list(dict.fromkeys(events)))
    desk.pushes.forget(portal_id)
    return read(desk, portal_id)


def read(desk: Desk, portal_id: str) -> WebhookView:
    hook = desk.tables.hooks.get(portal_id) or {}
    letters = [DeadLetter(message_id=str(d["message_id"]), complaint_id=str(d["complaint_id"]),
                          dead_at=str(d["dead_at"]), last_error=str(d["last_error"]), attempts=int(d["attempts"]))
               for d in desk.tables.hooks.dead_letters(portal_id)]
    return WebhookView(portal_id=portal_id, url=hook.get("url"), events=list(hook.get("events") or []),
                       registered_at=hook.get("registered_at"), dead_letters=letters)


def withdraw(desk: Desk, portal_id: str) -> WebhookView:
    desk.tables.hooks.withdraw(portal_id)
    desk.pushes.forget(portal_id)
    return read(desk, portal_id)
