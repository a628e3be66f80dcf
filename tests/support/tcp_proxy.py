"""A loopback TCP proxy to put between Kestrel and PostgreSQL, and break on purpose.

`reset()` ends every connection at once (RST) and refuses new ones until healed;
`black_hole()` keeps connections open (and accepts new ones) but forwards nothing either way,
as a server that answers nothing; `cut_on(b"INSERT INTO incidents")` drops both ends of the
connection whose next message carries those bytes, before the server sees it: a transaction
cut mid-way. `heal()` forwards faithfully again.
"""

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field

CHUNK = 65536


@dataclass
class TcpProxy:
    target_host: str
    target_port: int
    mode: str = "forward"  # forward, black-hole, reset
    cut_pattern: bytes | None = None
    cuts: int = 0  # connections cut on the pattern so far
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _tasks: set[asyncio.Task] = field(default_factory=set)

    async def start(self) -> int:
        """Listen on 127.0.0.1 and a free port; the port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.reset()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def heal(self) -> None:
        self.mode, self.cut_pattern = "forward", None

    def black_hole(self) -> None:
        self.mode = "black-hole"

    def reset(self) -> None:
        """Every open connection is reset now; new ones are reset until healed."""
        self.mode = "reset"
        for writer in list(self._writers):
            _abort(writer)
        self._writers.clear()

    def cut_on(self, pattern: bytes) -> None:
        self.cut_pattern = pattern

    async def _accept(self, client_reader, client_writer) -> None:
        if self.mode == "reset":
            _abort(client_writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            _abort(client_writer)
            return
        self._writers |= {client_writer, server_writer}
        ends = (client_writer, server_writer)
        upstream = self._pump(client_reader, server_writer, ends, watch=True)
        downstream = self._pump(server_reader, client_writer, ends, watch=False)
        for pump in (upstream, downstream):
            task = asyncio.create_task(pump)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, reader, writer, ends, *, watch: bool) -> None:
        try:
            while data := await reader.read(CHUNK):
                if watch and self.cut_pattern and self.cut_pattern in data:
                    self.cuts += 1
                    for end in ends:
                        _abort(end)
                    return
                if self.mode == "black-hole":
                    continue  # swallowed: the other side hears nothing
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            for end in ends:
                self._writers.discard(end)
                with contextlib.suppress(Exception):
                    end.close()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a crashed host or a firewall dropping state does."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
