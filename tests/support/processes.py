"""Kestrel as a real child process (`kestrel serve`): started in a process group of its own,
awaited on GET /healthz, and stopped with everything in its group, its log kept for failures.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
LOG_TAIL_LINES = 40

# The caller's environment must not redirect a child: a DATABASE_URL would use someone's
# database, Bot Framework credentials would switch authentication on, a Playground config path
# would swap the demo users, a proxy would carry loopback traffic away.
_PROXIES = {"http_proxy", "https_proxy", "all_proxy"}
_FOREIGN_NAMES = {"DATABASE_URL", "PORT", "HOST"} | _PROXIES | {name.upper() for name in _PROXIES}
_FOREIGN_PREFIXES = (
    "Microsoft",
    "KESTREL_",
    "M365_AGENTS_PLAYGROUND_",
    "TEAMSAPPTESTER_",
    "TEAMS_APP_TEST_TOOL_",
)


CHECKOUT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would redirect a child, plus `extra`.

    A child `kestrel` runs this checkout's code: the console script's editable install may point
    at another checkout (a git worktree shares the main checkout's virtualenv).
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _FOREIGN_NAMES and not name.startswith(_FOREIGN_PREFIXES)
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kestrel_executable() -> str:
    """The `kestrel` console script of this environment."""
    beside_python = Path(sys.executable).with_name("kestrel")
    found = str(beside_python) if beside_python.exists() else shutil.which("kestrel")
    if not found:
        raise RuntimeError("the `kestrel` console script is not installed (pip install -e .)")
    return found


@dataclass
class KestrelProcess:
    """One `kestrel serve --local` child, its URL and its log (stdout and stderr)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str

    @classmethod
    def start(
        cls, name: str, data_dir: Path, env: dict[str, str], command: list[str] | None = None
    ) -> "KestrelProcess":
        """Start `kestrel serve --local` (or `command`, which must serve GET /healthz on $PORT)
        on a free port, its working directory `data_dir`."""
        data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        log = data_dir / "kestrel.log"
        command = command or [kestrel_executable(), "serve", "--local"]
        with log.open("wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(
                command,
                cwd=data_dir,
                env={**env, "PORT": str(port), "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own: teardown reaches children
            )
        return cls(name, process, log, f"http://127.0.0.1:{port}")

    def text(self) -> str:
        """Everything the process has logged so far."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"(no log at {self.log}: {error})"

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the log, titled with the process's name and state."""
        code = self.process.poll()
        state = "running" if code is None else f"exited with code {code}"
        body = "\n".join(self.text().splitlines()[-lines:]) or "(log is empty)"
        return f"--- {self.name} ({state}), last lines of {self.log}:\n{body}"

    async def wait_healthy(self, within: float = STARTUP_TIMEOUT) -> None:
        """Return once GET /healthz answers 200; fail early if the process dies."""
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} stopped before it was healthy\n{self.tail()}")
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy within {within:.0f} s\n{self.tail()}")

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a child's process group, then SIGKILL if anything in it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)  # a session of its own: pgid == pid
        except ProcessLookupError:
            break
        if _group_ended(process, STOP_TIMEOUT):
            break
    process.poll()


def _group_ended(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Whether the process (reaped) and everything else in its group are gone within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
