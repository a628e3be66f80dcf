"""`kestrel audit verify | checkpoint | rekey` as an operator runs them, and the serving
process's part: refusing unkeyed chains, keying them in local mode, writing checkpoints."""

import asyncio
import subprocess
from pathlib import Path

import pytest

from storage.audit_rekey import chains_to_rekey
from tests.support.audit import as_before_keyed_audit, chain_rows, record, truncate
from tests.support.processes import KestrelProcess, child_env, kestrel_executable

PRODUCTION = {
    "MicrosoftAppId": "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99",
    "MicrosoftAppPassword": "not-a-real-secret",
    "MicrosoftAppTenantId": "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d",
    "KESTREL_PUBLIC_URL": "https://kestrel.example.sch.uk",
}


@pytest.fixture
def operator_env(database_url, audit_keys_spec, keyring_spec, tmp_path) -> dict[str, str]:
    """What an operator's shell holds: the database, the keys and the checkpoint file."""
    return child_env(
        DATABASE_URL=database_url,
        KESTREL_DATA_DIR=str(tmp_path / "data"),
        KESTREL_ENCRYPTION_KEYS=keyring_spec,
        KESTREL_AUDIT_KEYS=audit_keys_spec,
        KESTREL_AUDIT_CHECKPOINTS=str(tmp_path / "worm" / "checkpoints"),
    )


def kestrel(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [kestrel_executable(), *args], env=env, capture_output=True, text=True, timeout=60
    )


async def test_checkpoint_then_verify_passes_and_a_truncation_exits_1_naming_it(
    demo_school, uow_factory, clock, engine, operator_env
):
    school = demo_school.school_id
    await record(uow_factory, clock, school, 3)
    written = kestrel("audit", "checkpoint", env=operator_env)
    assert written.returncode == 0, written.stderr
    assert "checkpoint of 1 chains written to" in written.stdout
    again = kestrel("audit", "checkpoint", env=operator_env)
    assert "no chain moved since the last checkpoint" in again.stdout
    intact = kestrel("audit", "verify", env=operator_env)
    assert intact.returncode == 0, intact.stderr
    assert "audit log intact: 4 events in 1 chains, held against 1 checkpoints" in intact.stdout
    await truncate(engine, school, keep=2)
    broken = kestrel("audit", "verify", env=operator_env)
    assert broken.returncode == 1
    assert f"audit log BROKEN: chain {school} was truncated: it ends at seq 2" in broken.stderr
    assert "Traceback" not in broken.stderr


async def test_rekey_keys_a_database_from_before_keyed_audit_and_checkpoints_it(
    demo_school, uow_factory, clock, engine, operator_env
):
    await record(uow_factory, clock, demo_school.school_id, 2)
    await as_before_keyed_audit(engine, demo_school.school_id)
    before = kestrel("audit", "verify", env=operator_env)
    assert before.returncode == 1
    assert "linked with plain SHA-256" in before.stderr and "kestrel audit rekey" in before.stderr
    rekeyed = kestrel("audit", "rekey", env=operator_env)
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert f"chain {demo_school.school_id}: 3 plain links keyed with 'audit'" in rekeyed.stdout
    assert "checkpoint of 1 chains written" in rekeyed.stdout
    after = kestrel("audit", "verify", env=operator_env)
    assert after.returncode == 0, after.stderr
    assert (
        "every audit chain is keyed already" in kestrel("audit", "rekey", env=operator_env).stdout
    )


def test_verify_without_an_audit_key_says_so_in_one_line(database_url, tmp_path):
    env = child_env(DATABASE_URL=database_url, KESTREL_DATA_DIR=str(tmp_path))
    result = kestrel("audit", "verify", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "kestrel: KESTREL_AUDIT_KEYS is not set"


async def test_migrate_and_serve_name_chains_still_to_rekey(demo_school, engine, operator_env):
    await as_before_keyed_audit(engine, demo_school.school_id)
    migrated = kestrel("migrate", env=operator_env)
    assert "1 audit chains have links from before keyed audit" in migrated.stdout
    refused = kestrel("serve", env=operator_env | PRODUCTION)
    assert refused.returncode == 2
    assert "run `kestrel audit rekey` once" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr


async def test_serve_local_keys_old_chains_and_writes_a_checkpoint_at_start(
    demo_school, engine, operator_env, audit_keys, tmp_path
):
    await as_before_keyed_audit(engine, demo_school.school_id)
    checkpoints = Path(operator_env["KESTREL_AUDIT_CHECKPOINTS"])
    server = KestrelProcess.start("kestrel", tmp_path / "run", operator_env)
    try:
        await server.wait_healthy()
        for _ in range(100):  # the checkpointer starts with the app; its first write follows
            if await asyncio.to_thread(checkpoints.exists):
                break
            await asyncio.sleep(0.1)
    finally:
        server.stop()
    assert await chains_to_rekey(engine) == []
    assert {r.key_id for r in await chain_rows(engine, demo_school.school_id)} == {"audit"}
    verified = kestrel("audit", "verify", env=operator_env)
    assert verified.returncode == 0, verified.stderr + server.tail()
    assert "held against 1 checkpoints" in verified.stdout
