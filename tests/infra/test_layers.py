"""The layers as `sam build` makes them: who has which, and that each function fits Lambda's size limit.

Lambda refuses a function whose code and layers, unzipped, pass 250 MiB; the
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

import pytest

from complaints.core.policy import load_policy
from infra.local.template import Resolver, load_template

ROOT = Path(__file__).resolve().parents[2]
template = load_template(ROOT / "template.yaml")
resources: dict[str, Any] = template["Resources"]
functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
LAYERS = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::LayerVersion"]
pytestmark = pytest.mark.long  # builds both layers: pip fetches about 40 MB of wheels, and compiles their .pyc

UNZIPPED_LIMIT = 262_144_000  # Lambda: a function and all its layers, unzipped (250 MiB)


PROFILES = template["Parameters"]["PolicyProfile"]["AllowedValues"]


def _layers(function: dict[str, Any], profile: str) -> list[str]:
    """The function's layers as deployed with this profile, the Globals' first (SAM appends a function's own list
    to them); a layer chosen by a condition on the profile is there when the condition holds."""
    resolver = Resolver(template, {"AWS::NoValue": ""}, lambda name: name, lambda name, attribute: name)
    resolver.parameters["PolicyProfile"] = profile
    refs = template["Globals"]["Function"].get("Layers", []) + function["Properties"].get("Layers", [])
    return [layer for layer in (resolver.resolve(ref) for ref in refs) if layer]


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@pytest.mark.parametrize("profile", PROFILES)
def test_only_the_classify_function_of_a_profile_with_an_encoder_has_its_layers(profile: str) -> None:
    assert all(_layers(f, profile)[0] == "DomainLayer" for f in functions.values())
    text_model = load_policy(profile).text_model
    encoded = text_model is not None and text_model.encoder is not None
    assert (ROOT / "shared" / "policies" / f"{profile}.encoder.onnx").exists() == encoded
    # the run time, and the deployed profile's weights and no other profile's
    expected = {"ClassifyFunction": ["EncoderLayer", f"{profile.capitalize()}EncoderLayer"]} if encoded else {}
    assert {name: [layer for layer in _layers(f, profile) if layer.endswith("EncoderLayer")]
            for name, f in functions.items() if len(_layers(f, profile)) > 1} == expected
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
    for profile in PROFILES:
        for name, function in functions.items():
            layers = _layers(function, profile)
            total = _size(ROOT / function["Properties"]["CodeUri"]) + sum(sizes[layer] for layer in layers)
            print(f"{profile} {name}: {total / 1e6:.1f} MB unzipped, with {', '.join(layers)}")
            # a tenth kept free, for a dependency's next release
            assert total < 0.9 * UNZIPPED_LIMIT, f"{profile}: {name} and its layers are {total / 1e6:.0f} MB unzipped"
