"""Posting a status event to a portal's webhook, connecting only to the addresses its host was checked to have.

A portal names its webhook by URL, and a name can resolve to anything: the
cloud's metadata endpoint (169.254.169.254), the desk's own network, or a
public address when the URL is registered and a private one when it is called
(DNS rebinding). So a delivery resolves the host once (`resolve`), the desk
checks every address (`desk.status_push.destination`), and the connection is
made to those addresses and no other: nothing resolves the name a second time.
The resolution is bounded (by the caller's timeout, RESOLVE_SECONDS at most):
a resolver that does not answer in time is a host that does not resolve (an
OSError), not a function held until its own timeout.
TLS is still verified for the URL's host name, which is also the SNI and the
Host header. Nothing else is followed: no proxy from the environment, no
redirect (the 3xx answer is the answer).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import queue
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 prefixes that carry an IPv4 address a router reaches for them: judged by that address too.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class Destination:
    """A webhook URL and the addresses its host resolved to when they were checked: the only ones connected to."""

    url: str
    addresses: tuple[Address, ...]


# A lookup waits this long at most, whatever the policy gives a portal to answer: at registration it stays well
# inside the intake function's timeout, and before a post (30 s at most) inside the sender's (template.yaml).
RESOLVE_SECONDS = 5.0


def resolve(host: str, port: int, timeout: float) -> list[Address]:
    """Every address the host resolves to, in the resolver's order of preference; OSError when it resolves to none
    or gives no answer within timeout seconds (TimeoutError)."""
    # The system resolver takes no timeout of its own: it is asked on a thread of its own, waited for so long only,
    # and left to finish on its own (a daemon thread, which holds up neither the caller nor the process's exit).
    answer: queue.Queue[tuple[list[Any], BaseException | None]] = queue.Queue(maxsize=1)

    def lookup() -> None:
        try:
            answer.put(([*socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)], None))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, raised there
            answer.put(([], exc))

    threading.Thread(target=lookup, name="resolve", daemon=True).start()
    try:
        found, error = answer.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"the resolver gave no answer for the host in {timeout:g} s") from None
    if error is not None:
        raise error
    return list(dict.fromkeys(ipaddress.ip_address(sockaddr[0]) for *_, sockaddr in found))


def _carried(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None


def internal(address: Address) -> str | None:
    """What makes the address one the desk does not call (`loopback`, `private`…), or None for a public one.

    An IPv6 address standing for an IPv4 one (::ffff:127.0.0.1) is judged by the IPv4 one: that is where it goes.
    """
    carried = _carried(address)
    judged = address if carried is None else carried
    for kind, applies in (("unspecified", judged.is_unspecified), ("loopback", judged.is_loopback),
                          ("link-local", judged.is_link_local), ("multicast", judged.is_multicast),
                          ("reserved", judged.is_reserved), ("private", judged.is_private),
                          ("non-public", not judged.is_global)):  # shared address space 100.64/10 and the like
        if applies:
            return kind
    return None


def _connect(addresses: tuple[Address, ...], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that answers, as socket.create_connection tries a
    name's addresses in turn; the error of the last one when none does."""
    failed: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout)
        except OSError as exc:
            failed = exc
    raise failed


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the checked addresses, for a request that still names the URL's host."""

    addresses: tuple[Address, ...] = ()

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)
        with contextlib.suppress(OSError):  # as http.client does: the headers and the body go out at once
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection, _PinnedHTTPConnection):
    """HTTPSConnection.connect opens the socket with the connect above (the next class in line), then wraps it
    in TLS with server_hostname the URL's host: the certificate is verified for that name, which is the SNI."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """Verifies the certificate and the host name; built on first use (loading the CAs takes a while), then
    shared by the sender's threads."""
    return ssl.create_default_context()


def post(to: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST the body to the destination's URL, connected to its checked addresses: the HTTP status answered.
    Raises OSError when nothing answered (refused, unreachable, timed out, a certificate that does not hold)."""
    parts = urlsplit(to.url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""  # IPv6, bracketed
    connection = (_PinnedHTTPSConnection(host, parts.port, timeout=timeout, context=_tls()) if parts.scheme == "https"
                  else _PinnedHTTPConnection(host, parts.port, timeout=timeout))
    connection.addresses = to.addresses
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        with connection.getresponse() as answer:
            return int(answer.status)
    except http.client.HTTPException as exc:  # an answer that is not HTTP: as if nothing answered
        raise OSError(f"not an HTTP answer: {type(exc).__name__}") from exc
    finally:
        connection.close()
