"""The `kestrel` command as an operator runs it: refusals, migrations, the demo seed, packaging."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

KESTREL = str(Path(sys.executable).parent / "kestrel")


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KESTREL, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cli_database(backend, tmp_path, request) -> dict[str, str]:
    """Environment pointing `kestrel` at an empty database on the backend under test."""
    if backend == "postgresql":
        return {"DATABASE_URL": request.getfixturevalue("new_postgres_database")()}
    return {"KESTREL_DATA_DIR": str(tmp_path / "data")}


def test_serve_refuses_to_start_without_credentials_and_says_why_in_one_line(tmp_path):
    env = {"KESTREL_DATA_DIR": str(tmp_path), "MicrosoftAppId": "", "MicrosoftAppPassword": ""}
    result = run("serve", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MicrosoftAppId" in lines[0] and "--local" in lines[0]


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


def test_demo_with_a_broken_file_explains_and_changes_nothing(tmp_path):
    env = {"KESTREL_DATA_DIR": str(tmp_path)}
    broken = tmp_path / "broken.yaml"
    broken.write_text("school: {name: X}\nstaff: []\n", encoding="utf-8")
    result = run("demo", "--file", str(broken), env=env)
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


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
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "authentication is OFF" in output


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
