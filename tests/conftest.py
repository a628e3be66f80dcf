"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and a fixed clock."""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from safeguarding.clock import FixedClock
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import unit_of_work_factory

# The PostgreSQL server the tests use (trust auth on this machine and in CI): each run makes its
# own database there and drops it at the end.
POSTGRES_URL = os.environ.get(
    "KESTREL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def run_blocking(coroutine):
    """Run a coroutine to completion from sync code, even when an event loop is running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _administer(statement: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database."""
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator:
    """A factory of empty PostgreSQL databases, all dropped at the end of the run."""
    names: list[str] = []

    def make() -> str:
        name = f"kestrel_test_{uuid.uuid4().hex[:10]}"
        names.append(name)
        run_blocking(_administer(f'CREATE DATABASE "{name}"'))
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in names:
        run_blocking(_administer(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrated(url: str) -> str:
    """The database at `url`, brought to the newest migration."""

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    run_blocking(migrate())
    return url


@pytest.fixture(scope="session")
def migrated_postgres_url(new_postgres_database) -> str:
    """One PostgreSQL database migrated to head for the run; tests empty it between them."""
    return migrated(new_postgres_database())


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Which database a storage test runs on; every such test runs on both."""
    return request.param


@pytest.fixture
def empty_database_url(backend, tmp_path, request) -> str:
    """A database of this test's own with no table yet, on the backend under test."""
    if backend == "postgresql":
        return request.getfixturevalue("new_postgres_database")()
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> str:
    """One SQLite file migrated to head for the run; each test gets a copy of it (running every
    migration again per test cost about a second each)."""
    path = tmp_path_factory.mktemp("template") / "kestrel.db"
    migrated(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    """A migrated, empty database on the backend under test."""
    if backend == "postgresql":
        return request.getfixturevalue("migrated_postgres_url")
    path = tmp_path / "kestrel.db"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
    return f"sqlite:///{path}"


@pytest.fixture
async def engine(database_url, backend) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, emptied afterwards (PostgreSQL is shared by the run)."""
    engine = create_engine(database_url)
    yield engine
    if backend == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Ten to eleven on a school morning, in UTC."""
    return FixedClock(datetime(2026, 11, 24, 10, 50, tzinfo=UTC))


@pytest.fixture(scope="session")
def keyring_spec() -> str:
    """The configured form (`id:base64`) of this run's encryption key."""
    return new_key_spec("test")


@pytest.fixture(scope="session")
def keyring(keyring_spec) -> Keyring:
    """An encryption keyring made for this run."""
    return Keyring.parse(keyring_spec)


@pytest.fixture(scope="session")
def audit_keys_spec() -> str:
    """The configured form (`id:base64`) of this run's audit key."""
    return new_key_spec("audit")


@pytest.fixture(scope="session")
def audit_keys(audit_keys_spec) -> AuditKeys:
    """The audit key made for this run (HMAC-SHA-256 of the chain's links)."""
    return AuditKeys.parse(audit_keys_spec)


@pytest.fixture
def files_dir(tmp_path):
    """Where attachments are kept (encrypted) in a test."""
    return tmp_path / "files"


@pytest.fixture
def uow_factory(engine, clock, keyring, files_dir, audit_keys):
    """Units of work on the test database."""
    return unit_of_work_factory(engine, clock, keyring, files_dir, audit_keys=audit_keys)


@pytest.fixture(scope="session")
def demo_seed():
    """The demo school's data file, parsed."""
    import yaml

    from bot.cli import DEMO_FILE
    from safeguarding.seed import parse_school_seed

    return parse_school_seed(yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8")))


@pytest.fixture
async def demo_school(demo_seed, uow_factory, clock):
    """The demo school seeded into the test database; returns the seed result."""
    from safeguarding.services.seeding import seed_school

    return await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (scripts/test), every e2e test runs on one worker: they share one stack
    of Kestrel and Playgrounds for the run, which a second worker would start again."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
