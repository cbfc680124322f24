"""The fault-injection proxy itself: a cut drops every link, including one accepted while its
upstream connection was still opening (before the fix, such a link outlived the cut and
Python 3.12+'s ``Server.wait_closed`` made the cut, and the test using it, hang)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import tcp_proxy
from tcp_proxy import TcpProxy


async def test_a_cut_while_a_link_is_still_connecting_drops_it_and_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data)
        writer.close()

    target = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = target.sockets[0].getsockname()[1]
    opening = asyncio.Event()
    release = asyncio.Event()
    real_open = asyncio.open_connection

    async def slow_open(*args: Any, **kwargs: Any) -> Any:
        opening.set()
        await release.wait()  # the upstream is still connecting when the cut comes
        return await real_open(*args, **kwargs)

    monkeypatch.setattr(tcp_proxy.asyncio, "open_connection", slow_open)
    proxy = TcpProxy("127.0.0.1", port)
    await proxy.start()
    try:
        reader, writer = await real_open("127.0.0.1", proxy.port)
        await asyncio.wait_for(opening.wait(), 5)
        cutting = asyncio.create_task(proxy.cut())
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.wait_for(cutting, 5)  # returns: no accepted link is left behind
        assert await asyncio.wait_for(reader.read(10), 5) == b""  # the client was dropped
        writer.close()
    finally:
        release.set()
        target.close()
        await target.wait_closed()
