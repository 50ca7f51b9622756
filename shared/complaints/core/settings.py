"""Configuration read once from the environment into a validated model.

A plain pydantic model over the process's variables (each field is the
variable of its name, upper case): pydantic-settings would read the same, but
importing it costs more of every cold start than the rest of the settings.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel, defer_build=True):
    """A function's variables: the template's Globals and the function's own.

    Each function is given only what its work needs; a setting it was not given is empty, and asking for
    it with `required` names the variable missing from that function's environment.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
    state_machine_arn: str = Field(default="", pattern=r"^(arn:aws[a-z-]*:states:.*)?$")
    policy_profile: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")  # the template's PolicyProfile
    # A profile file of the desk's own, read instead of the packaged profile of that name.
    policy_file: str = ""
    notify_adapter: str = Field(default="aws", pattern=r"^(outbox|aws)$")
    outbox_path: str = ""
    sender_email: str = ""
    signing_secret_name: str = ""
    portal_secrets_name: str = ""
    push_queue_url: str = ""  # the sender queue of status pushes (the relay's)
    idempotency_table_name: str = ""
    # standardwebhooks refuses timestamps more than 5 minutes off; a deployment may be stricter.
    webhook_tolerance_seconds: int = Field(default=300, ge=10, le=300)
    max_body_bytes: int = Field(default=65536, ge=1024, le=1048576)
    public_base_url: str = ""
    timer_shards: int = Field(default=4, ge=1, le=64)
    # The indexes' deployed names: set only while an index is replaced on a deployed table
    # (docs/index-migration.md), when the readers move to the new one before the old is dropped.
    timers_index: str = Field(default="timers", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    queue_index: str = Field(default="queue", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    owner_index: str = Field(default="owner", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    classifier: str = Field(default="keyword", pattern=r"^(keyword|comprehend)$")
    comprehend_endpoint_arn: str = ""
    # Which claims of the operator's verified JWT name the agent and their roles.
    agent_claim: str = Field(default="username", min_length=1)
    role_claim: str = Field(default="cognito:groups", min_length=1)
    # How the console signs operators in: the template's Cognito pool, the local stack's
    # development issuer, or a pasted access token (any other OIDC issuer).
    console_sign_in: str = Field(default="token", pattern=r"^(cognito|local|token)$")
    operator_client_id: str = ""
    aws_region: str = "us-east-1"  # Lambda sets AWS_REGION

    def required(self, name: str) -> str:
        """The setting's value; a clear error naming the variable when this function was not given it."""
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"{name.upper()} is not set in this function's environment (template.yaml)")
        return str(value)


    @classmethod
    def from_environment(cls) -> Settings:
        """The settings from the process's variables; a missing or malformed one is named in the error."""
        names = {name.upper(): name for name in cls.model_fields}
        return cls.model_validate({names[key]: value for key, value in os.environ.items() if key in names})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()
