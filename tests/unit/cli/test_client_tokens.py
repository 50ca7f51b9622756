"""The client's agent tokens: minted once per agent and role asked for, and reused while they are fresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.cli import client as client_module
from infra.cli.client import DeskClient
from infra.local.oidc import DevIssuer


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _counting_loads(monkeypatch: pytest.MonkeyPatch, key: rsa.RSAPrivateKey) -> list[Path]:
    loads: list[Path] = []

    def load(data_dir: Path) -> DevIssuer:
        loads.append(data_dir)
        return DevIssuer(key, "http://127.0.0.1:1/issuer", "console")

    monkeypatch.setattr(client_module.DevIssuer, "load", staticmethod(load))
    return loads


def _claims(token: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    # A Cognito access token names its app client in client_id, not in aud.
    return dict(jwt.decode(token, key.public_key(), algorithms=["RS256"], options={"verify_aud": False}))


def test_an_agent_asked_for_by_name_alone_gets_the_same_token_without_signing_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: rsa.RSAPrivateKey) -> None:
    loads = _counting_loads(monkeypatch, key)
    desk = DeskClient(api_url="http://127.0.0.1:1", dev_data_dir=tmp_path)

    first = desk.dev_token("a-chen")
    second = desk.dev_token("a-chen")

    assert second == first
    assert len(loads) == 1
    claims = _claims(first, key)
    assert claims["username"] == "a-chen" and claims["cognito:groups"] == ["agent"]  # the roster's role


def test_each_agent_and_role_asked_for_has_a_token_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: rsa.RSAPrivateKey) -> None:
    loads = _counting_loads(monkeypatch, key)
    desk = DeskClient(api_url="http://127.0.0.1:1", dev_data_dir=tmp_path)

    asked_for = [("a-chen", None), ("a-chen", "supervisor"), ("sup-sun", None)]
    tokens = {asked: desk.dev_token(*asked) for asked in asked_for}
    again = {asked: desk.dev_token(*asked) for asked in tokens}

    assert again == tokens and len(set(tokens.values())) == 3
    assert len(loads) == 3
    groups = {asked: _claims(token, key)["cognito:groups"] for asked, token in tokens.items()}
    assert groups[("a-chen", "supervisor")] == ["supervisor"]


def test_a_token_asked_for_with_its_own_lifetime_is_minted_afresh_and_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: rsa.RSAPrivateKey) -> None:
    loads = _counting_loads(monkeypatch, key)
    desk = DeskClient(api_url="http://127.0.0.1:1", dev_data_dir=tmp_path)

    usual = desk.dev_token("a-chen")
    short = desk.dev_token("a-chen", ttl_seconds=120)

    assert len(loads) == 2
    assert desk.dev_token("a-chen") == usual  # the short-lived one is not handed out in its place
    claims = _claims(short, key)
    assert claims["exp"] - claims["iat"] == 120
