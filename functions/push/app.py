"""Scheduled every minute: deliver the status events due to the portals that registered a webhook."""

from dataclasses import asdict
from typing import Any

from complaints.bootstrap import desk
from complaints.core.observability import lambda_handler
from complaints.intake import portals
from complaints.workflow import pushing


@lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = desk()
    secret_name = current.settings.required("portal_secrets_name")
    return asdict(pushing.sweep(current, lambda: portals.portal_secrets(secret_name)))
