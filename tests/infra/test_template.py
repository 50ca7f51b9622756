"""The template, the ASL file and the code agree; the template passes cfn-lint."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from complaints.adapters.portal_http import RESOLVE_SECONDS
from complaints.core.enums import HELD_STAGES, Stage
from complaints.core.policy_promises import StatusPush
from complaints.workflow import contract
from complaints.workflow.contract import State
from infra.local.event_sources import sqs_mappings
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
template = load_template(ROOT / "template.yaml")
resources: dict[str, Any] = template["Resources"]
functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
machine = next(v for v in resources.values() if v["Type"] == "AWS::Serverless::StateMachine")["Properties"]
asl_text = (ROOT / machine["DefinitionUri"]).read_text(encoding="utf-8")
asl = json.loads(asl_text)

TRANSIENT = contract.LAMBDA_TRANSIENT


def test_cfn_lint_reports_no_errors() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(ROOT / "template.yaml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode in (0, 4, 8), result.stdout + result.stderr  # 4/8: warnings/informational only
    assert " E" not in result.stdout


def test_every_asl_placeholder_has_a_substitution_and_no_more() -> None:
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", asl_text))
    assert placeholders == set(machine["DefinitionSubstitutions"])


def test_the_state_machine_may_invoke_exactly_the_functions_it_calls() -> None:
    called = {v["Ref"].removesuffix(".Version") for v in machine["DefinitionSubstitutions"].values()}
    allowed = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in machine["Policies"] if "LambdaInvokePolicy" in p}
    assert called == allowed


def test_every_function_has_its_code() -> None:
    for logical_id, function in functions.items():
        module = function["Properties"]["Handler"].split(".")[0]
        assert (ROOT / function["Properties"]["CodeUri"] / f"{module}.py").is_file(), logical_id


@pytest.mark.parametrize("name", [n for n, s in asl["States"].items() if s["Type"] == "Task"])
def test_tasks_retry_only_transient_errors_and_never_fail_silently(name: str) -> None:
    state = asl["States"][name]
    retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
    assert TRANSIENT <= retried and "States.ALL" not in retried
    if name != State.MARK_FAILED:
        catches = [c["ErrorEquals"] for c in state["Catch"]]
        assert catches[-1] == ["States.ALL"] and state["Catch"][-1]["Next"] == State.MARK_FAILED


def test_human_waits_use_the_park_function_and_have_a_way_out() -> None:
    waits = [s for s in asl["States"].values() if s.get("Resource", "").endswith("waitForTaskToken")]
    # One wait per stage a person acts at while an execution is open, each parked by the one function; the
    # stages after the close and tracking tickets are held by the complaint's timer, with no execution open.
    assert sorted(s["Parameters"]["Payload"]["stage"] for s in waits) == sorted(
        stage.value for stage in Stage if stage not in HELD_STAGES)
    for state in waits:
        assert state["Parameters"]["FunctionName"] == "${ParkFunctionArn}"
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        # A backstop within a Standard execution's one-year limit.
        assert 0 < state["TimeoutSeconds"] < 365 * 24 * 3600


def test_the_table_is_protected_and_has_the_access_pattern_indexes() -> None:
    table = resources["ComplaintsTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"timers", "queue", "owner", "customer", "area"}


def test_no_function_may_scan_the_table() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert "dynamodb:Scan" not in text and "DynamoDBCrudPolicy" not in text
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "shared").rglob("*.py"))
    code += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "functions").rglob("*.py"))
    assert ".scan(" not in code


def test_the_committed_openapi_document_matches_the_code() -> None:
    from infra.openapi import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m infra.openapi` and commit the result"


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in resource["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            statements = policy["Statement"]
            found.extend(statements if isinstance(statements, list) else [statements])
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


# Actions AWS defines without a resource: SMS to a phone number, and log delivery set-up.
_RESOURCELESS = {"sns:Publish", "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                 "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                 "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}


def test_no_data_action_is_granted_on_every_resource() -> None:
    for name, resource in resources.items():
        if resource["Type"] not in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            continue
        for statement in _statements(resource):
            if statement.get("Resource") == "*":
                assert set(_actions(statement)) <= _RESOURCELESS, f"{name} grants {statement['Action']} on *"
            for action in _actions(statement):
                assert not action.endswith(":*"), f"{name} grants every action of a service: {action}"


def test_the_state_machine_may_invoke_only_its_own_functions() -> None:
    state_machine = next(r for r in resources.values() if r["Type"] == "AWS::Serverless::StateMachine")
    invoked = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in state_machine["Properties"]["Policies"]
               if isinstance(p, dict) and "LambdaInvokePolicy" in p}
    substitutions = state_machine["Properties"]["DefinitionSubstitutions"].values()
    substituted = {v["Ref"].removesuffix(".Version") for v in substitutions}
    assert invoked == substituted
    # Each step is pinned to the version published with the definition that calls it.
    assert all(v["Ref"].endswith(".Version") for v in substitutions)
    assert all(functions[name]["Properties"]["AutoPublishAlias"] for name in substituted)
    managed = [p for p in state_machine["Properties"]["Policies"] if isinstance(p, str)]
    assert managed == [], "no AWS managed policies (they grant far more than the workflow needs)"


def test_only_the_scheduled_sweeps_read_the_timers_index_and_only_operators_functions_read_queues() -> None:
    readers: dict[str, set[str]] = {}
    for name, resource in functions.items():
        for statement in _statements(resource):
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for target in targets:
                text = json.dumps(target)
                match = re.search(r"/index/(\w+)", text)
                if match:
                    readers.setdefault(match.group(1), set()).add(name)
    assert readers["timers"] == {"RemindersFunction", "PushFunction"}
    assert readers["queue"] == readers["owner"] == {"OperatorFunction", "ConsoleFunction"}


def test_every_log_group_has_retention_and_every_function_its_own_group() -> None:
    groups = {k: v for k, v in resources.items() if v["Type"] == "AWS::Logs::LogGroup"}
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    named = {json.dumps(g["Properties"].get("LogGroupName")) for g in groups.values()}
    for function in functions:
        assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"}) in named, f"{function} has no log group"


def test_alarms_watch_every_function_the_workflow_the_reminders_and_the_api() -> None:
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a.get("Dimensions"))) for a in alarms}
    for function in functions:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, json.dumps([{"Name": "FunctionName", "Value": {"Ref": function}}])) \
                in watched, f"no {metric} alarm for {function}"
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms}
    assert {("AWS/States", "ExecutionsFailed"), ("AWS/States", "ExecutionsTimedOut"),
            ("ComplaintDesk", "OldestDueTimerAgeSeconds"), ("AWS/ApiGateway", "5xx")} <= metrics
    lag = next(a for a in alarms if a["MetricName"] == "OldestDueTimerAgeSeconds")
    assert lag["Threshold"] == 300 and lag["TreatMissingData"] == "breaching"  # a silent sweep is an alarm too
    topic = {"Fn::If": ["CreatesAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
    assert all(a["AlarmActions"] == [topic] for a in alarms)


def test_the_desk_s_own_metrics_are_watched_and_graphed_by_the_service_dimension_alone() -> None:
    # CloudWatch files a metric under its whole dimension set; complaints.core.observability.count writes every
    # business metric under (service) besides its own dimensions, and that is the set an alarm or a graph can name.
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    ours = [a for a in alarms if a["Namespace"] == "ComplaintDesk"]
    assert ours and all(a["Dimensions"] == [{"Name": "service", "Value": "complaints"}] for a in ours)
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    graphed = []
    for widget in widgets:
        previous: list[str] = []
        for row in widget["properties"].get("metrics", []):
            names = [part for part in row if isinstance(part, str)]
            if not names:
                continue  # a SEARCH expression names its own dimension set
            row_names = [previous[i] if part == "." else part for i, part in enumerate(names)]
            previous = row_names
            if row_names[0] == "ComplaintDesk":
                graphed.append((row_names[1], row_names[2:]))
    assert {"PromisesMissed", "Reopens", "SurveyScore"} <= {name for name, _ in graphed}
    assert all(dims == ["service", "complaints"] for _, dims in graphed), graphed


def test_tables_are_encrypted_recoverable_and_the_complaints_kept_and_the_api_logged() -> None:
    for name in ("ComplaintsTable", "IdempotencyTable"):
        props = resources[name]["Properties"]
        assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
        assert props["SSESpecification"]["KMSMasterKeyId"]["Fn::If"][1] == {"Ref": "TableKmsKeyArn"}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    complaints = resources["ComplaintsTable"]
    assert complaints["DeletionPolicy"] == complaints["UpdateReplacePolicy"] == "Retain"
    assert complaints["Properties"]["DeletionProtectionEnabled"] is True
    assert resources["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]["Enabled"] is True
    access = resources["HttpApi"]["Properties"]["AccessLogSettings"]["Format"]
    assert "$context.status" in access and "body" not in access and "sourceIp" not in access
    machine_logging = machine["Logging"]
    assert machine_logging["IncludeExecutionData"] is False and machine["Tracing"]["Enabled"] is True
    assert template["Globals"]["Function"]["Tracing"] == "Active"


def _routes() -> list[tuple[str, str, dict[str, Any]]]:
    return [(logical_id, event["Properties"]["Path"], event["Properties"])
            for logical_id, function in functions.items()
            for event in function["Properties"].get("Events", {}).values() if event["Type"] == "HttpApi"]


def test_operator_routes_need_a_jwt_and_only_portals_and_customers_opt_out() -> None:
    api = resources["HttpApi"]["Properties"]["Auth"]
    assert api["DefaultAuthorizer"] == "OperatorJwt"
    jwt = api["Authorizers"]["OperatorJwt"]
    assert jwt["IdentitySource"] == "$request.header.Authorization"
    # Cognito by default, any OIDC issuer by parameters.
    assert jwt["JwtConfiguration"]["issuer"]["Fn::If"][0] == "UsesCognito"
    assert jwt["JwtConfiguration"]["issuer"]["Fn::If"][2] == {"Ref": "OidcIssuerUrl"}
    assert template["Conditions"]["UsesCognito"] == {"Fn::Equals": [{"Ref": "OidcIssuerUrl"}, ""]}
    for logical_id, path, props in _routes():
        opted_out = (props.get("Auth") or {}).get("Authorizer") == "NONE"
        if logical_id == "OperatorFunction" or path.startswith("/console/views/"):
            assert "Auth" not in props, f"{path} must keep the operators' authorizer"
        elif logical_id == "ConsoleFunction":
            # The console's shell, assets and sign-in settings are public; its views are not.
            assert path in ("/console", "/console/app.js", "/console/console.css", "/console/config") and opted_out
        else:
            # Portals sign their webhooks; customers' links carry their own signed tokens.
            assert logical_id in ("IntakeFunction", "CustomerFunction", "InboundSmsFunction") and opted_out, path


def test_operators_are_invited_into_a_pool_with_one_group_per_role() -> None:
    from complaints.core.access import ROLES

    pool = resources["OperatorUserPool"]
    assert pool["Condition"] == "UsesCognito" and pool["DeletionPolicy"] == "Retain"
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    client = resources["OperatorUserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False and client["PreventUserExistenceErrors"] == "ENABLED"
    groups = {r["Properties"]["GroupName"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == set(ROLES)
    for function in ("OperatorFunction", "ConsoleFunction"):  # the functions that read the operator's token
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["ROLE_CLAIM"] == {"Ref": "RoleClaim"} and variables["AGENT_CLAIM"] == {"Ref": "AgentClaim"}


def test_samconfig_deploys_dev_and_prod_with_only_the_iam_capability() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env in ("dev", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        assert deploy["stack_name"] == f"complaints-{env}"
        assert deploy["capabilities"] == "CAPABILITY_IAM"  # the template names no IAM resource
        names = set(re.findall(r"(\w+)=", deploy["parameter_overrides"]))
        assert names <= set(template["Parameters"]), names - set(template["Parameters"])
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def test_functions_and_layer_are_on_python_3_13_and_the_layer_builds_without_a_container() -> None:
    # python3.11 is deprecated on 2027-06-30; python3.13 is supported to 2029.
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    assert all("Runtime" not in f["Properties"] for f in functions.values())
    layer = resources["DomainLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    # pip fetches the target's wheels, so sam build needs neither Docker nor a local Python 3.13.
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert "build-DomainLayer:" in makefile and "--python-version 3.13" in makefile
    assert "--only-binary=:all:" in makefile
    architecture = {"arm64": "aarch64", "x86_64": "x86_64"}[template["Globals"]["Function"]["Architectures"][0]]
    assert f"manylinux2014_{architecture}" in makefile
    # The functions have no requirements of their own: sam build copies them without a Python of their version.
    assert not any((ROOT / f["Properties"]["CodeUri"] / "requirements.txt").exists() for f in functions.values())


def _environment(function: dict[str, Any]) -> dict[str, Any]:
    return dict(function["Properties"].get("Environment", {}).get("Variables", {}))


def _policy_names(function: dict[str, Any]) -> str:
    """The function's policies as text, for which secrets and state machines they name."""
    return json.dumps(function["Properties"].get("Policies", []))


def test_each_function_is_given_a_secret_s_or_the_workflow_s_name_only_with_the_grant_to_use_it() -> None:
    common = set(template["Globals"]["Function"]["Environment"]["Variables"])
    assert common <= {"TABLE_NAME", "POLICY_PROFILE", "TIMER_SHARDS", "POWERTOOLS_TRACE_DISABLED",
                      "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL",
                      "PYDANTIC_DISABLE_PLUGINS"}
    for logical_id, function in functions.items():
        variables, policies = _environment(function), _policy_names(function)
        for variable, secret in (("SIGNING_SECRET_NAME", "SigningSecret"), ("PORTAL_SECRETS_NAME", "PortalSecrets")):
            granted = f'"SecretArn": {{"Ref": "{secret}"}}' in policies
            assert (variable in variables) == granted, f"{logical_id}: {variable} without the grant, or the reverse"
        uses_workflow = "StepFunctions" in policies or "states:" in policies
        assert ("STATE_MACHINE_ARN" in variables) == uses_workflow, logical_id
        sends = "sns:Publish" in policies or "ses:SendEmail" in policies
        assert ("NOTIFY_ADAPTER" in variables) == sends, logical_id


def _sqs_events() -> list[tuple[str, dict[str, Any]]]:
    return sqs_mappings(resources)


def test_functions_read_queues_through_mappings_whose_role_grants_only_their_queue() -> None:
    # A SAM `Type: SQS` event attaches AWSLambdaSQSQueueExecutionRole, which grants the poller's actions on
    # every queue of the account; an explicit mapping with a statement on its own queue grants them on that one.
    assert not [name for name, resource in functions.items()
                for event in resource["Properties"].get("Events", {}).values() if event["Type"] == "SQS"]
    for name, properties in _sqs_events():
        polled = [s for s in _statements(functions[name]) if "sqs:ReceiveMessage" in _actions(s)]
        assert [(sorted(_actions(s)), s["Resource"]) for s in polled] == [
            (["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], properties["Queue"])], name


def _queue_of(properties: dict[str, Any]) -> str:
    return str(properties["Queue"]["Fn::GetAtt"][0])


def test_every_queue_a_function_reads_hides_a_message_longer_than_the_function_may_run() -> None:
    # AWS refuses an event source mapping whose queue's visibility timeout is below the function's timeout;
    # Lambda advises six times it, so a throttled or retried batch is not handed out twice meanwhile.
    default = template["Globals"]["Function"]["Timeout"]
    assert _sqs_events()
    for name, properties in _sqs_events():
        queue = resources[_queue_of(properties)]["Properties"]
        timeout = functions[name]["Properties"].get("Timeout", default)
        assert queue["VisibilityTimeout"] >= 6 * timeout, f"{name}: visibility {queue['VisibilityTimeout']} s"


def test_the_push_sender_reports_each_failed_message_and_its_queue_dead_letters_with_an_alarm() -> None:
    (name, properties), = [(n, p) for n, p in _sqs_events() if n == "PushSenderFunction"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= properties["BatchSize"] <= 10  # the sender posts a batch's messages at once, one thread each
    queue = resources["PushQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["PushDeadLetterQueue", "Arn"]}
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    assert resources["PushDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    for queue_name in ("PushQueue", "PushDeadLetterQueue"):
        assert resources[queue_name]["Properties"]["SqsManagedSseEnabled"] is True
    depth = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
             and r["Properties"].get("Namespace") == "AWS/SQS"]
    assert [(a["MetricName"], a["Dimensions"][0]["Value"], a["Threshold"]) for a in depth] == [
        ("ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": ["PushDeadLetterQueue", "QueueName"]}, 0)]


def test_only_the_relay_sends_to_the_push_queue_and_only_to_it() -> None:
    senders = {name: statement["Resource"] for name, resource in functions.items()
               for statement in _statements(resource) if "sqs:SendMessage" in _actions(statement)}
    assert senders == {"PushFunction": {"Fn::GetAtt": ["PushQueue", "Arn"]}}
    relay = [s for s in _statements(functions["PushFunction"]) if "sqs:SendMessage" in s["Action"]]
    assert [s["Action"] for s in relay] == [["sqs:SendMessage"]]


def test_a_webhook_hosts_lookup_and_the_post_after_it_fit_in_the_functions_that_make_them() -> None:
    # A portal's host is resolved when it registers (the intake function) and before every post (the sender),
    # each lookup bounded by RESOLVE_SECONDS, each post by the policy's timeout at its largest.
    default = template["Globals"]["Function"]["Timeout"]
    longest_post = max(m.le for m in StatusPush.model_fields["timeout_seconds"].metadata if hasattr(m, "le"))
    assert RESOLVE_SECONDS + longest_post < functions["PushSenderFunction"]["Properties"].get("Timeout", default)
    assert RESOLVE_SECONDS <= functions["IntakeFunction"]["Properties"].get("Timeout", default) / 2
