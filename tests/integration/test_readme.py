"""The README's examples, run as written and in order against a local stack, so the README cannot drift.

Every ```sh and ```python block from "Using it" up to the HTTP API's table is
run: the shell blocks as one script (they share $ID and $OWNER), then the
Python ones, from a directory laid out as a checkout after `make run` (the
stack's `.local` and `examples/`). Only what the stack's free ports change is
changed: the URLs' ports, and `. .venv/bin/activate`, which this test's own
interpreter stands in for.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index("## Using it"), text.index("### HTTP API")
    return [(language, body) for language, body in BLOCK.findall(text[start:end])]


def as_on_this_stack(code: str, stack: LocalStack) -> str:
    return (code.replace("127.0.0.1:8080", f"127.0.0.1:{stack.config.api_port}")
            .replace("127.0.0.1:4566", f"127.0.0.1:{stack.config.aws_port}"))


@pytest.fixture
def checkout(stack: LocalStack, tmp_path: Path) -> Path:
    (tmp_path / ".local").symlink_to(stack.config.data_dir)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path


def test_the_readme_blocks_are_found() -> None:
    languages = [language for language, _ in readme_blocks()]
    assert languages.count("sh") >= 4 and "python" in languages


def test_every_readme_example_runs_as_written(stack: LocalStack, checkout: Path) -> None:
    env = {**os.environ, "LOCAL_API_PORT": str(stack.config.api_port), "LOCAL_AWS_PORT": str(stack.config.aws_port),
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "shared")]), "PYTHON": sys.executable}
    for name in ("COMPLAINTS_API_URL", "COMPLAINTS_AWS_URL", "COMPLAINTS_AGENT", "COMPLAINTS_TOKEN"):
        env.pop(name, None)
    blocks = readme_blocks()
    shell = "\n".join(as_on_this_stack(body, stack) for language, body in blocks if language == "sh")
    if shutil.which("aws") is None:
        shell = re.sub(r"^AWS_ACCESS_KEY_ID=.*?complaint\n", "", shell, flags=re.MULTILINE | re.DOTALL)
    script = ('set -euo pipefail\ncomplaints() { "$PYTHON" -m infra.cli.main "$@"; }\n'
              + shell.replace(". .venv/bin/activate\n", "") + "\necho README-SHELL-DONE $ID\n")

    ran = subprocess.run(["bash", "-c", script], cwd=checkout, env=env, capture_output=True, text=True,
                         timeout=240)

    assert ran.returncode == 0, f"{ran.stdout[-4000:]}\n{ran.stderr[-4000:]}"
    assert "README-SHELL-DONE C2027" in ran.stdout, ran.stdout[-2000:]  # $ID: the holiday rehearsal's complaint
    assert "+08:00" in ran.stdout and "Traceback" not in ran.stderr
    assert "refused" not in ran.stderr, ran.stderr
    assert (checkout / "november.csv").read_text(encoding="utf-8").startswith("section,item,value")
    for language, body in blocks:
        if language == "python":
            answer = subprocess.run([sys.executable, "-c", as_on_this_stack(body, stack)], cwd=checkout, env=env,
                                    capture_output=True, text=True, timeout=60)
            assert answer.returncode == 0, answer.stderr
            assert answer.stdout.startswith("202 "), answer.stdout
