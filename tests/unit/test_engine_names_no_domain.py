"""The engine names no domain: what is a telecom operator's (its services, devices, cells, regulator, wording)
lives in its policy profile, as a property office's and a hospital's do in theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = [ROOT / "shared" / "complaints", ROOT / "functions"]
SOURCES = ("*.py", "*.js", "*.css", "*.html")
# Words that belong to a telecom desk alone: its services, devices and network, its regulator and hotline,
# the promise kind it names after that regulator, and the field staff it sends.
TELECOM = re.compile(
    r"telecom|broadband|mobile[ _](?:voice|data)|cell_id|\b[2-5]G\b|base[ _]station|engineer|regulator"
    r"|modem|\bONU\b|\bSIM\b|network\.|open_network|10086|12315|MIIT|技术人员|基站|宽带|信号|工信部|光猫|运营商",
    re.IGNORECASE)


def _engine_files() -> list[Path]:
    return sorted(path for folder in ENGINE for pattern in SOURCES for path in folder.rglob(pattern))


def test_the_engine_has_files_to_look_at() -> None:
    assert len(_engine_files()) > 50


@pytest.mark.parametrize("path", _engine_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_telecom_word_is_left_in_the_engine(path: Path) -> None:
    found = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if TELECOM.search(line)]
    assert not found, "telecom words belong in shared/policies/telecom.yaml:\n" + "\n".join(found)


def test_the_pattern_finds_what_it_is_meant_to() -> None:
    for word in ("broadband", "cell_id", "5G", "regulator_ceiling", "an engineer", "基站", "network.coverage"):
        assert TELECOM.search(word), word
    for word in ("a building", "the ward", "service.attitude", "network_error_rate"):
        assert not TELECOM.search(word), word
