"""A loopback TCP proxy a test can cut and restore: a real network outage for one peer.

It can also cut at the worst moment for a MariaDB client: as a transaction begins (the
BEGIN is swallowed and every connection of the link dropped), leaving the client with a
half-open transaction."""

from __future__ import annotations

import asyncio
import contextlib

MYSQL_BEGIN = b"\x03BEGIN"  # COM_QUERY "BEGIN", as asyncmy sends Tortoise's transactions


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops every connection and stops
    listening, ``restore()`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._cuts = 0  # a connection accepted before a cut must not outlive it
        self.armed = False  # cut as the next transaction begins
        self.cut_at_begin = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Tracked from the moment it is accepted: a cut while the upstream connection is still
        # opening must drop it too. (Python 3.12+'s Server.wait_closed waits for every accepted
        # connection, so one the cut missed made the cut, and the test, wait forever.)
        if self._server is None or not self._server.is_serving():
            writer.transport.abort()  # accepted as the cut closed the listener
            return
        self._writers.add(writer)
        cuts = self._cuts
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self._writers.discard(writer)
            writer.close()
            return
        if cuts != self._cuts:  # cut while connecting: this link is down too
            up_writer.transport.abort()
            writer.transport.abort()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        try:
            await asyncio.gather(self._upstream(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers.difference_update({writer, up_writer})

    async def _upstream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Client to server, watching for the BEGIN to cut at when armed."""
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if self.armed and MYSQL_BEGIN in data:
                    self.armed = False
                    await self.cut()
                    self.cut_at_begin.set()
                    return
                writer.write(data)
                await writer.drain()
        writer.close()

    async def cut_at_next_begin(self, wait: float) -> bool:
        """Cut as the next transaction begins (or after ``wait`` seconds whatever happens);
        returns whether a BEGIN was caught."""
        self.armed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.cut_at_begin.wait(), wait)
        self.armed = False
        if self._server is not None:
            await self.cut()
        return self.cut_at_begin.is_set()

    async def cut(self) -> None:
        assert self._server is not None
        self._cuts += 1
        self._server.close()
        for writer in list(self._writers):
            transport = writer.transport
            transport.abort()
        self._writers.clear()
        await self._server.wait_closed()
        self._server = None

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        if self._server is not None:
            await self.cut()
