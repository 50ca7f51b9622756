"""Build and run the whole system locally from template.yaml, with no AWS account.

- the DynamoDB table (key schema, indexes, TTL) and the signing secret from
  the template's resources;
- every function registered with moto's Lambda service and run as Lambda
  runs it (infra.local.runtime): containers that are processes of their own,
  each with its function's environment, timeout and role; invocations reach
  them through the checked patches of moto's internals
  (infra.local.moto_patches);
- the state machine from the same ASL file with the template's
  DefinitionSubstitutions, executed by moto's Step Functions interpreter;
- AWS endpoints on loopback (infra.local.aws_endpoint: moto's server app, with
  each function's calls checked against its role) for the functions'
  containers, the AWS CLI and boto3;
- the HTTP API on loopback, built from the functions' HttpApi events;
- the reminders schedule ticking at the template's rate, against a clock that
  can be moved forward;
- the SQS queues, and each function's SQS event source mapping polling its
  queue as Lambda's does (infra.local.event_sources);
- a data directory that keeps the tables, secrets, executions with their
  histories, outbox and clock across a restart or a crash (infra.local.durable),
  where every workflow that was cut off goes on in a new execution.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import re
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import yaml
from moto import mock_aws
from werkzeug.wrappers import Request, Response

from complaints import bootstrap
from complaints.core import clock
from complaints.core.access import ROLES
from complaints.core.observability import logger
from complaints.core.policy import POLICY_DIR, load_policy
from complaints.workflow.redrive import redrive_stalled
from infra import iam
from infra.local import durable, event_sources, iam_enforcement, layers, moto_patches, restored, runtime
from infra.local.aws_endpoint import AwsEndpoint
from infra.local.http_api import HttpApi, Listener, Route, json_response
from infra.local.iam_calls import Account
from infra.local.oidc import DevIssuer, JwtAuthorizer, load_or_create_key
from infra.local.template import Resolver, create_table, load_template

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"


def _port(name: str, default: int) -> int:
    value = os.environ.get(name)  # the local stack's own knobs, not function settings
    return int(value) if value else default


@dataclass
class StackConfig:
    root: Path = ROOT
    stack_name: str = "complaints-local"
    region: str = "us-east-1"
    host: str = "127.0.0.1"
    aws_port: int = field(default_factory=lambda: _port("LOCAL_AWS_PORT", 4566))
    api_port: int = field(default_factory=lambda: _port("LOCAL_API_PORT", 8080))
    tick_schedule: bool = True
    data_dir: Path = field(default_factory=lambda: durable.default_data_dir())
    # Keep everything in data_dir across restarts (journal, fsync before each answer); off: start empty each time.
    durable: bool = True
    log_level: str = "INFO"
    # Check every AWS call a function makes against its own role, as IAM does (infra.local.iam_enforcement).
    enforce_iam: bool = True
    # Changes to the policy profile (section → field → value), as a desk's own profile file would make them.
    policy_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The desk's policy profile (the template's PolicyProfile, one of its AllowedValues); None: the default.
    profile: str | None = None
    # Move the clock forward to this local time of day at start (tests and the demo run
    # from a known morning, whatever the wall clock says).
    start_local: str | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def aws_url(self) -> str:
        return f"http://{self.host}:{self.aws_port}"


class LocalStack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        # Absolute: the functions' containers run in their own code directories.
        self.config.data_dir = self.config.data_dir.resolve()
        self.template = load_template(self.config.root / "template.yaml")
        self.resources: dict[str, Any] = self.template["Resources"]
        self.physical: dict[str, str] = {}
        self.functions: dict[str, runtime.LocalFunction] = {}
        self.state_machine_arn = ""
        self.outbox_path = self.config.data_dir / "outbox.jsonl"
        self._mock: Any = None
        self.store: durable.Store | None = None
        self.restored: dict[str, Any] = {}  # what start-up found in the data directory
        self._patches: moto_patches.Installation | None = None
        self.enforcer: iam_enforcement.Enforcer | None = None
        self.endpoint: AwsEndpoint | None = None
        self.policy_file = self.config.data_dir / "policy.yaml"
        self._api: HttpApi | None = None
        self._api_listener: Listener | None = None
        self.dev_issuer: DevIssuer | None = None
        self._ticker_stop = threading.Event()
        self.schedule_seconds: dict[str, int] = {}
        self.schedules: list[tuple[str, dict[str, Any] | None]] = []  # (function, the schedule's Input), in order
        self.pollers: dict[str, event_sources.SqsPoller] = {}  # by the function's logical id
        # what the process's environment held before the stack set its variables (None: unset), put back by stop()
        self._environment_before: dict[str, str | None] = {}
        self.resolver = Resolver(
            self.template,
            pseudo={"AWS::StackName": self.config.stack_name, "AWS::Region": self.config.region,
                    "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                    "AWS::NoValue": ""},
            ref=self._ref, get_att=self._get_att,
        )
        if self.config.profile is not None:
            allowed = self.template["Parameters"]["PolicyProfile"].get("AllowedValues", [])
            if self.config.profile not in allowed:
                raise ValueError(f"profile {self.config.profile!r} is not one of the template's {allowed}")
            self.resolver.parameters["PolicyProfile"] = self.config.profile

    @property
    def profile(self) -> str:
        """The desk's policy profile, as the template's parameter resolves."""
        return self.resolver.parameters["PolicyProfile"]

    # ------------------------------------------------------------ names
    def _name(self, logical_id: str) -> str:
        return f"{self.config.stack_name}-{logical_id}"

    def _ref(self, logical_id: str) -> str:
        if logical_id in self.physical:
            return self.physical[logical_id]
        if logical_id not in self.resources:
            raise KeyError(f"template refers to unknown resource {logical_id}")
        return self.physical.get(logical_id, self._name(logical_id))

    def _get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self._ref(logical_id)
        if kind == "AWS::Serverless::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{self.config.region}:{ACCOUNT}:function:{name}"
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{self.config.region}:{ACCOUNT}:table/{name}"
        if kind == "AWS::SQS::Queue" and attribute in ("Arn", "QueueName"):
            queue_name = name.rsplit("/", 1)[-1]  # Ref of a queue is its URL
            arn = f"arn:aws:sqs:{self.config.region}:{ACCOUNT}:{queue_name}"
            return queue_name if attribute == "QueueName" else arn
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"arn:aws:logs:{self.config.region}:{ACCOUNT}:log-group:{name}"
        raise KeyError(f"{logical_id}.{attribute} is not known to the local stack")

    def _of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    # ------------------------------------------------------------ lifecycle
    def start(self) -> LocalStack:
        """Start every resource of the template; a start that fails stops what it had started (its ports, moto,
        the patches, the containers) before the error is raised, so nothing is left bound or running."""
        if self._mock is not None or self._patches is not None:
            raise RuntimeError("the local stack is running already: stop it before starting it again")
        try:
            return self._start()
        except BaseException:
            try:
                self.stop()
            except Exception:  # the failure that stopped the start is the one to raise
                logging.getLogger(__name__).exception("stopping a local stack whose start failed")
            raise

    def _start(self) -> LocalStack:
        # What one run builds; a stack started again after a stop builds it anew rather than adding to it.
        self._ticker_stop = threading.Event()  # a ticker of the last run keeps its own, which stop() set
        self.functions.clear()
        self.pollers.clear()
        self.schedules.clear()
        self.schedule_seconds.clear()
        self.restored = {}
        # Refuses a moto its patches were not written for. Queries read their index partition, as on DynamoDB,
        # rather than every item of the table, so a long run does not slow down as its table grows.
        self._patches = moto_patches.install("indexed_gsi_queries", *(["durable_state"] if self.config.durable else []))
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        if self.config.durable:
            self.store = durable.Store(self.config.data_dir)  # refuses a data directory another stack runs on
            self.outbox_path.touch(mode=0o600, exist_ok=True)  # kept: every message sent before a restart
        else:
            self.outbox_path.write_text("", encoding="utf-8")
        self._set_environment({"AWS_DEFAULT_REGION": self.config.region, "AWS_ACCESS_KEY_ID": "local",
                               "AWS_SECRET_ACCESS_KEY": "local"})
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self.endpoint = AwsEndpoint({})
        self._create_tables()
        if self.store is not None:
            self._restore_tables()
            durable.attach(self.store)  # every change from here on is journaled
            self.endpoint.commit = self.store.sync  # and on disk before the endpoint answers
        # Port 0 asks for any free port; the one bound is written back before anything is told it.
        self.config.aws_port = self.endpoint.start(self.config.host, self.config.aws_port)
        self._api_listener = Listener(self.config.host, self.config.api_port)
        self.config.api_port = self._api_listener.port
        self._create_secrets()
        self._create_queues()
        self._write_policy()
        self._set_harness_environment()
        self._create_functions()
        self._create_state_machines()
        if self.config.enforce_iam:
            self.enforcer = self.endpoint.enforcer = self._enforcer()
        if self.store is not None:
            self._restore_clock_and_executions()
        if self.config.start_local and (self.store is None or self.store.fresh):
            self._move_clock_to(self.config.start_local)
        self._warm_up()
        self._start_event_sources()
        self._start_http_api()
        if self.store is not None and not self.store.fresh:
            # Every complaint whose workflow the stop cut off goes on where it stood, in a new execution.
            self.restored["redriven"] = redrive_stalled(bootstrap.desk())
        if self.config.tick_schedule:
            threading.Thread(target=self._tick_forever, args=(self._ticker_stop,), name="schedule",
                             daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop whatever is running, however far start() got; stopping twice does nothing more."""
        self._ticker_stop.set()
        if self._api:
            self._api.stop()
            self._api = None
        if self._api_listener:
            self._api_listener.stop()  # bound in start() before the routes exist: closed even if never served
            self._api_listener = None
        for poller in self.pollers.values():
            poller.stop()
        self.pollers.clear()
        for function in self.functions.values():
            runtime.unregister(function.name)  # stops its containers
        if self.endpoint:
            self.endpoint.stop()
            self.endpoint = None
        if self.store is not None:
            durable.attach(None)
            self.store.close()
            self.store = None
        if self._mock:
            self._mock.stop()
            self._mock = None
        record = os.environ.get("LOCAL_IAM_RECORD")  # the local stack's own knob: which grants were used
        if record and self.enforcer:
            self.enforcer.record(Path(record))
        self.enforcer = None
        if self._patches:
            self._patches.uninstall()
            self._patches = None
        self._restore_environment()  # the process's own variables again: the next stack, or test, starts clean
        clock.reset()
        bootstrap.reset()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ resources
    def _create_tables(self) -> None:
        client = boto3.client("dynamodb", region_name=self.config.region)
        for logical_id, resource in self._of_type("AWS::DynamoDB::Table").items():
            name = self._name(logical_id)
            create_table(client, name, self.resolver.resolve(resource["Properties"]))
            self.physical[logical_id] = name

    def _create_secrets(self) -> None:
        client = boto3.client("secretsmanager", region_name=self.config.region)
        kept = self.store.state.secrets if self.store is not None else {}
        for logical_id, resource in self._of_type("AWS::SecretsManager::Secret").items():
            name = self._name(logical_id)
            if logical_id == "PortalSecrets":
                value = json.dumps(self.portal_secrets())
            elif "GenerateSecretString" in resource["Properties"]:
                # Generated once: page tokens, links sent to customers and phone keys stay valid across restarts.
                value = kept.get(name) or secrets.token_urlsafe(48)
            else:
                value = str(resource["Properties"]["SecretString"])
            answer = client.create_secret(Name=name, SecretString=value)
            self.physical[logical_id] = answer["ARN"]
            if self.store is not None and kept.get(name) != value:
                self.store.append({"t": "secret", "name": name, "value": value})

    def _create_queues(self) -> None:
        """The template's queues with their attributes; the redrive policies once every queue exists."""
        client = boto3.client("sqs", region_name=self.config.region)
        queues = self._of_type("AWS::SQS::Queue")
        for logical_id, resource in queues.items():
            props = resource.get("Properties", {})
            attributes = {k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
                          for k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                                    "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled") if k in props}
            self.physical[logical_id] = client.create_queue(QueueName=self._name(logical_id),
                                                            Attributes=attributes)["QueueUrl"]
        for logical_id, resource in queues.items():
            redrive = resource.get("Properties", {}).get("RedrivePolicy")
            if redrive:
                client.set_queue_attributes(QueueUrl=self.physical[logical_id],
                                            Attributes={"RedrivePolicy": json.dumps(self.resolver.resolve(redrive))})

    def _start_event_sources(self) -> None:
        """Each SQS event source mapping of the template, polled as Lambda polls it (under the function's role:
        the mapping is refused, as Lambda refuses it, when the role cannot receive and delete)."""
        client = boto3.client("sqs", region_name=self.config.region)
        by_arn = {self._get_att(logical_id, "Arn"): logical_id for logical_id in self._of_type("AWS::SQS::Queue")}
        for logical_id, properties in event_sources.sqs_mappings(self.resources):
            props = self.resolver.resolve(properties)
            queue_url = self.physical[by_arn[str(props["Queue"])]]
            mapping = event_sources.SqsMapping.from_event(self.functions[logical_id], props, queue_url,
                                                          self.config.region)
            if self.enforcer is not None:
                self.enforcer.check_poller(self.functions[logical_id], mapping.queue_arn)
            self.pollers[logical_id] = event_sources.SqsPoller(mapping, client).start()

    def settle_queues(self, within: float = 120.0) -> bool:
        """Wait until every event source's queue is drained and its batches handled (False if not within)."""
        return all([poller.settle(within) for poller in self.pollers.values()])

    def _restore_tables(self) -> None:
        from moto.dynamodb.models import dynamodb_backends

        assert self.store is not None
        backend = dynamodb_backends[ACCOUNT][self.config.region]
        self.restored["items"] = restored.tables(self.store.state, backend)
        self.restored["dropped_bytes"] = self.store.dropped_bytes

    def _restore_clock_and_executions(self) -> None:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        assert self.store is not None
        if self.store.state.clock_seconds:
            clock.advance(timedelta(seconds=self.store.state.clock_seconds))
        backend = stepfunctions_parser_backends[ACCOUNT][self.config.region]
        self.restored["interrupted"] = restored.executions(self.store.state, backend, self.store)
        self.restored["executions"] = len(self.store.state.executions)
        self.store.state = durable.DeskState()  # what start-up needed; moto holds it from here

    def portal_secrets(self) -> dict[str, list[str]]:
        """The local secrets file: one whsec_ secret per portal of the policy, made on first start."""
        path = self.config.data_dir / "portal-secrets.json"
        known: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        for portal in load_policy(self.profile).portals:
            known.setdefault(portal.id, ["whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()])
        path.write_text(json.dumps(known, indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)
        return known

    def _function_environment(self, logical_id: str) -> dict[str, str]:
        """A function's variables as Lambda would give them: Globals, then its own, then the local adapters."""
        variables = dict(self.template.get("Globals", {}).get("Function", {}).get("Environment", {})
                         .get("Variables", {}))
        own = self.resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        variables.update(own)
        env = {k: str(v) for k, v in self.resolver.resolve(variables).items()}
        # The local stack's stand-ins, only where the function has the variable: messages go to the outbox
        # file (through SNS's local endpoint first), links point at the local API, operators sign in with the
        # development issuer, and neither traces nor EMF metrics are written.
        local = {"NOTIFY_ADAPTER": "outbox", "PUBLIC_BASE_URL": self.config.api_url, "CONSOLE_SIGN_IN": "local",
                 "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": self.config.log_level,
                 "POLICY_PROFILE": env.get("POLICY_PROFILE", "")}
        env.update({k: v for k, v in local.items() if k in env})
        if "NOTIFY_ADAPTER" in env:
            env["OUTBOX_PATH"] = str(self.outbox_path)
        if "POLICY_PROFILE" in env and self.config.policy_changes:
            env["POLICY_FILE"] = str(self.policy_file)
        env["POWERTOOLS_METRICS_DISABLED"] = "true"
        return env

    def _write_policy(self) -> None:
        """The profile with the stack's policy changes, which every function reads (POLICY_FILE)."""
        if not self.config.policy_changes:
            return
        raw = yaml.safe_load((POLICY_DIR / f"{self.profile}.yaml").read_text(encoding="utf-8"))
        for section, changes in self.config.policy_changes.items():
            raw[section] = {**raw.get(section, {}), **changes}
        self.policy_file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def change_policy(self, section: str, **changes: Any) -> None:
        """Change the profile and redeploy: the functions' next invocations start containers that read it."""
        self.config.policy_changes.setdefault(section, {}).update(changes)
        self._write_policy()
        for logical_id, function in self.functions.items():
            function.environment.update(self._function_environment(logical_id))
            function.recycle()
        self._set_harness_environment()

    def recycle(self, *logical_ids: str) -> None:
        """Stop the functions' warm containers (all functions' without ids): the next invocations start fresh
        ones, with nothing cached, as after a deployment or once Lambda reclaims idle containers."""
        for logical_id in logical_ids or tuple(self.functions):
            self.functions[logical_id].recycle()

    def _set_environment(self, values: dict[str, str]) -> None:
        for name in values.keys() - self._environment_before.keys():
            self._environment_before[name] = os.environ.get(name)
        os.environ.update(values)

    def _restore_environment(self) -> None:
        for name, value in self._environment_before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._environment_before.clear()

    def _set_harness_environment(self) -> None:
        """The local stack's own process (its endpoints, tests' direct reads) sees every function's variables."""
        env: dict[str, str] = {}
        for logical_id in self._of_type("AWS::Serverless::Function"):
            env.update(self._function_environment(logical_id))
        self._set_environment(env)
        bootstrap.reset()
        logger.setLevel(self.config.log_level)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def _create_functions(self) -> None:
        iam = boto3.client("iam", region_name=self.config.region)
        role = iam.create_role(RoleName=f"{self.config.stack_name}-functions",
                               AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=self.config.region)
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("README.txt", "Runs in the local stack's own containers (infra.local.runtime).")
        defaults = self.template.get("Globals", {}).get("Function", {})
        packaged = layers.layer_distributions(self.template, self.config.root)
        functions = self._of_type("AWS::Serverless::Function")
        code = [self.config.root / f["Properties"]["CodeUri"] for f in functions.values()]
        runtime.compile_code(self.config.root / "shared", *code)  # as the build ships them: no container compiles
        for logical_id, resource in self._of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            name = self._name(logical_id)
            runtime_name = str(props.get("Runtime", defaults.get("Runtime")))  # as the template deploys it
            arn = lam.create_function(FunctionName=name, Runtime=runtime_name, Role=role, Handler=props["Handler"],
                                      Code={"ZipFile": package.getvalue()})["FunctionArn"]
            self.physical[logical_id] = name
            function = runtime.LocalFunction(
                logical_id, name, self.config.root / props["CodeUri"], props["Handler"],
                int(props.get("MemorySize", defaults.get("MemorySize", 128))), arn,
                timeout=float(props.get("Timeout", defaults.get("Timeout", 3))),
                reserved=props.get("ReservedConcurrentExecutions"),
                layer_paths=[str(self.config.root / "shared")],
                absent_modules=layers.absent_modules(self.template, self.config.root, props,
                                                      self.resolver.condition, packaged))
            access_key = "ASIA" + hashlib.sha256(f"{self.config.stack_name}/{logical_id}".encode()).hexdigest()[:16]
            function.environment = {**runtime.lambda_environment(function, self.config.region, self.config.aws_url,
                                                                 access_key.upper()),
                                    **self._function_environment(logical_id)}
            assert self.endpoint is not None
            self.endpoint.callers[access_key.upper()] = function
            runtime.register(function)
            self.functions[logical_id] = function
            alias = props.get("AutoPublishAlias")
            if alias:  # as SAM does: publish a version, point the alias at it (Ref X.Version / X.Alias)
                version = lam.publish_version(FunctionName=name)["Version"]
                lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
                self.physical[f"{logical_id}.Version"] = f"{arn}:{version}"
                self.physical[f"{logical_id}.Alias"] = f"{arn}:{alias}"
            for event in props.get("Events", {}).values():
                if event["Type"] in ("Schedule", "ScheduleV2"):
                    seconds = _rate_seconds(event["Properties"]["ScheduleExpression"])
                    self.schedule_seconds[logical_id] = min(seconds, self.schedule_seconds.get(logical_id, seconds))
                    given = event["Properties"].get("Input")
                    self.schedules.append((logical_id, json.loads(given) if given else None))

    def _create_state_machines(self) -> None:
        iam = boto3.client("iam", region_name=self.config.region)
        role = iam.create_role(RoleName=f"{self.config.stack_name}-workflow",
                               AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        sfn = boto3.client("stepfunctions", region_name=self.config.region)
        for logical_id, resource in self._of_type("AWS::Serverless::StateMachine").items():
            props = resource["Properties"]
            definition = (self.config.root / props["DefinitionUri"]).read_text(encoding="utf-8")
            substitutions = self.resolver.resolve(props.get("DefinitionSubstitutions", {}))
            for key, value in substitutions.items():
                definition = definition.replace("${" + key + "}", str(value))
            unresolved = re.findall(r"\$\{[A-Za-z0-9]+\}", definition)
            if unresolved:
                raise ValueError(f"{props['DefinitionUri']} has no substitution for {sorted(set(unresolved))}")
            name = self.resolver.resolve(props.get("Name")) or self._name(logical_id)
            arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role,
                                           type=props.get("Type", "STANDARD"))["stateMachineArn"]
            self.physical[logical_id] = arn
            self.state_machine_arn = arn

    def _enforcer(self) -> iam_enforcement.Enforcer:
        """The functions' roles as the SAM translator makes them, resolved with this stack's names and ARNs."""
        hash_keys = {}
        for logical_id, resource in self._of_type("AWS::DynamoDB::Table").items():
            schema = resource["Properties"]["KeySchema"]
            hash_keys[self._name(logical_id)] = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
        secrets_by_name = {self._name(logical_id): self.physical[logical_id]
                           for logical_id in self._of_type("AWS::SecretsManager::Secret")}
        state_machine = self.state_machine_arn

        def secret_arn(secret_id: str) -> str:
            return secret_id if secret_id.startswith("arn:") else secrets_by_name.get(secret_id, secret_id)

        # A callback is authorised on the state machine that issued its token; this stack has one.
        where = Account(self.config.region, ACCOUNT, hash_keys, secret_arn, lambda token: state_machine)
        roles = iam.roles(template=self.template, resolver=self.resolver)
        role_names = {logical_id: f"{self.config.stack_name}-{logical_id}Role-LOCAL" for logical_id in self.functions}
        return iam_enforcement.Enforcer(roles, where, role_names)

    def _move_clock_to(self, local_time: str) -> None:
        zone = ZoneInfo(load_policy(self.profile).timezone)
        now = clock.now().astimezone(zone)
        target = datetime.combine(now.date(), time.fromisoformat(local_time), tzinfo=zone)
        if target <= now:
            target += timedelta(days=1)
        self.advance(target - now)

    def _warm_up(self) -> None:
        """Start each function's first container, all at once, as a deployment's first invocations would."""
        starting = [threading.Thread(target=function.warm, name=f"warm-{logical_id}")
                    for logical_id, function in self.functions.items()]
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()

    def _start_operator_sign_in(self) -> dict[str, JwtAuthorizer]:
        """The HttpApi's JWT authorizers, verifying tokens signed with the local development key.

        Issuer and audience come from the template as it resolves here: with the
        default parameters, the operators' user pool and its app client.
        """
        self.physical.setdefault("OperatorUserPool", f"{self.config.region}_LocalDev")
        self.physical.setdefault("OperatorUserPoolClient", "local-operators")
        authorizers: dict[str, JwtAuthorizer] = {}
        for api in self._of_type("AWS::Serverless::HttpApi").values():
            for name, spec in (api["Properties"].get("Auth") or {}).get("Authorizers", {}).items():
                config = self.resolver.resolve(spec["JwtConfiguration"])
                issuer = DevIssuer(load_or_create_key(self.config.data_dir), config["issuer"], config["audience"][0])
                issuer.save(self.config.data_dir)
                self.dev_issuer = issuer
                authorizers[name] = JwtAuthorizer(config["issuer"], list(config["audience"]), issuer.jwks())
        return authorizers

    def _start_http_api(self) -> None:
        authorizers = self._start_operator_sign_in()
        default = {api_id: (api["Properties"].get("Auth") or {}).get("DefaultAuthorizer")
                   for api_id, api in self._of_type("AWS::Serverless::HttpApi").items()}
        routes = []
        for logical_id, resource in self._of_type("AWS::Serverless::Function").items():
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] == "HttpApi":
                    props = event["Properties"]
                    name = (props.get("Auth") or {}).get("Authorizer") or default[props["ApiId"]["Ref"]]
                    authorizer = None if name in (None, "NONE") else authorizers[name]
                    routes.append(Route(props["Method"].upper(), props["Path"], self.functions[logical_id],
                                        authorizer))
        jwks = self.dev_issuer.jwks() if self.dev_issuer else {"keys": []}
        self._api = HttpApi(routes, {
            ("GET", "/_local/clock"): self._clock_endpoint,
            ("POST", "/_local/clock"): self._clock_endpoint,
            ("POST", "/_local/schedule/tick"): self._tick_endpoint,
            ("POST", "/_local/backup"): self._backup_endpoint,
            ("GET", "/_local/oidc/jwks.json"): lambda request: json_response(jwks),
            ("POST", "/_local/oidc/token"): self._token_endpoint,
        })
        assert self._api_listener is not None  # bound in start(), with the AWS endpoint
        self._api.serve(self._api_listener)

    # ------------------------------------------------------------ clock and schedule
    def advance(self, delta: timedelta) -> None:
        clock.advance(delta)
        if self.store is not None:
            self.store.append({"t": "clock", "seconds": clock.offset().total_seconds()})
            self.store.sync()

    def tick(self) -> dict[str, Any]:
        """Run every schedule once, as EventBridge Scheduler would (a schedule's Input is its event), then let
        the queue-driven functions handle what that queued (a test or a demo reads the outcome of one tick).

        A function with several schedules (the reminders sweep, one per shard group) answers with its
        invocations' figures added up (the largest of an `oldest_…` figure), and each answer under `groups`.

        Each schedule runs alone, as on AWS: one whose function fails stops none of the others. The failure is
        raised (ScheduleFailed, with every schedule's answer) once all have run and the queues have settled.
        """
        answers: dict[str, list[Any]] = {}
        failed: list[str] = []
        for logical_id, given in self.schedules:
            event = given if given is not None else {"source": "aws.scheduler", "time": clock.iso(clock.now())}
            try:
                answer = self.functions[logical_id].invoke(event)
            except runtime.Throttled as throttled:  # the sweep before is still running; the scheduler retries
                answer = {"throttled": str(throttled)}
            except runtime.FunctionError as error:  # its schedule retries nothing (RetryPolicy: 0); the next runs
                answer = {"error": {"errorType": error.error_type, "errorMessage": str(error)}}
                failed.append(f"{logical_id} ({error.error_type})")
            answers.setdefault(logical_id, []).append(answer)
        self.settle_queues()
        result = {logical_id: found[0] if len(found) == 1 else _added_up(found)
                  for logical_id, found in answers.items()}
        if failed:
            raise ScheduleFailed(failed, result)
        return result

    def _tick_forever(self, stopped: threading.Event) -> None:
        """Tick on the schedules' rate until stopped; a tick whose function fails is logged, and the next runs."""
        interval = min(self.schedule_seconds.values(), default=60)
        while not stopped.wait(interval):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - as on AWS, a failed scheduled invocation stops no later one
                logger.exception("a scheduled invocation failed; the schedule goes on")

    def _clock_endpoint(self, request: Request) -> Response:
        if request.method == "POST":
            body = json.loads(request.get_data() or b"{}")
            seconds = body.get("advance_seconds")
            if not isinstance(seconds, (int, float)) or seconds < 0:
                return json_response({"message": "advance_seconds: a number of seconds >= 0 is required"}, 422)
            self.advance(timedelta(seconds=seconds))
        return json_response({"now": clock.iso(clock.now())})

    def _token_endpoint(self, request: Request) -> Response:
        """The local stand-in for the user pool's sign-in: a token for an agent on the roster.

        Only the local stack has it; there is no password, because the key is a development key.
        """
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return json_response({"message": "send JSON: {agent, role}"}, 400)
        agent_id, role = body.get("agent"), body.get("role")
        policy = bootstrap.desk().policy
        agent = policy.agent(agent_id) if isinstance(agent_id, str) else None
        if role is None and agent is not None:
            role = agent.role
        if not isinstance(agent_id, str) or not agent_id or role not in ROLES or self.dev_issuer is None:
            return json_response({"message": f"agent: an agent id is required; role: one of {', '.join(ROLES)}"}, 422)
        return json_response({"access_token": self.dev_issuer.mint(agent_id, [role]), "token_type": "Bearer",
                              "expires_in": 3600})

    def _tick_endpoint(self, request: Request) -> Response:
        try:
            return json_response(self.tick())
        except ScheduleFailed as failed:
            return json_response({"message": str(failed), "answers": failed.answers}, 500)

    def backup(self, target: Path) -> dict[str, Any]:
        """One consistent file of the whole data directory, taken while the stack runs."""
        if self.store is None:
            raise ValueError("this stack keeps nothing across restarts (durable is off): there is nothing to back up")
        return self.store.backup(target, durable.data_files(self.config.data_dir))

    def _backup_endpoint(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}")
        target = body.get("file")
        if not isinstance(target, str) or not Path(target).is_absolute() or not Path(target).parent.is_dir():
            return json_response({"message": "file: an absolute path in an existing directory is required"}, 422)
        try:
            return json_response(self.backup(Path(target)))
        except ValueError as exc:
            return json_response({"message": str(exc)}, 409)

    def customer_messages(self, complaint_id: str, template: str, within_hours: int = 14) -> list[dict[str, Any]]:
        """The customer's messages of a kind, letting time pass (and the schedule run) while quiet hours hold them."""
        for _ in range(within_hours * 2 + 1):
            for attempt in range(2):
                found = [m for m in self.outbox() if m["complaint_id"] == complaint_id and m["template"] == template]
                if found:
                    return found
                if attempt == 0:
                    self.tick()
            self.advance(timedelta(minutes=30))
        raise LookupError(f"no {template} message for {complaint_id} within {within_hours} hours")

    def outbox(self) -> list[dict[str, Any]]:
        lines = self.outbox_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class ScheduleFailed(Exception):
    """A tick in which one scheduled invocation or more ended in a function error; `answers` holds every
    schedule's answer, the failed ones as {"error": {errorType, errorMessage}}."""

    def __init__(self, failed: list[str], answers: dict[str, Any]) -> None:
        super().__init__(f"scheduled invocations failed: {', '.join(failed)}; the other schedules ran")
        self.answers = answers


def _added_up(answers: list[Any]) -> dict[str, Any]:
    total: dict[str, Any] = {"groups": answers}
    for answer in answers:
        for key, value in (answer.items() if isinstance(answer, dict) else ()):
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            total[key] = max(total.get(key, value), value) if key.startswith("oldest") else total.get(key, 0) + value
    return total


def _rate_seconds(expression: str) -> int:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression)
    if not match:
        raise ValueError(f"schedule {expression!r} is not a rate() the local stack can tick")
    return int(match.group(1)) * (60 if match.group(2).startswith("minute") else 3600)
