"""`kestrel sync` as an operator runs it, end to end in a subprocess, against a loopback Entra
token endpoint (HTTPS, trusted through REQUESTS_CA_BUNDLE) and a loopback Microsoft Graph."""

import asyncio
import os
from asyncio.subprocess import PIPE

import pytest

from bot.settings import database_url_from_env
from safeguarding.clock import SystemClock
from storage.database import create_engine
from storage.uow import unit_of_work_factory
from tests.integration.test_cli import KESTREL, cli_database  # noqa: F401 - a fixture
from tests.support.graph import APP_ID, SECRET, TENANT, graph_user, loopback_directory


async def kestrel(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        KESTREL, *args, env={**os.environ, **env}, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def synced_env(cli_database, tmp_path):  # noqa: F811 - the fixture imported above
    async with loopback_directory(tmp_path) as loopback:
        loopback.graph.page_size = 7
        loopback.graph.groups = {
            "g-dsl": [graph_user(1)],
            "g-staff": [graph_user(n) for n in range(1, 31)],
        }
        env = cli_database | {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": SECRET,
            "MicrosoftAppTenantId": TENANT,
            "KESTREL_ROLE_GROUPS": "dsl=g-dsl,staff=g-staff",
            "KESTREL_GRAPH_URL": loopback.graph_url,
            "KESTREL_ENTRA_AUTHORITY": loopback.authority,
            "REQUESTS_CA_BUNDLE": str(loopback.ca_file),
        }
        assert (await kestrel("migrate", env=env))[0] == 0
        engine = create_engine(database_url_from_env(env))
        async with unit_of_work_factory(engine, SystemClock())() as uow:
            await uow.schools.ensure("Command Academy", TENANT, "Europe/London")
            await uow.commit()
        await engine.dispose()
        yield loopback, env


async def test_sync_prints_what_it_changed_and_a_refused_permission_exits_non_zero(synced_env):
    loopback, env = synced_env
    code, out, err = await kestrel("sync", env=env)
    assert code == 0, err
    assert "synced staff of Command Academy" in out and "created 30" in out
    assert len([p for p in loopback.graph.seen if "g-staff" in p]) == 5  # 30 users, 7 a page
    code, out, err = await kestrel("sync", env=env)
    assert code == 0 and "created 0" in out and "unchanged 30" in out
    loopback.graph.answers = [(403, None, "Authorization_RequestDenied")]
    code, out, err = await kestrel("sync", env=env)
    assert code == 1
    assert "grant User.Read.All and GroupMember.Read.All and an administrator's consent" in err
    assert "Traceback" not in err
