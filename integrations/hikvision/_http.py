"""Shared client plumbing: exception translation at the boundary, timeouts, lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from types import TracebackType
from typing import Self

import aiohttp

from integrations.hikvision.errors import (
    HikvisionError,
    HikvisionTimeoutError,
    HikvisionTransportError,
)


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Re-raise aiohttp/asyncio failures as Hikvision errors, chaining the original.

    ``what`` names the operation (e.g. ``"GET /ISAPI/System/deviceInfo"``); it must never
    contain credentials because it ends up in logs.
    """
    try:
        yield
    except HikvisionError:
        raise
    except TimeoutError as exc:  # also aiohttp.ServerTimeoutError and its subclasses
        raise HikvisionTimeoutError(f"{what}: timed out") from exc
    except aiohttp.ClientError as exc:
        raise HikvisionTransportError(f"{what}: {type(exc).__name__}: {exc}") from exc
    except ConnectionError as exc:
        raise HikvisionTransportError(f"{what}: {type(exc).__name__}") from exc


def client_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """A whole-request deadline plus a connect deadline, so no call can hang forever."""
    if seconds <= 0:
        raise ValueError("timeout must be positive")
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, 10.0))


class ClientState(StrEnum):
    """Explicit lifecycle, as httpx does: a closed client cannot be reopened."""

    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class ManagedClient:
    """Async-context-manager lifecycle shared by both clients (the session is not closed:
    it is injected and owned by the application lifespan)."""

    state: ClientState = ClientState.UNOPENED

    async def __aenter__(self) -> Self:
        if self.state is not ClientState.UNOPENED:
            raise RuntimeError(f"cannot open a client in state {self.state}")
        self.state = ClientState.OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.state = ClientState.CLOSED

    def _ensure_open(self) -> None:
        if self.state is not ClientState.OPEN:
            raise RuntimeError(f"client is {self.state}; use 'async with'")
