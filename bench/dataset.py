"""The data `python -m bench` serves: a school (or a trust) grown to size, built once per database
and size, kept under the cache folder (default data/bench/), and copied afresh for every run.

The school is the casework bench's (bench/history.py: a bench pupil with 500 chronology entries
whose texts are real ciphertexts, everybody else's rows sharing one that does not decrypt), with
pupils named as the search bench names them (their name tokens too), an alert per incident to a
colleague, read, and `unread` more for the DSL (bench/dashboard.py), and a valid audit chain
(bench/audit_chain.py). Everything happened in the 330 days before the build, so nothing is
historic: a dataset is rebuilt once it is KEEP_DAYS old, before its oldest entries would be.
"""

import json
import random
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.audit_chain import audit_chain
from bench.dashboard import alert
from bench.databases import bench_school, bulk_insert
from bench.history import (
    CATEGORIES,
    DSL,
    ON_PUPIL,
    PUPIL,
    Layout,
    every,
    history_batches,
    insert_batch,
)
from bench.search import pupil_rows
from storage.audit_keys import AuditKeys
from storage.encryption import Keyring
from storage.migrate import upgrade
from storage.models import AlertRow, StudentNameTokenRow, StudentRow

# Bump whenever the data or the schema changes (v9: migration 0021 as released): cached sets are
# rebuilt.
VERSION = 9
TENANT = "5e1b3c2a-7d4f-4c1e-9a0b-00000000be4c"
TEACHER = 2  # a member of staff (role staff): searches and records
KEEP_DAYS = 30
SPAN_DAYS = 330
PAGE_OFFSET = 490  # the chronology page read: the last ten of the bench pupil's 500 entries
QUERIES = 40
MIN_INCIDENTS = 2 * ON_PUPIL  # the bench pupil's incidents are every (incidents / 250)-th


@dataclass(frozen=True)
class Size:
    """How big a school (or trust) is; actions and the DSL's unread alerts included."""

    name: str
    pupils: int
    staff: int
    incidents: int
    actions: int
    unread: int
    audit: int

    def tenth(self) -> "Size":
        """The same school at 10% (the bench pupil keeps their 500 entries), for growth."""
        return replace(
            self,
            name=f"{self.name}-10pc",
            pupils=max(20, self.pupils // 10),
            incidents=max(MIN_INCIDENTS, self.incidents // 10),
            actions=max(MIN_INCIDENTS, self.actions // 10),
            unread=max(10, self.unread // 10),
            audit=max(100, self.audit // 10),
        )


SIZES = {
    size.name: size
    for size in (
        Size("tiny", 120, 20, 600, 1_000, 50, 2_000),
        Size("school", 2_000, 20, 100_000, 300_000, 5_000, 300_000),
        Size("trust", 20_000, 100, 1_000_000, 1_000_000, 5_000, 3_000_000),
    )
}


@dataclass(frozen=True)
class Facts:
    """What the presses ask for and what their answers must show, known from the build."""

    pupil: int  # the bench pupil (500 entries)
    incidents: list[int]  # incidents with real ciphertexts, opened in turn
    page: list[str]  # the markers of the entries at PAGE_OFFSET, in order
    entries: int
    queries: list[tuple[str, int]]  # what is typed, and a pupil it must find
    pupils: int
    unread: int


def facts_for(size: Size, chronology: list[tuple], queries: list[tuple[str, int]]) -> Facts:
    """The facts of a dataset from its bench pupil's chronology keys and its search queries."""
    keys = sorted(chronology)
    page = [f"[action {a}]" if a else f"[incident {n}]" for _, n, a in keys][PAGE_OFFSET:]
    step = every(size.incidents)
    return Facts(
        PUPIL,
        [step * k for k in range(1, ON_PUPIL + 1)],
        page[:10],
        len(keys),
        queries,
        size.pupils,
        size.unread,
    )


async def build(
    engine: AsyncEngine, size: Size, keyring: Keyring, audit_keys: AuditKeys, now: datetime
) -> Facts:
    """Migrate and fill an empty database with `size`'s school, as of `now`."""
    await upgrade(engine)
    span = timedelta(days=SPAN_DAYS)
    layout = Layout(size.pupils, size.staff, now - span - timedelta(days=1), span)
    await bench_school(
        engine,
        staff=size.staff,
        pupils=0,
        categories=CATEGORIES,
        at=layout.first,
        dsl=DSL,
        tenant=TENANT,
    )
    queries = await _pupils(engine, size, layout.first)
    chronology: list[tuple] = []
    step = max(1, size.incidents // size.unread)
    for batch in history_batches(keyring, size.incidents, size.actions, chronology, layout):
        alerts = [
            alert(i["id"], 2 + i["id"] % (size.staff - 1), True, i["recorded_at"])
            for i in batch.incidents
        ]
        alerts += [
            alert(i["id"], DSL, False, i["recorded_at"])
            for i in batch.incidents
            if i["id"] % step == 0 and i["id"] // step <= size.unread
        ]
        async with engine.begin() as connection:
            await insert_batch(connection, batch)
            await bulk_insert(connection, AlertRow, alerts)
    await audit_chain(engine, size.audit, size.incidents, size.staff, layout, audit_keys)
    await _finish(engine)
    return facts_for(size, chronology, queries)


async def _pupils(engine: AsyncEngine, size: Size, at: datetime) -> list[tuple[str, int]]:
    """The pupils and their name tokens; some typeahead queries that must find one of them."""
    rng, chosen = random.Random(7), random.Random(11)
    queries = []
    for start in range(0, size.pupils, 5_000):
        rows, tokens = pupil_rows(start, min(start + 5_000, size.pupils), rng, at)
        async with engine.begin() as connection:
            await bulk_insert(connection, StudentRow, rows)
            await bulk_insert(connection, StudentNameTokenRow, tokens)
        for row in chosen.sample(rows, min(len(rows), QUERIES)):  # "Amara17 Oka": a typeahead
            queries.append((f"{row['first_name']} {row['last_name'][:3]}", row["id"]))
    return chosen.sample(queries, min(len(queries), QUERIES))


async def _finish(engine: AsyncEngine) -> None:
    """Sequences past the ids given, fresh statistics (and PostgreSQL's visibility map, as
    autovacuum would keep them), SQLite's log folded into its file."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            for table in ("schools", "staff", "students", "categories", "incidents", "actions"):
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        async with engine.connect() as connection:
            auto = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("VACUUM ANALYZE"))
        return
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    async with engine.connect() as connection:
        await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def load_facts(path: Path) -> Facts:
    """Facts kept beside a built dataset."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["queries"] = [tuple(q) for q in raw["queries"]]
    return Facts(**raw)


def save_facts(facts: Facts, path: Path) -> None:
    """Keep a dataset's facts beside it."""
    path.write_text(json.dumps(asdict(facts), indent=1), encoding="utf-8")


def expired(built_at: datetime, now: datetime | None = None) -> bool:
    """Whether a dataset built then is too old to reuse (its oldest entries near historic)."""
    return (now or datetime.now(UTC)) - built_at > timedelta(days=KEEP_DAYS)
