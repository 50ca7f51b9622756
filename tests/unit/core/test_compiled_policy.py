"""The packaged profiles load compiled, and a compiled profile or calendar that is stale is never used."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import holidays
import pydantic
import pytest

from complaints.core import compiled_policy, national_days
from complaints.core.national_days import OutsideCalendar
from complaints.core.policy import POLICY_DIR, Policy, load_policy, load_policy_file
from infra import compile_policies

PROFILES = sorted(path.stem for path in POLICY_DIR.glob("*.yaml"))


def test_every_compiled_file_is_current() -> None:
    # The check the layer's build runs: each YAML, the model's code and each pickle as the manifest names them.
    assert compiled_policy.check() == [], "run make policies and commit shared/policies"
    manifest = json.loads(compiled_policy.MANIFEST.read_text(encoding="utf-8"))
    # Every module the policy model imports now is one the manifest watches.
    closure = {name.replace(".", "/") + ".py" for name in compile_policies._imports_of("complaints.core.policy")}
    assert set(manifest["code"]) == closure, "run make policies and commit shared/policies"
    assert set(manifest["profiles"]) == set(PROFILES)
    # The calendars are what the holidays package answers now (pickles differ by hash seed; the test above
    # compares each compiled profile with its YAML instead).
    for path, content in compile_policies.compiled_files().items():
        if path.parent == national_days.CALENDARS:
            assert path.read_bytes() == content, f"{path.name} is stale: run make policies"


@pytest.mark.parametrize("profile", PROFILES)
def test_a_compiled_profile_is_the_profile_its_yaml_validates_to(profile: str) -> None:
    compiled, problems = compiled_policy.load_compiled(profile, pydantic.VERSION)
    assert problems == []
    assert isinstance(compiled, Policy)
    assert compiled == load_policy_file(POLICY_DIR / f"{profile}.yaml")


@pytest.fixture
def layer_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the layer's policies and the policy model's code, which the test may edit."""
    manifest = json.loads(compiled_policy.MANIFEST.read_text(encoding="utf-8"))
    shutil.copytree(compiled_policy.SHARED / "policies", tmp_path / "policies")
    for name in manifest["code"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(compiled_policy.SHARED / name, tmp_path / name)
    monkeypatch.setattr(compiled_policy, "SHARED", tmp_path)
    monkeypatch.setattr(compiled_policy, "COMPILED", tmp_path / "policies" / "compiled")
    monkeypatch.setattr(compiled_policy, "MANIFEST", tmp_path / "policies" / "compiled" / "manifest.json")
    return tmp_path


def test_an_edited_yaml_makes_its_compiled_profile_stale(layer_copy: Path) -> None:
    source = layer_copy / "policies" / "telecom.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    compiled, problems = compiled_policy.load_compiled("telecom", pydantic.VERSION)
    assert compiled is None
    assert problems == ["telecom.yaml changed since it was compiled"]
    assert compiled_policy.problems("property") == []


def test_edited_model_code_or_another_pydantic_makes_every_profile_stale(layer_copy: Path) -> None:
    code = layer_copy / "complaints" / "core" / "policy_sections.py"
    code.write_text(code.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert compiled_policy.problems("hospital") == [
        "the policy's code changed since it was compiled: complaints/core/policy_sections.py"]
    code.write_bytes((compile_policies.SHARED / "complaints" / "core" / "policy_sections.py").read_bytes())
    assert compiled_policy.problems("hospital", "1.0.0") == [
        f"compiled with pydantic {pydantic.VERSION}, running 1.0.0"]


def test_a_stale_profile_is_read_from_its_yaml_with_a_warning(layer_copy: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    (layer_copy / "policies" / "compiled" / "property.pickle").write_bytes(b"not the compiled profile")
    load_policy.cache_clear()
    try:
        policy = load_policy("property")
    finally:
        load_policy.cache_clear()
    assert policy == load_policy_file(POLICY_DIR / "property.yaml")
    warning, = (r for r in caplog.records if r.getMessage() == "compiled policy stale; reading its YAML")
    assert warning.__dict__["problems"] == ["property.pickle is not the file the manifest names"]


def test_the_compiled_calendar_answers_as_the_holidays_package_every_day_of_its_years() -> None:
    compiled = national_days.national_days("CN")
    source = holidays.country_holidays("CN", years=compile_policies.YEARS)
    day = date(compiled.first_year, 1, 1)
    while day.year <= compiled.last_year:
        assert compiled.is_working_day(day) == source.is_working_day(day), day
        day += timedelta(days=1)


def test_a_day_outside_the_compiled_years_is_refused_not_guessed() -> None:
    compiled = national_days.national_days("CN")
    with pytest.raises(OutsideCalendar, match=f"outside the working calendar of CN, compiled for "
                                              f"{compiled.first_year}-{compiled.last_year}"):
        compiled.is_working_day(date(compiled.last_year + 1, 3, 2))


def test_a_country_never_compiled_is_named() -> None:
    with pytest.raises(OutsideCalendar, match="no working calendar compiled for country 'FR'"):
        national_days.national_days("FR")
