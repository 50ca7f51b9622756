"""Posting to a portal's webhook: the connection goes to the addresses that were checked, never to what a second
resolution of the name answers, while the request and TLS still name the URL's host. Receivers on loopback, the
resolver the test's own (`dns`), which sends portal.example elsewhere to show that nothing asked it."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from complaints.adapters import portal_http
from complaints.adapters.portal_http import Destination, internal, post
from tests.unit.support import FakeDns

LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass
class Portal:
    """A receiver on loopback: answers 200 on /hook, 302 elsewhere; keeps each request's path and Host, and the
    server name TLS was asked for."""

    port: int = 0
    got: list[tuple[str, str]] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The (address, port) of every connection made."""
    made: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address)
        if address[0] == "127.0.0.2":
            raise ConnectionRefusedError("nothing listens there")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return made


def _serve(tls: ssl.SSLContext | None) -> Iterator[Portal]:
    portal = Portal()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            self.rfile.read(int(self.headers.get("content-length") or 0))
            portal.got.append((self.path, str(self.headers.get("host"))))
            self.send_response(200 if self.path.startswith("/hook") else 302)
            if not self.path.startswith("/hook"):
                self.send_header("location", "/hook")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        tls.sni_callback = lambda _socket, name, _context: portal.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    portal.port = server.server_address[1]
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield portal
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def plain() -> Iterator[Portal]:
    yield from _serve(None)


def _certificate(name: str, key: Any, issuer: x509.Name, signer: Any, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def tls_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A TLS receiver whose certificate names the given host, issued by a CA the desk's client trusts."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unit test CA")])
    ca = _certificate("unit test CA", ca_key, ca_name, ca_key, ca=True)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    monkeypatch.setattr(portal_http, "_tls", lambda: client)
    servers: list[Iterator[Portal]] = []

    def serve(host: str) -> Portal:
        key = ec.generate_private_key(ec.SECP256R1())
        (tmp_path / "key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        (tmp_path / "cert.pem").write_bytes(_certificate(host, key, ca_name, ca_key, ca=False).public_bytes(
            serialization.Encoding.PEM))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
        running = _serve(context)
        servers.append(running)
        return next(running)

    yield serve
    for running in servers:
        next(running, None)


@pytest.fixture
def elsewhere(dns: FakeDns) -> FakeDns:
    dns.names["portal.example"] = ["10.0.0.5"]  # what a second resolution would answer
    return dns


def test_the_connection_goes_to_the_checked_address_and_the_request_names_the_url_s_host(
        plain: Portal, connected: list[tuple[str, int]], elsewhere: FakeDns) -> None:
    to = Destination(f"http://portal.example:{plain.port}/hook?portal=demo", (LOOPBACK,))
    assert post(to, b"{}", {"content-type": "application/json"}, 5.0) == 200
    assert connected == [("127.0.0.1", plain.port)]
    assert plain.got == [("/hook?portal=demo", f"portal.example:{plain.port}")]
    assert "portal.example" not in elsewhere.asked  # the name was not resolved again


def test_over_tls_the_certificate_is_verified_for_the_url_s_host_which_is_also_the_server_name(
        tls_for: Any, connected: list[tuple[str, int]], elsewhere: FakeDns) -> None:
    portal = tls_for("portal.example")
    to = Destination(f"https://portal.example:{portal.port}/hook", (LOOPBACK,))
    assert post(to, b"{}", {}, 5.0) == 200
    assert connected == [("127.0.0.1", portal.port)] and "portal.example" not in elsewhere.asked
    assert portal.server_names == ["portal.example"] and portal.got == [("/hook", f"portal.example:{portal.port}")]


def test_a_certificate_for_another_name_is_not_accepted_at_the_checked_address(
        tls_for: Any, connected: list[tuple[str, int]], elsewhere: FakeDns) -> None:
    portal = tls_for("other.example")
    with pytest.raises(ssl.SSLCertVerificationError):  # an OSError: the sender tries again later
        post(Destination(f"https://portal.example:{portal.port}/hook", (LOOPBACK,)), b"{}", {}, 5.0)
    assert portal.got == []


def test_when_a_checked_address_does_not_answer_the_next_checked_one_is_tried_and_no_other(
        plain: Portal, connected: list[tuple[str, int]], elsewhere: FakeDns) -> None:
    to = Destination(f"http://portal.example:{plain.port}/hook", (ipaddress.ip_address("127.0.0.2"), LOOPBACK))
    assert post(to, b"{}", {}, 5.0) == 200
    assert connected == [("127.0.0.2", plain.port), ("127.0.0.1", plain.port)]
    with pytest.raises(ConnectionRefusedError):
        post(Destination(to.url, (ipaddress.ip_address("127.0.0.2"),)), b"{}", {}, 5.0)


def test_a_redirect_is_the_answer_and_is_not_followed(
        plain: Portal, connected: list[tuple[str, int]], elsewhere: FakeDns) -> None:
    assert post(Destination(f"http://portal.example:{plain.port}/moved", (LOOPBACK,)), b"{}", {}, 5.0) == 302
    assert [path for path, _ in plain.got] == ["/moved"] and len(connected) == 1


@pytest.mark.parametrize("address, kind", [
    ("93.184.215.14", None), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None), ("::ffff:93.184.215.14", None),
    ("2002:5db8:d70e::1", None),  # 6to4 of a public address
    ("::ffff:10.0.0.5", "private"), ("::ffff:169.254.169.254", "link-local"), ("2002:a00:5::1", "private"),
    ("192.0.2.1", "private"), ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
])
def test_an_address_is_public_or_named_by_what_keeps_the_desk_from_calling_it(address: str, kind: str | None) -> None:
    assert internal(ipaddress.ip_address(address)) == kind
