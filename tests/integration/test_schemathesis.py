"""Property-based API testing: schemathesis drives every operation of the served OpenAPI document.

Both modes: positive (requests the document allows) and negative (requests it
forbids: wrong types, missing fields, out-of-range values). No answer may be a
5xx, and every answer must match the document (status code, content type, body
schema). Portal deliveries are signed as a portal would sign them and operator
calls carry a valid token, so the checks reach past authentication into
validation and the domain; the public link routes get whatever is generated.
The counts (generated, 2xx, 4xx, 5xx, per mode) are printed at the end and
written to build/schemathesis-counts.json. FUZZ_EXAMPLES sets the examples per
operation and mode: 10 in `make test`, more in `make fuzz`. Generation is
derandomized, so a run of either size asks the same requests each time.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from standardwebhooks.webhooks import Webhook

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = [pytest.mark.integration, pytest.mark.long]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


COUNTS: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def api_schema(stack: LocalStack) -> Any:
    loaded = schemathesis.openapi.from_url(f"{stack.config.api_url}/v1/openapi.json")
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return loaded


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    summary = {mode: {key.split(":", 1)[1]: n for key, n in sorted(COUNTS.items()) if key.startswith(f"{mode}:")}
               for mode in ("positive", "negative", "all")}
    Path("build").mkdir(exist_ok=True)
    Path("build/schemathesis-counts.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"schemathesis: {json.dumps(summary)}")


def _count(case: Any, status: int) -> None:
    mode = case.meta.generation.mode.value if case.meta is not None else "positive"
    bucket = f"{status // 100}xx"
    for name in (mode, "all"):
        COUNTS[f"{name}:generated"] += 1
        COUNTS[f"{name}:{bucket}"] += 1


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
# One test item drives every operation of the API (each a subtest), so its time grows with the API.
@pytest.mark.timeout(900)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_documented_promises(case: Any, stack: LocalStack, client: DeskClient) -> None:
    path = case.operation.path
    # Inbound SMS comes from the SMS gateway; everything else under /v1/portals/ from a complaint portal.
    portal = "sms-gateway" if path.endswith("/sms") else "demo-portal"
    if path.startswith("/v1/portals/"):
        case.path_parameters["portal_id"] = portal
    kwargs = case.as_transport_kwargs(base_url=stack.config.api_url)
    headers = dict(kwargs.get("headers") or {})
    if case.operation.definition.raw.get("security"):  # operator routes: a manager's JWT
        headers["Authorization"] = f"Bearer {client.dev_token('mgr-qian')}"
    body = kwargs.get("data")
    if "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode()
    elif isinstance(body, str):
        body = body.encode()
    if path.startswith("/v1/portals/") and _is_text(body or b""):
        headers.update(_signature(client, portal, body or b""))
    response = requests.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), data=body,
                                headers={k: str(v) for k, v in headers.items()}, timeout=ANSWER_SECONDS)
    _count(case, response.status_code)
    case.validate_response(response, checks=CHECKS)


def _is_text(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False  # a portal signs text; such a body goes unsigned and must be refused cleanly
    return True


def _signature(client: DeskClient, portal: str, body: bytes) -> dict[str, str]:
    now = datetime.now(UTC)
    webhook_id = f"msg_fuzz_{uuid.uuid4().hex}"
    signature = Webhook(client.portal_secret(portal)).sign(webhook_id, now, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
