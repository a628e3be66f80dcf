"""Built datasets kept between runs: one SQLite file and one PostgreSQL database per size, under a
cache folder (default data/bench/), reused while current; every run works on a fresh copy, so
what a run records never changes the next run's data."""

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.databases import create_database, database_exists, database_url, drop_database
from bench.dataset import VERSION, Facts, Size, build, expired, load_facts, save_facts
from storage.audit_keys import AuditKeys
from storage.database import MAINTENANCE, create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import head_revision

BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Cached:
    """A built dataset on one database: where it is, its keys and its facts."""

    size: Size
    backend: str
    where: str  # the SQLite file, or the PostgreSQL database's name
    keys: str  # KESTREL_ENCRYPTION_KEYS for a server reading it
    audit_keys: str  # KESTREL_AUDIT_KEYS: the audit chain is keyed with them
    facts: Facts
    built_seconds: float


class Cache:
    """The datasets under one folder (PostgreSQL databases named after the folder, so two
    caches never share one)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tag = hashlib.sha256(str(self.root).encode()).hexdigest()[:8]
        # A dataset is built at the schema of the code that built it (the server refuses an
        # older one): a new migration means new datasets.
        self.schema = head_revision()

    def folder(self, size: Size) -> Path:
        return self.root / f"{size.name}-v{VERSION}-r{self.schema}"

    def database(self, size: Size) -> str:
        name = size.name.replace("-", "_")
        return f"kestrel_bench_{name}_v{VERSION}_r{self.schema}_{self.tag}"

    async def ensure(self, size: Size, backend: str, log=print) -> Cached:
        """The dataset of this size on this backend, built first if absent or too old."""
        folder = self.folder(size)
        manifest = self._manifest(size)
        built = manifest.get(backend)
        if not await self._current(size, built, backend):
            built = await self._build(size, backend, log)
        where = str(folder / "kestrel.db") if backend == "sqlite" else self.database(size)
        return Cached(
            size,
            backend,
            where,
            (folder / "keys").read_text(encoding="utf-8"),
            (folder / "audit-keys").read_text(encoding="utf-8"),
            load_facts(folder / "facts.json"),
            built["seconds"],
        )

    async def _current(self, size: Size, built: dict | None, backend: str) -> bool:
        if built is None or expired(datetime.fromisoformat(built["at"])):
            return False
        return backend == "sqlite" or await database_exists(self.database(size))

    async def _build(self, size: Size, backend: str, log) -> dict:
        folder = self.folder(size)
        folder.mkdir(parents=True, exist_ok=True)
        keys, audit_keys = folder / "keys", folder / "audit-keys"
        for kept in (keys, audit_keys):
            if not kept.exists():
                kept.write_text(new_key_spec("bench"), encoding="utf-8")
                kept.chmod(0o600)
        log(f"building the {size.name} dataset on {backend} (kept in {folder})")
        start = time.perf_counter()
        if backend == "sqlite":
            (folder / "kestrel.db").unlink(missing_ok=True)
            url = f"sqlite:///{folder / 'building.db'}"
        else:
            await drop_database(self.database(size))
            await create_database(self.database(size))
            url = database_url(self.database(size))
        engine = create_engine(url, MAINTENANCE)  # a trust's VACUUM alone takes minutes
        try:
            keyring = Keyring.parse(keys.read_text(encoding="utf-8"))
            audit = AuditKeys.parse(audit_keys.read_text(encoding="utf-8"))
            facts = await build(engine, size, keyring, audit, datetime.now(UTC))
        finally:
            await engine.dispose()
        if backend == "sqlite":  # only a finished build gets the name that is reused
            (folder / "building.db").rename(folder / "kestrel.db")
        save_facts(facts, folder / "facts.json")
        built = {"at": datetime.now(UTC).isoformat(), "seconds": time.perf_counter() - start}
        if backend == "postgresql":
            built["database"] = self.database(size)
        manifest = self._manifest(size)
        manifest[backend] = built
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        log(f"built the {size.name} dataset on {backend} in {built['seconds']:.0f} s")
        return built

    def _manifest(self, size: Size) -> dict:
        path = self.folder(size) / "manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @asynccontextmanager
    async def working_copy(self, cached: Cached) -> AsyncIterator[str]:
        """The URL of a fresh copy of the dataset, removed afterwards."""
        name = f"run-{uuid.uuid4().hex[:8]}"
        if cached.backend == "sqlite":
            runs = self.root / "runs"
            runs.mkdir(parents=True, exist_ok=True)
            copy = runs / f"{name}.db"
            shutil.copyfile(cached.where, copy)
            _written_out(copy)
            try:
                yield f"sqlite:///{copy}"
            finally:
                for leftover in runs.glob(f"{name}.db*"):  # with its -wal and -shm
                    leftover.unlink()
            return
        database = f"{cached.where}_{name[4:]}"
        big = cached.size.incidents >= 50_000
        await create_database(database, template=cached.where, big=big)
        try:
            yield database_url(database)
        finally:
            await drop_database(database)

    async def drop(self) -> None:
        """Remove every dataset of this cache: its PostgreSQL databases and its folder."""
        for manifest in self.root.glob("*/manifest.json"):
            kept = json.loads(manifest.read_text(encoding="utf-8")).get("postgresql")
            if kept:
                await drop_database(kept["database"])
        shutil.rmtree(self.root, ignore_errors=True)


def _written_out(path: Path) -> None:
    """The copy on disk before the server opens it: otherwise the server's first WAL checkpoint
    (its fsync of the database file) writes out the whole copy, hundreds of MB, and one press
    in the middle of the measurement waits a second for it."""
    with path.open("rb+") as copied:
        os.fsync(copied.fileno())
