"""The `kestrel` command as an operator runs it: refusals, migrations, the demo seed, packaging."""

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from sqlalchemy import select

from safeguarding.services.elevation import enrol_elevation
from storage.encryption import Keyring, new_key_spec
from storage.models import SecondFactorRow
from storage.uow import unit_of_work_factory
from tests.support.presses import press_as

KESTREL = str(Path(sys.executable).parent / "kestrel")


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KESTREL, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cli_database(backend, tmp_path, request) -> dict[str, str]:
    """Environment pointing `kestrel` at an empty database on the backend under test."""
    data = {"KESTREL_DATA_DIR": str(tmp_path / "data")}  # and the local audit key
    if backend == "postgresql":
        return data | {"DATABASE_URL": request.getfixturevalue("new_postgres_database")()}
    return data


def test_serve_refuses_to_start_without_credentials_and_says_why_in_one_line(tmp_path):
    env = {"KESTREL_DATA_DIR": str(tmp_path), "MicrosoftAppId": "", "MicrosoftAppPassword": ""}
    result = run("serve", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MicrosoftAppId" in lines[0] and "--local" in lines[0]


def test_serve_refuses_a_public_url_that_is_not_https(tmp_path):
    env = {
        "KESTREL_DATA_DIR": str(tmp_path),
        "MicrosoftAppId": "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99",
        "MicrosoftAppPassword": "not-a-real-secret",
        "MicrosoftAppTenantId": "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d",
        "KESTREL_PUBLIC_URL": "http://127.0.0.1:3978",
    }
    result = run("serve", env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "KESTREL_PUBLIC_URL must be an https:// address" in line


def test_serve_refuses_an_out_of_date_schema_and_names_the_fix(cli_database):
    result = run("serve", "--local", env=cli_database)
    assert result.returncode == 2
    assert "run `kestrel migrate`" in result.stderr


def test_migrate_then_demo_twice_seeds_the_school_once(cli_database):
    migrated = run("migrate", env=cli_database)
    first = run("demo", env=cli_database)
    second = run("demo", env=cli_database)
    assert migrated.returncode == 0, migrated.stderr
    assert "(newest)" in migrated.stdout
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
    assert "8 staff, 68 students, 10 categories, 2 alert groups" in first.stdout


DEMO_ROSTER = Path(__file__).resolve().parents[2] / "demo" / "roster"


def test_import_pupils_prints_what_it_changed_and_a_second_run_changes_nothing(cli_database):
    assert run("migrate", env=cli_database).returncode == 0
    assert run("demo", env=cli_database).returncode == 0
    report = str(DEMO_ROSTER / "bromcom-students.csv")
    first = run("import", "pupils", report, "--school", "1", env=cli_database)
    second = run("import", "pupils", report, "--school", "1", env=cli_database)
    assert first.returncode == 0, first.stderr
    assert "(MIS report, Bromcom headers)" in first.stdout
    assert "created 1, updated 6, returned 0, left 1, unchanged 0, rejected 0" in first.stdout
    assert "unchanged 8, rejected 0" in second.stdout
    for name in ("Noor", "Haddad", "Ines"):  # never a pupil's name
        assert name not in first.stdout + second.stdout


def test_import_pupils_prints_the_rejected_rows_and_imports_the_rest(cli_database, tmp_path):
    assert run("migrate", env=cli_database).returncode == 0
    assert run("demo", env=cli_database).returncode == 0
    report = tmp_path / "report.csv"
    lines = (DEMO_ROSTER / "sims-student-list.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, "2001,,Future,Fay,,01/01/2031,Year 7,7A,Hawk,")
    report.write_text("\n".join(lines), encoding="utf-8")
    result = run("import", "pupils", str(report), "--school", "1", env=cli_database)
    assert result.returncode == 0, result.stderr
    assert "rejected 1" in result.stdout
    assert "report.csv line 4: its date of birth is in the future" in result.stdout


def test_import_pupils_refuses_a_file_that_is_not_a_roster_with_why(cli_database, tmp_path):
    assert run("migrate", env=cli_database).returncode == 0
    assert run("demo", env=cli_database).returncode == 0
    notes = tmp_path / "notes.csv"
    notes.write_text("Name,Class\nAmara Okafor,7A\n", encoding="utf-8")
    result = run("import", "pupils", str(notes), "--school", "1", env=cli_database)
    assert result.returncode == 1
    assert "nothing imported into Kestrel Demo Academy" in result.stderr
    assert "has no column for the first name" in result.stderr
    missing = run(
        "import", "pupils", str(DEMO_ROSTER / "oneroster"), "--school", "9", env=cli_database
    )
    assert missing.returncode == 2 and "there is no school 9" in missing.stderr
    assert "Traceback" not in result.stderr + missing.stderr


def test_import_pupils_in_a_trust_must_name_the_school_and_only_changes_that_one(cli_database):
    assert run("migrate", env=cli_database).returncode == 0
    seeded = run("demo", env=cli_database)
    assert "seeded Kestrel Demo Primary (school 2): 2 staff, 6 students" in seeded.stdout
    report = str(DEMO_ROSTER / "bromcom-students.csv")
    unnamed = run("import", "pupils", report, env=cli_database)
    assert unnamed.returncode == 2
    assert "there are 2 schools: choose one with --school" in unnamed.stderr
    assert "2 (Kestrel Demo Primary)" in unnamed.stderr and "Traceback" not in unnamed.stderr
    # Checked against the second school's own year groups (5 and 6), not the first's.
    into_second = run("import", "pupils", report, "--school", "2", env=cli_database)
    assert into_second.returncode == 1
    assert "nothing imported into Kestrel Demo Primary (school 2)" in into_second.stderr
    assert "not one of the school's (5 and 6)" in into_second.stderr
    for flag in ("0", "-1", "x"):
        wrong = run("import", "pupils", report, "--school", flag, env=cli_database)
        assert wrong.returncode == 2 and "Traceback" not in wrong.stderr, flag


def test_demo_with_a_broken_file_explains_and_changes_nothing(tmp_path):
    env = {"KESTREL_DATA_DIR": str(tmp_path)}
    broken = tmp_path / "broken.yaml"
    broken.write_text("school: {name: X}\nstaff: []\n", encoding="utf-8")
    result = run("demo", "--file", str(broken), env=env)
    assert result.returncode == 2
    assert "cannot use" in result.stderr and "missing field 'alert_groups'" in result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_local_listens_on_loopback_only_and_warns_loudly(tmp_path):
    env = {"KESTREL_DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    assert run("migrate", env=env).returncode == 0
    server = subprocess.Popen(
        [KESTREL, "serve", "--local"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz") as r:
                    health = r.status
                    break
            except OSError:
                time.sleep(0.1)
        assert health == 200
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{env['PORT']}" in listening
        assert f"0.0.0.0:{env['PORT']}" not in listening
        with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/privacy?t=secret-7f3a") as r:
            assert r.status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "authentication is OFF" in output
    # The access log: a line a request, its path without the query string.
    assert re.search(r'aiohttp\.access 127\.0\.0\.1 "GET /healthz" 200 \d+ [\d.]+ ms', output)
    assert re.search(r'"GET /privacy" 200 [1-9]\d* [\d.]+ ms', output)
    assert "secret-7f3a" not in output


def test_package_writes_the_teams_app_zip(tmp_path):
    out = tmp_path / "kestrel.zip"
    result = run(
        "package",
        "--app-id",
        "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99",
        "--domain",
        "kestrel.example.sch.uk",
        "--out",
        str(out),
        env={},
    )
    assert result.returncode == 0, result.stderr
    assert sorted(zipfile.ZipFile(out).namelist()) == ["color.png", "manifest.json", "outline.png"]


def test_package_refuses_a_domain_with_a_scheme(tmp_path):
    result = run(
        "package",
        "--app-id",
        "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99",
        "--domain",
        "https://kestrel.example",
        "--out",
        str(tmp_path / "k.zip"),
        env={},
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_keys_generate_prints_a_usable_key():
    result = run("keys", "generate", "--id", "k2", env={})
    assert result.returncode == 0
    spec = result.stdout.strip()
    assert spec.startswith("k2:") and Keyring.parse(spec).current == "k2"


async def test_keys_rotate_re_encrypts_old_secrets_with_the_new_key(
    database_url, demo_school, engine, clock, audit_keys
):
    old, new = new_key_spec("k1"), new_key_spec("k2")
    with_old_key = unit_of_work_factory(engine, clock, Keyring.parse(old), audit_keys=audit_keys)
    async with unit_of_work_factory(engine, clock)() as uow:
        [teacher] = [
            s for s in await uow.staff.list(demo_school.school_id) if s.email.startswith("j.")
        ]
    enrolment = (await press_as(with_old_key, clock, teacher, enrol_elevation)).view
    env = {**os.environ, "DATABASE_URL": database_url, "KESTREL_ENCRYPTION_KEYS": f"{new},{old}"}
    process = await asyncio.create_subprocess_exec(
        KESTREL, "keys", "rotate", env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "re-encrypted with key 'k2': second_factors: 1" in out.decode()
    only_new = unit_of_work_factory(engine, clock, Keyring.parse(new))
    async with only_new() as uow:
        assert (await uow.second_factors.get(teacher.id)).secret == enrolment.secret
    async with engine.connect() as connection:
        token = await connection.scalar(select(SecondFactorRow.secret_ciphertext))
    assert token.startswith("v1.k2.")


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["demo"],
        ["audit", "verify"],
        ["serve", "--local"],
        ["import", "pupils", "x.csv"],
    ],
)
def test_an_unreachable_database_is_one_line_not_a_traceback(command):
    env = {
        "DATABASE_URL": "postgresql://kestrel:pw@127.0.0.1:9/none",
        "KESTREL_ENCRYPTION_KEYS": "",
        "KESTREL_AUDIT_KEYS": new_key_spec("audit"),  # so that the database is what fails
    }
    result = run(*command, env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot use the database postgresql://kestrel:***@127.0.0.1:9/none" in result.stderr


def test_an_unsupported_database_url_is_refused_plainly():
    result = run("migrate", env={"DATABASE_URL": "mysql://x@localhost/k"})
    assert result.returncode == 2 and "unsupported database" in result.stderr
    assert "Traceback" not in result.stderr
