"""Load on one endpoint: `concurrency` clients, each sending its next request as soon as the last
is answered, for a while; every answer checked. An aiohttp client, keep-alive, on loopback."""

import asyncio
import itertools
import statistics
import time
from dataclasses import dataclass, field

import aiohttp

from bench.presses import Press

HEADERS = {"Content-Type": "application/json"}


@dataclass
class Sample:
    """One measurement: requests answered per second, their latencies (ms), what was wrong."""

    per_second: float
    latencies: list[float]
    problems: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    @property
    def worst(self) -> float:
        return max(self.latencies)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank on the sorted values; the median for q = 50)."""
    if q == 50:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Driver:
    """Sends one press type to one endpoint; request numbers never repeat across samples."""

    def __init__(self, url: str, press: Press) -> None:
        self.url, self.press, self.sent = url, press, itertools.count()

    async def sample(self, concurrency: int, seconds: float) -> Sample:
        """Keep `concurrency` requests in flight for `seconds`; the answers of the last ones
        are waited for and counted."""
        latencies: list[float] = []
        problems: list[str] = []
        connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            deadline = time.perf_counter() + seconds

            async def client() -> None:
                while time.perf_counter() < deadline:
                    await self._one(http, latencies, problems)

            start = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(concurrency)))
            elapsed = time.perf_counter() - start
        return Sample(len(latencies) / elapsed, latencies, problems)

    async def once(self) -> Sample:
        """One request on its own (the first of a member of staff's turns keeps their chat's
        address: several at once race to insert it, see the report of issue 16)."""
        latencies: list[float] = []
        problems: list[str] = []
        async with aiohttp.ClientSession() as http:
            await self._one(http, latencies, problems)
        return Sample(0.0, latencies, problems)

    async def _one(self, http: aiohttp.ClientSession, latencies: list, problems: list) -> None:
        i = next(self.sent)
        body = self.press.body(i)
        start = time.perf_counter()
        try:
            async with http.post(self.url, data=body, headers=HEADERS) as response:
                status, payload = response.status, await response.read()
        except aiohttp.ClientError as error:  # counted as wrong; a dead server ends the run
            status, payload = 0, f"no answer ({type(error).__name__})".encode()
            await asyncio.sleep(0.05)
        latencies.append((time.perf_counter() - start) * 1000)
        problem = self.press.check(i, status, payload)
        if problem is not None:
            problems.append(f"{self.press.key} #{i}: {problem}")
