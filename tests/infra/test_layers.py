"""The layers as `sam build` makes them: who has which, and that each function fits Lambda's size limit.

Lambda refuses a function whose code and layers, unzipped, pass 250 MB; the
deployment fails, not a test. The layers are built here as the template's
makefile builds them (the Lambda target's wheels, asked of pip), their .pyc
compiled, and each function's share summed.
"""

import compileall
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
template = load_template(ROOT / "template.yaml")
resources: dict[str, Any] = template["Resources"]
functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
LAYERS = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::LayerVersion"]
UNZIPPED_LIMIT = 262_144_000  # Lambda: a function and all its layers, unzipped


def _layers(function: dict[str, Any]) -> list[str]:
    """The function's layers, the Globals' first (SAM appends a function's own list to them)."""
    refs = template["Globals"]["Function"].get("Layers", []) + function["Properties"].get("Layers", [])
    return [ref["Ref"] for ref in refs]


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_only_the_classify_function_has_the_encoder_and_every_function_the_domain() -> None:
    assert {name for name, f in functions.items() if "EncoderLayer" in _layers(f)} == {"ClassifyFunction"}
    assert all(_layers(f)[0] == "DomainLayer" for f in functions.values())
    encoder = resources["EncoderLayer"]
    assert encoder["Metadata"]["BuildMethod"] == "makefile"
    assert encoder["Properties"]["CompatibleRuntimes"] == resources["DomainLayer"]["Properties"]["CompatibleRuntimes"]


def test_each_function_and_its_layers_fit_in_lambda_s_unzipped_limit(tmp_path: Path) -> None:
    sizes = {}
    for layer in LAYERS:
        out = tmp_path / layer
        subprocess.run(["make", "-s", "-C", str(ROOT / resources[layer]["Properties"]["ContentUri"]),
                        f"build-{layer}", f"ARTIFACTS_DIR={out}", f"PYTHON={sys.executable}", "LAYER_PYC=optional"],
                       check=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        if not any(out.rglob("*.pyc")):  # no Python 3.13 here: the .pyc a deployment has are about this size
            compileall.compile_dir(out, quiet=2, workers=0)
        sizes[layer] = _size(out)
    assert sizes["DomainLayer"] < 100e6, "the domain layer is in every function: keep heavy run times apart"
    assert not list((tmp_path / "DomainLayer").rglob("*.onnx")), "the encoders' weights belong in their layer"
    for name, function in functions.items():
        total = _size(ROOT / function["Properties"]["CodeUri"]) + sum(sizes[layer] for layer in _layers(function))
        print(f"{name}: {total / 1e6:.1f} MB unzipped, with {', '.join(_layers(function))}")
        # a tenth kept free: the next profile's encoder, or a dependency's next release
        assert total < 0.9 * UNZIPPED_LIMIT, f"{name} and its layers are {total / 1e6:.0f} MB unzipped"
