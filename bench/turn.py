"""Per-turn cost: Action.Execute invokes through the real endpoint, SQLite and PostgreSQL."""

import argparse
import asyncio
import statistics
import tempfile
import time

import aiohttp
import yaml
from aiohttp.test_utils import TestServer

from bench.databases import postgres_database
from bot.app import create_app
from bot.cli import DEMO_FILE
from bot.settings import Settings
from safeguarding.clock import SystemClock
from safeguarding.seed import parse_school_seed
from safeguarding.services.seeding import seed_school
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import upgrade
from storage.uow import unit_of_work_factory

INVOKE = {
    "type": "invoke",
    "name": "adaptiveCard/action",
    "channelId": "msteams",
    "serviceUrl": "http://127.0.0.1:9/",
    "id": "bench",
    "from": {"id": "29:bench", "aadObjectId": "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"},
    "recipient": {"id": "28:kestrel"},
    "conversation": {
        "id": "a:bench",
        "conversationType": "personal",
        "tenantId": "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d",
    },
    "channelData": {"tenant": {"id": "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d"}},
    "value": {"action": {"type": "Action.Execute", "verb": "help", "data": {"v": 1}}},
}


async def measure(url: str, requests: int) -> tuple[float, float, float]:
    engine = create_engine(url)
    await upgrade(engine)
    seed = parse_school_seed(yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8")))
    audit_keys = AuditKeys.parse(new_key_spec("bench"))
    uow_factory = unit_of_work_factory(engine, SystemClock(), audit_keys=audit_keys)
    await seed_school(seed, uow_factory=uow_factory, clock=SystemClock())
    app = create_app(
        Settings(database_url=url, local=True),
        engine=engine,
        keyring=Keyring.parse(new_key_spec("bench")),
        audit_keys=audit_keys,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    latencies = []
    async with aiohttp.ClientSession() as http:
        target = str(server.make_url("/api/messages"))
        for _ in range(20):  # warm up
            await (await http.post(target, json=INVOKE)).read()
        cpu = time.process_time()
        for _ in range(requests):
            start = time.perf_counter()
            async with http.post(target, json=INVOKE) as response:
                await response.read()
                assert response.status == 200
            latencies.append((time.perf_counter() - start) * 1000)
        cpu_per_turn = (time.process_time() - cpu) / requests * 1000
    await server.close()
    await engine.dispose()
    p99 = statistics.quantiles(latencies, n=100)[98]
    return statistics.median(latencies), p99, cpu_per_turn


async def main(requests: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("sqlite", *await measure(f"sqlite:///{folder}/bench.db", requests)))
    async with postgres_database() as url:
        rows.append(("postgresql", *await measure(url, requests)))
    print(f"\nAction.Execute invoke through /api/messages ({requests} requests, client in-process)")
    print(f"{'database':<12}{'median ms':>12}{'p99 ms':>10}{'CPU ms/turn':>14}")
    for backend, median, p99, cpu in rows:
        print(f"{backend:<12}{median:>12.2f}{p99:>10.2f}{cpu:>14.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    asyncio.run(main(parser.parse_args().requests))
