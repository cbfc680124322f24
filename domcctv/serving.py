"""How the API is served: the listening socket and the uvicorn configuration.

Part of the composition root. ``domcctv serve`` and the test suite's live server build uvicorn's
``Config`` with the same function, so the tests exercise the production settings (forwarded
headers, websocket implementation, logging).

The socket is bound *before* uvicorn runs the app's lifespan. uvicorn's own order is lifespan
first, bind second: a second ``domcctv serve`` on a busy port would migrate, seed and re-register
the simulated cameras in the shared database (rewriting the running server's camera addresses)
and only then fail to bind. Binding first makes a busy port fail before anything is touched.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
from typing import Any

import uvicorn

from domcctv.config import Settings

logger = logging.getLogger("domcctv")


class PortInUseError(SystemExit):
    """The listening port is taken: exits with a readable message, before any start-up work."""


def trusted_proxy_list(value: str) -> list[str]:
    """TRUSTED_PROXIES as a list of IPs/CIDRs (the setting is validated at load)."""
    return [item.strip() for item in value.split(",") if item.strip()]


def uvicorn_config(app: Any, settings: Settings, *, port: int | None = None) -> uvicorn.Config:
    """The one uvicorn configuration of the API (``domcctv serve`` and tests/live_server.py).

    Forwarded headers (X-Forwarded-For/-Proto) are believed only from TRUSTED_PROXIES; with the
    setting empty they are ignored and the socket peer is the client. uvicorn's own default
    trusts 127.0.0.1, which would let anything on the host (or a local proxy passing client
    headers through) choose the client IP that login rate limits and the audit log key on.
    """
    proxies = trusted_proxy_list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port if port is None else port,
        lifespan="on",
        ws="websockets-sansio",
        ws_per_message_deflate=settings.ws_per_message_deflate,
        log_level=settings.log_level.lower(),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or [],
        server_header=False,
        # Open live streams and long downloads would otherwise hold shutdown forever: after
        # this, uvicorn cancels them and the lifespan closes the live relay.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def bind_listening_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """Bind and listen on host:port now, or raise PortInUseError naming the port."""
    try:
        family = (
            socket.AF_INET6
            if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
            else socket.AF_INET
        )
    except ValueError:  # a host name: let getaddrinfo pick the family
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    # SO_REUSEADDR lets a restart reuse a port in TIME_WAIT; it never allows binding a port
    # another socket is listening on (that needs SO_REUSEPORT), so a running server is detected.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"DOM CCTV cannot start: port {port} is in use on {host} (another DOM CCTV "
                "server or another program is listening there). Stop it, or set PORT to a free "
                "port. Nothing was changed."
            ) from None
        raise PortInUseError(f"DOM CCTV cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> None:
    """Bind, then build and run the app (its lifespan migrates, seeds and starts workers)."""
    from domcctv.asgi import create_app

    sock = bind_listening_socket(settings.host, settings.port)
    config = uvicorn_config(create_app(settings), settings)
    logger.info("DOM CCTV listening on http://%s:%d", settings.host, settings.port)
    uvicorn.Server(config).run(sockets=[sock])
