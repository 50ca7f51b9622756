"""Operators' sign-in on the local stack: a development key in place of the user pool.

On AWS, operators sign in to the Cognito user pool (or the OIDC issuer the
template names) and API Gateway's JWT authorizer checks every operator
request. Here a local RSA key stands in for the pool's signing key: the
``complaints dev-token`` command mints tokens with it, shaped like Cognito
access tokens, and :class:`JwtAuthorizer` checks them as API Gateway does -
signature against the JWKS, issuer, audience (``aud`` or ``client_id``),
expiry and not-before - then hands the claims on as API Gateway does, every
value a string and arrays flattened to ``"[a b]"``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_FILE = "dev-jwt-key.pem"
ISSUER_FILE = "dev-jwt-issuer.json"
TOKEN_SECONDS = 3600
LEEWAY_SECONDS = 0


class Rejected(Exception):
    """The request carries no token API Gateway would accept; it answers 401."""


@dataclass(frozen=True)
class DevIssuer:
    """The local stand-in for the operators' user pool: its key, issuer and audience."""

    private_key: rsa.RSAPrivateKey
    issuer: str
    audience: str

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint, so a new key gets a new kid."""
        jwk = self.public_jwk()
        canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

    def public_jwk(self) -> dict[str, Any]:
        return dict(RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True))

    def jwks(self) -> dict[str, Any]:
        key = self.public_jwk() | {"kid": self.kid, "alg": "RS256", "use": "sig"}
        return {"keys": [key]}

    def mint(self, agent_id: str, roles: list[str], *, ttl_seconds: int = TOKEN_SECONDS,
             issued_at: int | None = None, audience: str | None = None) -> str:
        """A token shaped like a Cognito access token for this agent and roles."""
        now = int(time.time()) if issued_at is None else issued_at
        claims = {
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/{agent_id}")),
            "iss": self.issuer,
            "client_id": audience or self.audience,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "username": agent_id,
            "cognito:groups": roles,
            "auth_time": now,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    # ------------------------------------------------------------ files
    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / ISSUER_FILE).write_text(json.dumps({"issuer": self.issuer, "audience": self.audience}),
                                            encoding="utf-8")

    @classmethod
    def load(cls, data_dir: Path) -> DevIssuer:
        """The issuer the local stack last ran with (``make run`` or ``make demo`` writes it)."""
        try:
            named = json.loads((data_dir / ISSUER_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no development issuer in {data_dir}: start the local stack once (make run)") from None
        return cls(load_or_create_key(data_dir), named["issuer"], named["audience"])


def load_or_create_key(data_dir: Path) -> rsa.RSAPrivateKey:
    """The development signing key, made on first use and kept readable by its owner only."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return loaded


class JwtAuthorizer:
    """What API Gateway's HTTP API JWT authorizer checks, against a local JWKS."""

    def __init__(self, issuer: str, audiences: list[str], jwks: dict[str, Any]) -> None:
        self.issuer = issuer
        self.audiences = set(audiences)
        self.keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}

    def claims(self, authorization: str | None) -> dict[str, str]:
        scheme, _, token = (authorization or "").strip().partition(" ")
        if not token:  # API Gateway also accepts the bare token
            scheme, token = "bearer", scheme
        if scheme.lower() != "bearer" or not token:
            raise Rejected("no token")
        try:
            header = jwt.get_unverified_header(token.strip())
            key = self.keys.get(header.get("kid"))
            if key is None:
                raise Rejected("the token's kid is not in the issuer's JWKS")
            decoded: dict[str, Any] = jwt.decode(
                token.strip(), key, algorithms=["RS256"], issuer=self.issuer, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss"], "verify_aud": False})
        except jwt.PyJWTError as exc:
            raise Rejected(str(exc)) from exc
        audience = decoded.get("aud", decoded.get("client_id"))
        named = set(audience) if isinstance(audience, list) else {audience}
        if not named & self.audiences:
            raise Rejected("the token is for another audience")
        return {name: _flatten(value) for name, value in decoded.items()}


def _flatten(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
