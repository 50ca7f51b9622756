"""A small client of the complaint desk's HTTP API and its workflow, for the CLI and the demo."""

from __future__ import annotations

import json as jsonlib
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import requests
from botocore.exceptions import ClientError, EndpointConnectionError
from standardwebhooks.webhooks import Webhook

from complaints.core.policy import load_policy
from infra.local.oidc import TOKEN_SECONDS, DevIssuer

LOCAL_HOST = "127.0.0.1"
LOCAL_STACK = "complaints-local"
LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "123456789012"
LOCAL_DATA = Path(__file__).resolve().parents[2] / ".local"




class BadSetting(ValueError):
    """A setting the client reads (an environment variable, a time) that it cannot use."""


def local_port(variable: str, default: int) -> int:
    """A port of the local stack, from the same variable the stack reads (LOCAL_API_PORT, LOCAL_AWS_PORT)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise BadSetting(f"{variable}={value!r} is not a port number")
    return int(value)


def local_api_url() -> str:
    return f"http://{LOCAL_HOST}:{local_port('LOCAL_API_PORT', 8080)}"


def local_aws_url() -> str:
    return f"http://{LOCAL_HOST}:{local_port('LOCAL_AWS_PORT', 4566)}"


LOCAL_API = f"http://{LOCAL_HOST}:8080"  # the stack's defaults, without LOCAL_API_PORT / LOCAL_AWS_PORT
LOCAL_AWS = f"http://{LOCAL_HOST}:4566"


def _answer(response: requests.Response) -> Any:
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = {"message": response.text[:200]}
    if response.status_code >= 400:
        raise ApiError(response.status_code, body)
    return body


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body
        self.message = str(message)

    @property
    def department(self) -> str | None:
        """The department a refusal names (a 403 on another department's complaint)."""
        value = self.body.get("department") if isinstance(self.body, dict) else None
        return str(value) if value else None

    @property
    def field_errors(self) -> list[tuple[str, str]]:
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return [(str(e.get("field", "")), str(e.get("reason", ""))) for e in errors or [] if isinstance(e, dict)]


class Unreachable(Exception):
    """Nothing answers at the URL the client is pointed at."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__(f"nothing answers at {url} ({what})")
        self.url = url
        self.what = what


def _request(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        return requests.request(method, url, **kwargs)
    except requests.ConnectionError as exc:
        raise Unreachable(url.split("/v1/")[0].split("/_local/")[0], "the HTTP API") from exc


@dataclass
class DeskClient:
    api_url: str = LOCAL_API
    aws_url: str | None = LOCAL_AWS
    stack_name: str = LOCAL_STACK
    region: str = LOCAL_REGION
    token: str | None = None
    timeout: float = 30.0  # API Gateway's integration timeout: an answer comes within it or not at all
    wait_seconds: float = 15.0  # how long wait_for and ended wait for the workflow when not told
    portal_secrets: dict[str, list[str]] | None = None
    # Where the local stack keeps its development signing key (tokens are minted per agent).
    dev_data_dir: Path = LOCAL_DATA
    policy_profile: str = "telecom"
    # Where agents' tokens come from: "key" mints them with the development key in dev_data_dir (the stack runs
    # in this process or this checkout); "stack" asks the local stack's sign-in endpoint, wherever it runs.
    token_source: str = "key"

    # Benchmarks: mark this client's GETs (polling for the workflow) so the local meter leaves them out.
    unmetered_reads: bool = False

    def __post_init__(self) -> None:
        self._tokens: dict[tuple[str, str | None], tuple[str, float]] = {}

    def _call(self, method: str, path: str, *, agent: str | None = None, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:
        headers = {}
        if agent is not None or self.token:
            headers["Authorization"] = f"Bearer {self.token or self.dev_token(agent or '')}"
        if self.unmetered_reads and method == "GET":
            headers["x-local-unmetered"] = "1"
        response = _request(method, self.api_url + path, json=json, params=params, headers=headers,
                            timeout=self.timeout)
        return _answer(response)

    # ------------------------------------------------------------ AWS side (local stack or deployed)
    def _aws(self, service: str) -> Any:
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.aws_url:
            kwargs.update(endpoint_url=self.aws_url, aws_access_key_id="local", aws_secret_access_key="local")
        return boto3.client(service, **kwargs)

    def dev_token(self, agent_id: str, role: str | None = None, ttl_seconds: int = TOKEN_SECONDS) -> str:
        """A JWT for an agent signed with the local stack's development key.

        The role defaults to the agent's role on the policy's roster.
        """
        asked = (agent_id, role)  # kept under the role asked for: None stays None, so the next call finds it
        cached = self._tokens.get(asked)
        if cached and cached[1] > time.time() + 60 and ttl_seconds == TOKEN_SECONDS:
            return cached[0]
        if role is None:
            agent = load_policy(self.policy_profile).agent(agent_id)
            role = agent.role if agent else "agent"
        if self.token_source == "stack":
            answer = _answer(_request("POST", self.api_url + "/_local/oidc/token",
                                      json={"agent": agent_id, "role": role}, timeout=self.timeout))
            token = str(answer["access_token"])
        else:
            token = DevIssuer.load(self.dev_data_dir).mint(agent_id, [role], ttl_seconds=ttl_seconds)
        if ttl_seconds == TOKEN_SECONDS:  # a token of another lifetime was asked for once, and is not handed out again
            self._tokens[asked] = (token, time.time() + ttl_seconds)
        return token

    @property
    def state_machine_arn(self) -> str:
        account = LOCAL_ACCOUNT if self.aws_url else boto3.client("sts").get_caller_identity()["Account"]
        return f"arn:aws:states:{self.region}:{account}:stateMachine:{self.stack_name}-complaint"

    def execution_arn(self, complaint_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{complaint_id}"

    def history(self, complaint_id: str) -> list[dict[str, Any]]:
        client = self._aws("stepfunctions")
        events: list[dict[str, Any]] = []
        try:
            for page in client.get_paginator("get_execution_history").paginate(
                    executionArn=self.execution_arn(complaint_id)):
                events.extend(page["events"])
        except EndpointConnectionError as exc:
            raise Unreachable(self.aws_url or "AWS", "the AWS endpoints") from exc
        return events

    def executions(self, complaint_id: str, agent: str) -> list[dict[str, Any]]:
        """The complaint's executions, oldest first, each with its status; [] when the desk does not show them."""
        try:
            runs = list(self.show(complaint_id, agent).get("executions") or [])
        except ApiError:
            return []
        for run in runs:
            try:
                run["status"] = self.execution(run["name"])["status"]
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ExecutionDoesNotExist":
                    raise
                run["status"] = "MISSING"
        return runs

    def has_complaints(self) -> bool:
        """Whether the stack's workflow has run for any complaint yet."""
        try:
            answer = self._aws("stepfunctions").list_executions(stateMachineArn=self.state_machine_arn, maxResults=1)
        except EndpointConnectionError as exc:
            raise Unreachable(self.aws_url or "AWS", "the AWS endpoints") from exc
        return bool(answer["executions"])

    def execution(self, complaint_id: str) -> dict[str, Any]:
        return dict(self._aws("stepfunctions").describe_execution(executionArn=self.execution_arn(complaint_id)))

    def ended(self, name: str, timeout: float | None = None) -> str:
        """The execution's status once it stops running; still RUNNING when it has not by the timeout."""
        deadline = time.monotonic() + (self.wait_seconds if timeout is None else timeout)
        status = str(self.execution(name)["status"])
        while status == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = str(self.execution(name)["status"])
        return status

    # ------------------------------------------------------------ API
    def portal_secret(self, portal_id: str) -> str:
        """The portal's current signing secret, from the stack's PortalSecrets."""
        if self.portal_secrets is None:
            try:
                answer = self._aws("secretsmanager").get_secret_value(SecretId=f"{self.stack_name}-PortalSecrets")
            except EndpointConnectionError as exc:
                raise Unreachable(self.aws_url or "AWS", "the AWS endpoints") from exc
            self.portal_secrets = jsonlib.loads(answer["SecretString"])
        return str(self.portal_secrets[portal_id][-1])

    def signed(self, portal_id: str, method: str, path: str, body: bytes = b"",
               webhook_id: str | None = None, timestamp: datetime | None = None) -> requests.Response:
        """A request signed as the portal signs it (Standard Webhooks)."""
        webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        timestamp = timestamp or datetime.now(UTC)
        signature = Webhook(self.portal_secret(portal_id)).sign(webhook_id, timestamp, body.decode())
        headers = {"webhook-id": webhook_id, "webhook-timestamp": str(int(timestamp.timestamp())),
                   "webhook-signature": signature, "content-type": "application/json"}
        return _request(method, self.api_url + path, data=body, headers=headers, timeout=self.timeout)

    def submit(self, portal_id: str, body: dict[str, Any], webhook_id: str | None = None) -> dict[str, Any]:
        raw = jsonlib.dumps(body, ensure_ascii=False).encode()
        response = self.signed(portal_id, "POST", f"/v1/portals/{portal_id}/complaints", raw, webhook_id)
        return dict(_answer(response))

    def inbound_sms(self, portal_id: str, sender: str, text: str, webhook_id: str | None = None) -> dict[str, Any]:
        """A customer's SMS as the SMS gateway delivers it (signed like a portal)."""
        raw = jsonlib.dumps({"from": sender, "text": text}, ensure_ascii=False).encode()
        return dict(_answer(self.signed(portal_id, "POST", f"/v1/portals/{portal_id}/sms", raw, webhook_id)))

    def portal_read(self, portal_id: str, external_id: str) -> dict[str, Any]:
        return dict(_answer(self.signed(portal_id, "GET", f"/v1/portals/{portal_id}/complaints/{external_id}")))

    def register_webhook(self, portal_id: str, url: str, events: list[str] | None = None) -> dict[str, Any]:
        """Register where the desk pushes the portal's status events, as the portal does (signed)."""
        raw = jsonlib.dumps({"url": url, **({"events": events} if events is not None else {})}).encode()
        return dict(_answer(self.signed(portal_id, "PUT", f"/v1/portals/{portal_id}/webhook", raw)))

    def webhook(self, portal_id: str) -> dict[str, Any]:
        """The portal's webhook registration and its latest dead letters."""
        return dict(_answer(self.signed(portal_id, "GET", f"/v1/portals/{portal_id}/webhook")))

    def list(self, agent: str, **filters: Any) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v is not None}
        return dict(self._call("GET", "/v1/complaints", agent=agent, params=params))

    def show(self, complaint_id: str, agent: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/v1/complaints/{complaint_id}", agent=agent))

    def act(self, complaint_id: str, action: str, agent: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return dict(self._call("POST", f"/v1/complaints/{complaint_id}/{action}", agent=agent, json=body))

    def answer_survey(self, token: str, score: int, comment: str | None = None, **ratings: str) -> dict[str, Any]:
        """ratings: attitude, speed, result as satisfied | neutral | unsatisfied."""
        body = {"score": score, "comment": comment, **ratings}
        return dict(self._call("POST", f"/v1/surveys/{token}", json=body))

    def confirm(self, token: str, outcome: str, comment: str | None = None) -> dict[str, Any]:
        """Answer a confirmation link as the customer: fixed | not_fixed."""
        return dict(self._call("POST", f"/v1/confirmations/{token}", json={"outcome": outcome, "comment": comment}))

    def appeal(self, portal_id: str, external_id: str, reason: str) -> dict[str, Any]:
        """A portal delivers its customer's appeal of a closed complaint."""
        raw = jsonlib.dumps({"reason": reason}, ensure_ascii=False).encode()
        return dict(_answer(self.signed(portal_id, "POST", f"/v1/portals/{portal_id}/complaints/{external_id}/appeal",
                                        raw)))

    def report(self, agent: str, start: str, end: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/reports/verification", agent=agent, params={"from": start, "to": end}))

    def summary(self, agent: str, start: str, end: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/reports/summary", agent=agent, params={"from": start, "to": end}))

    def causes(self, agent: str, start: str, end: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/reports/causes", agent=agent, params={"from": start, "to": end}))

    def corrective(self, method: str, agent: str, path: str = "", body: dict[str, Any] | None = None,
                   params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The corrective actions' routes: /v1/corrective-actions, /{id}, /{id}/done, /{id}/cancel."""
        return dict(self._call(method, f"/v1/corrective-actions{path}", agent=agent, json=body, params=params))

    def trends(self, agent: str, start: str, end: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/reports/trends", agent=agent, params={"from": start, "to": end}))

    def assessment(self, agent: str, start: str, end: str) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/reports/assessment", agent=agent, params={"from": start, "to": end}))

    def summary_csv(self, agent: str, start: str, end: str, report: str = "summary") -> str:
        """A report's CSV: the summary's, or report="assessment"."""
        headers = {"Authorization": f"Bearer {self.token or self.dev_token(agent)}"}
        response = _request("GET", self.api_url + f"/v1/reports/{report}.csv", params={"from": start, "to": end},
                            headers=headers, timeout=self.timeout)
        if response.status_code >= 400:
            _answer(response)
        return response.text

    # ------------------------------------------------------------ local stack only
    def advance_clock(self, seconds: float) -> str:
        return str(self._call("POST", "/_local/clock", json={"advance_seconds": seconds})["now"])

    def backup(self, target: Path) -> dict[str, Any]:
        """The running local stack's backup of its data directory, written to target (a path on its machine)."""
        return dict(self._call("POST", "/_local/backup", json={"file": str(target)}))

    def clock(self) -> str:
        return str(self._call("GET", "/_local/clock")["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self.clock().replace("Z", "+00:00"))

    def advance_to(self, local: str, zone: str = "Asia/Shanghai") -> str:
        """Move the clock forward to the next HH:MM local time (a morning, an afternoon)."""
        now = self.now().astimezone(ZoneInfo(zone))
        target = now.replace(hour=int(local[:2]), minute=int(local[3:5]), second=0, microsecond=0)
        if target <= now:
            target += timedelta(days=1)
        return self.advance_clock((target - now).total_seconds())

    def to_daytime(self, profile: str | None = None) -> str:
        """Move the clock out of the policy's quiet hours (customers may be called), if it is in them."""
        quiet = load_policy(profile or self.policy_profile).quiet
        now = self.now()
        if not quiet.is_quiet(now):
            return now.isoformat()
        return self.advance_clock((quiet.next_allowed(now) - now).total_seconds() + 60)

    def tick(self) -> dict[str, Any]:
        return dict(self._call("POST", "/_local/schedule/tick"))

    def wait_for(self, complaint_id: str, agent: str, *, awaiting: str | tuple[str, ...] | None = None,
                 status: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Poll until the workflow waits at a stage (one of several) or reaches a status; bounded by timeout
        (the client's wait_seconds when not given)."""
        deadline = time.monotonic() + (self.wait_seconds if timeout is None else timeout)
        view: dict[str, Any] = {}
        stages = (awaiting,) if isinstance(awaiting, str) else awaiting
        while time.monotonic() < deadline:
            view = self.show(complaint_id, agent)
            if (stages is None or view.get("awaiting") in stages) and (status is None or view["status"] == status):
                return view
            time.sleep(0.05)
        raise TimeoutError(f"complaint {complaint_id} did not reach awaiting={awaiting} status={status}: "
                           f"it is {view.get('status')} awaiting {view.get('awaiting')}")
