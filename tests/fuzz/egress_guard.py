"""Keep fuzzed traffic on this machine.

The fuzzer may register a camera whose ISAPI URL it made up and then ask the server to take a
snapshot from it. The server runs in the test process, so while the guard is on every
outbound connection or name lookup that is not loopback fails as a refused connection (the
same failure a dead camera gives) and is recorded, instead of leaving the machine.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: Any) -> bool:
    if not isinstance(host, str | bytes):
        return False
    text = host.decode() if isinstance(host, bytes) else host
    text = text.strip("[]").split("%", 1)[0]
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def loopback_only(blocked: list[str]) -> Iterator[None]:
    """Refuse (and record in ``blocked``) every non-loopback connect and lookup."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def refuse(what: str) -> ConnectionRefusedError:
        blocked.append(what)
        return ConnectionRefusedError(111, f"egress blocked by the fuzz suite: {what}")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise refuse(f"connect {address!r}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            blocked.append(f"connect_ex {address!r}")
            return 111
        return original_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            blocked.append(f"getaddrinfo {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "egress blocked by the fuzz suite")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = original_getaddrinfo
