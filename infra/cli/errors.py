"""Every failure of a `complaints` command as one line a person can act on.

The desk's refusal is kept as it said it, and followed by what to do: start
the stack, act as someone who may, fix the field. `--debug` shows the
traceback instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError, NoCredentialsError
from requests import Timeout

from complaints.core.policy import Policy
from infra.cli.client import ApiError, BadSetting, Unreachable


@dataclass(frozen=True)
class Who:
    """The acting agent as the CLI knows it: id and the policy's roster."""

    agent_id: str
    policy: Policy
    local: bool

    def describe(self) -> str:
        agent = self.policy.agent(self.agent_id)
        if agent is None:
            return f"you are {self.agent_id}, who is not on the {self.policy.profile} roster"
        return f"you are {self.agent_id} ({agent.role} of {', '.join(agent.departments) or 'no department'})"

    def leads_of(self, department: str) -> list[str]:
        """Who may act there: the department's supervisor first, then its manager."""
        for entry in self.policy.departments:
            if entry.id == department:
                return [name for name in (entry.supervisor, entry.manager) if name and name != self.agent_id]
        return []


def _refusal(exc: ApiError, who: Who) -> str:
    said = exc.message.rstrip(".")
    if exc.status == 401:
        hint = ("the token is not accepted here: drop --token / COMPLAINTS_TOKEN to let the CLI sign in as --agent"
                if who.local else "get a fresh token from the operators' sign-in and pass it with --token")
        return f"not signed in (401): {said}; {hint}"
    if exc.status == 403:
        line = f"refused (403): {said}; {who.describe()}"
        leads = who.leads_of(exc.department) if exc.department else []
        if leads:
            line += f"; {exc.department} is led by {' and '.join(leads)}: try --agent {leads[0]}"
        elif who.policy.agent(who.agent_id) is None:
            line += "; `complaints config` lists the roster"
        return line
    if exc.status == 404:
        return f"not found (404): {said}; check the id (`complaints list --queue DEPARTMENT` lists open work)"
    if exc.status == 422 and exc.field_errors:
        fields = "; ".join(f"{field}: {reason}" if field else reason for field, reason in exc.field_errors)
        return f"not accepted (422): {fields}"
    if exc.status == 409:
        return f"not now (409): {said}; `complaints show ID` says what the complaint waits for"
    if exc.status >= 500:
        return f"the desk failed ({exc.status}): {said}; nothing was changed, try again (--debug for details)"
    return f"refused ({exc.status}): {said}"


def explain(exc: BaseException, who: Who) -> str | None:
    """One line for a failure the user can act on; None for a bug, which keeps its traceback."""
    if isinstance(exc, Unreachable):
        if who.local:
            return (f"the local stack is not running: {exc}; start it with `make run` in another terminal, "
                    "or point the CLI at it (LOCAL_API_PORT / LOCAL_AWS_PORT, --api-url, `complaints config`)")
        return f"{exc}; check --api-url / --aws-url (`complaints config` shows them)"
    if isinstance(exc, ApiError):
        return _refusal(exc, who)
    if isinstance(exc, Timeout):
        return f"the desk did not answer in time ({exc.__class__.__name__}); is the stack busy? try again"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") == "ExecutionDoesNotExist":
            return "no workflow execution by that id: check the complaint id (the execution is named after it)"
        return f"AWS refused ({error.get('Code')}): {error.get('Message')}"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials: configure them (aws configure) to read a deployed stack's history"
    if isinstance(exc, FileNotFoundError):
        return f"{exc}; start the local stack once (`make run`) to create its development key"
    if isinstance(exc, BadSetting):
        return str(exc)
    return None
