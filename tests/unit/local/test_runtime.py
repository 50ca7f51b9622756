"""The local runtime runs functions as Lambda does: containers of their own, limits and timeouts enforced.

Each test writes a small handler into a temporary code directory; no AWS
service is involved.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.local import runtime
from infra.local.http_api import HttpApi, Route

HANDLER = '''
import os, time

CALLS = []  # module state: a container's own


def handler(event, context):
    CALLS.append(event)
    if event.get("until"):  # busy until the test says so
        open(event["started"], "w").close()
        while not os.path.exists(event["until"]):
            time.sleep(0.01)
    if event.get("sleep") or os.environ.get("SLEEP"):
        time.sleep(event.get("sleep") or float(os.environ["SLEEP"]))
    if event.get("fail"):
        raise LookupError("no complaint C1")
    if event.get("size"):
        return "x" * event["size"]
    return {"calls": len(CALLS), "pid": os.getpid(), "env": sorted(os.environ),
            "remaining_ms": context.get_remaining_time_in_millis()}
'''


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(HANDLER, encoding="utf-8")
    return tmp_path


@pytest.fixture
def function(code: Path) -> Iterator[runtime.LocalFunction]:
    made = runtime.LocalFunction("Probe", "desk-Probe", code, "app.handler", 128, timeout=2.0,
                                 environment={"TABLE_NAME": "desk-table", "AWS_LAMBDA_FUNCTION_NAME": "desk-Probe"})
    yield made
    made.stop()


def test_a_container_keeps_its_module_state_and_sees_only_its_function_s_environment(
        function: runtime.LocalFunction) -> None:
    first, second = function.invoke({}), function.invoke({})
    assert (first["calls"], second["calls"]) == (1, 2) and first["pid"] == second["pid"]  # one warm container
    assert {"TABLE_NAME", "AWS_LAMBDA_FUNCTION_NAME"} <= set(first["env"])
    assert "PYTEST_CURRENT_TEST" not in first["env"]  # nothing of the local stack's own process
    assert 0 < first["remaining_ms"] <= 2000


def test_concurrent_invocations_each_get_a_container_of_their_own(function: runtime.LocalFunction) -> None:
    answers: list[dict[str, int]] = []
    started = threading.Barrier(2)

    def call() -> None:
        started.wait()
        answers.append(function.invoke({"sleep": 0.5}))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({a["pid"] for a in answers}) == 2 and all(a["calls"] == 1 for a in answers)
    assert function.containers == 2


def test_after_a_recycle_no_invocation_runs_in_a_container_of_before_it_busy_or_idle(
        code: Path, tmp_path: Path) -> None:
    function = runtime.LocalFunction("Probe", "desk-Probe", code, "app.handler", 128, timeout=120.0)
    try:
        idle = function.invoke({})["pid"]
        started, until = tmp_path / "started", tmp_path / "until"
        busy: list[dict[str, int]] = []
        thread = threading.Thread(target=lambda: busy.append(function.invoke({"until": str(until),
                                                                              "started": str(started)})))
        thread.start()
        while not started.exists():  # the warm container is in the middle of an invocation
            assert thread.is_alive()
            time.sleep(0.01)
        function.recycle()  # a deployment: the busy container finishes its invocation, and is then stopped
        until.touch()
        thread.join()
        assert busy and busy[0]["pid"] == idle and function.containers == 0
        after = function.invoke({})
        assert after["pid"] != idle and after["calls"] == 1
    finally:
        function.stop()


def test_an_invocation_past_the_timeout_is_stopped_and_its_container_discarded(
        function: runtime.LocalFunction) -> None:
    before = function.invoke({})["pid"]
    with pytest.raises(runtime.FunctionError) as stopped:
        function.invoke({"sleep": 30})
    assert stopped.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in str(stopped.value)
    after = function.invoke({})
    assert after["pid"] != before and after["calls"] == 1  # a cold start


def test_a_raise_is_an_unhandled_error_with_its_type_and_the_container_stays(function: runtime.LocalFunction) -> None:
    with pytest.raises(runtime.FunctionError) as failed:
        function.invoke({"fail": True})
    assert (failed.value.error_type, str(failed.value)) == ("LookupError", "no complaint C1")
    assert function.invoke({})["calls"] == 2


def test_events_and_answers_over_6_mb_are_refused(function: runtime.LocalFunction) -> None:
    with pytest.raises(runtime.RequestTooLarge):
        function.invoke({"text": "x" * (6 * 1024 * 1024)})
    with pytest.raises(runtime.FunctionError) as too_large:
        function.invoke({"size": 6 * 1024 * 1024 + 10})
    assert too_large.value.error_type == "Function.ResponseSizeTooLarge"
    assert function.invoke({})["calls"] >= 1  # the container goes on


def test_reserved_concurrency_throttles_the_invocation_beyond_it(code: Path) -> None:
    single = runtime.LocalFunction("Single", "desk-Single", code, "app.handler", 128, timeout=10.0, reserved=1)
    try:
        single.warm()
        running = threading.Thread(target=single.invoke, args=({"sleep": 1.5},))
        running.start()
        with single._changed:  # wait until the one container is busy
            assert single._changed.wait_for(lambda: not single._idle, timeout=30)
        with pytest.raises(runtime.Throttled):
            single.invoke({})
        running.join()
        assert single.invoke({})["calls"] == 2
    finally:
        single.stop()


def test_a_caller_that_stops_waiting_does_not_stop_the_invocation(function: runtime.LocalFunction) -> None:
    with pytest.raises(runtime.IntegrationTimeout):
        function.invoke({"sleep": 1.0}, answer_within=0.2)
    # The invocation runs to its end; its container then takes the next one.
    with function._changed:
        assert function._changed.wait_for(lambda: bool(function._idle), timeout=30)
    assert function.invoke({})["calls"] == 2 and function.containers == 1


def test_a_handler_that_cannot_be_imported_is_an_init_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import no_such_module\n", encoding="utf-8")
    broken = runtime.LocalFunction("Broken", "desk-Broken", tmp_path, "app.handler", 128)
    with pytest.raises(runtime.FunctionError) as failed:
        broken.invoke({})
    assert failed.value.error_type == "ModuleNotFoundError"
    broken.stop()


def test_a_function_is_refused_the_packages_of_a_layer_it_does_not_have(tmp_path: Path) -> None:
    # Installed here for the classify function's EncoderLayer; on Lambda another function cannot import them.
    (tmp_path / "app.py").write_text("import json\n\ndef handler(event, context):\n"
                                     "    import tokenizers\n    return 'imported'\n", encoding="utf-8")
    without = runtime.LocalFunction("Other", "desk-Other", tmp_path, "app.handler", 128,
                                    absent_modules=["tokenizers"])
    with pytest.raises(runtime.FunctionError) as failed:
        without.invoke({})
    assert failed.value.error_type == "ModuleNotFoundError" and "layer" in str(failed.value)
    without.stop()
    with_layer = runtime.LocalFunction("Classify", "desk-Classify", tmp_path, "app.handler", 128)
    assert with_layer.invoke({}) == "imported"
    with_layer.stop()


@pytest.mark.parametrize("profile", ["hospital", "telecom", "property"])  # each has an encoder
def test_only_the_classify_function_of_a_profile_with_an_encoder_may_import_its_run_time(profile: str) -> None:
    from infra.local.layers import absent_modules, layer_distributions
    from infra.local.template import Resolver, load_template

    root = Path(__file__).resolve().parents[3]
    template = load_template(root / "template.yaml")
    resolver = Resolver(template, {"AWS::NoValue": ""}, str, lambda name, attribute: name)
    resolver.parameters["PolicyProfile"] = profile
    packaged = layer_distributions(template, root)
    assert packaged["EncoderLayer"] == {"onnxruntime", "tokenizers", "numpy"}
    assert "pydantic" in packaged["DomainLayer"]
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            absent = absent_modules(template, root, resource["Properties"], resolver.condition, packaged)
            allowed = name == "ClassifyFunction"
            assert absent == ([] if allowed else ["numpy", "onnxruntime", "tokenizers"]), name


def test_a_warm_up_whose_init_fails_is_reported_and_keeps_no_container(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "app.py").write_text("import no_such_module\n", encoding="utf-8")
    broken = runtime.LocalFunction("Broken", "desk-Broken", tmp_path, "app.handler", 128)
    broken.warm()  # no raise: as on Lambda, the first invocation hears of it
    assert broken.containers == 0
    assert [r.getMessage() for r in caplog.records] == [
        "Broken: its first container failed its init: ModuleNotFoundError: No module named 'no_such_module'"]
    broken.stop()


def test_a_container_still_starting_when_its_function_stops_is_stopped_once_started(tmp_path: Path) -> None:
    started, go, pid = tmp_path / "started", tmp_path / "go", tmp_path / "pid"
    (tmp_path / "app.py").write_text(
        "import os, time\n"
        f"open({str(pid)!r}, 'w').write(str(os.getpid()))\n"
        f"open({str(started)!r}, 'w').close()\n"
        f"while not os.path.exists({str(go)!r}):\n"
        "    time.sleep(0.01)\n"
        "def handler(event, context):\n"
        "    return {}\n", encoding="utf-8")
    slow = runtime.LocalFunction("Slow", "desk-Slow", tmp_path, "app.handler", 128)
    warming = threading.Thread(target=slow.warm)
    warming.start()
    deadline = time.monotonic() + 60
    while not started.exists():  # the container's init is under way (a stack's start cut short, e.g. by Ctrl-C)
        assert time.monotonic() < deadline, "the container never started its init"
        time.sleep(0.01)
    slow.stop()
    go.touch()
    warming.join()
    assert slow.containers == 0
    late = [int(pid.read_text())]
    slow.warm()  # a warm-up that comes after the stop starts nothing
    assert slow.invoke({}) == {} and slow.containers == 0  # an invocation after it runs in a container not kept
    late.append(int(pid.read_text()))
    for process in late:  # the processes the late containers ran in end: nothing is left running
        while _alive(process):
            assert time.monotonic() < deadline, "a late container's process is still running"
            time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(")")[-1].split()[0] == "Z")  # a zombie has ended


def test_the_http_api_answers_503_when_its_integration_does_not_answer_in_time(
        function: runtime.LocalFunction) -> None:
    api = HttpApi([Route("GET", "/slow", function)], {})
    api.integration_timeout = 0.3  # API Gateway's is 30 s
    port = api.start("127.0.0.1", 0)
    try:
        function.environment["SLEEP"] = "1"
        answer = requests.get(f"http://127.0.0.1:{port}/slow", timeout=30)
    finally:
        api.stop()
    assert answer.status_code == 503 and answer.json() == {"message": "Service Unavailable"}
