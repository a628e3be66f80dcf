"""Kestrel and the Agents Playground as real processes, started once for all e2e tests.

Kestrel runs in local mode (127.0.0.1, authentication off) over a fresh demo school in a temporary
data directory; the Playground runs from the repository root with its `.m365agentsplayground.yml`
(the demo DSL as current user), and on demand a second one as the teacher James Whitfield. All get
free ports and are stopped, with their children, at the end of the session whatever happened.
Start-up failures raise with the tail of the relevant log.
"""

import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.playground_config import write_config_as
from tests.support.processes import child_env, free_port, kestrel_executable, stop_group

REPO = Path(__file__).resolve().parents[2]
PLAYGROUND_CLI = REPO / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PLAYGROUND_CONFIG = REPO / ".m365agentsplayground.yml"
STARTUP_TIMEOUT = 30.0
LOG_TAIL_LINES = 40


class StartupError(RuntimeError):
    """A service of the e2e stack did not come up; the message carries its log's tail."""


@dataclass(frozen=True)
class E2EStack:
    """Where the running services are, and their logs (kept in the temp dir after the run)."""

    bot_url: str
    playground_url: str
    data_dir: Path
    bot_log: Path
    playground_log: Path


@dataclass
class _Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the service's log."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            return f"(no log at {self.log}: {error})"
        return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"

    def failure(self, what: str) -> StartupError:
        """An error naming what did not happen, with the exit code and the log's tail."""
        code = self.process.poll()
        state = "is still running" if code is None else f"exited with code {code}"
        return StartupError(
            f"{self.name} {what} ({state}). Last lines of {self.log}:\n{self.tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to the service's process group, then SIGKILL if anything in it lingers."""
        stop_group(self.process)


_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _http_get(url: str) -> tuple[int, str] | None:
    """Status and body of a GET, or None when nothing answers yet."""
    try:
        with _LOOPBACK.open(url, timeout=2) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _status(url: str) -> int | None:
    answer = _http_get(url)
    return answer[0] if answer else None


def _wait_for(service: _Service, what: str, ready: Callable[[], bool]) -> None:
    """Poll `ready` until it holds; fail early if the service dies, or at the timeout."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise service.failure(f"stopped before {what}")
        if ready():
            return
        time.sleep(0.1)
    raise service.failure(f"did not get to {what} within {STARTUP_TIMEOUT:.0f} s")


def _start(name: str, command: list[str], log: Path, cwd: Path, env: dict[str, str]) -> _Service:
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, so teardown reaches children
        )
    return _Service(name, process, log)


@contextmanager
def _stopped_on_failure(service: _Service, hint: str = "") -> Iterator[None]:
    """Stop a service that failed to start (the fixture only stops what it got back)."""
    try:
        yield
    except BaseException as error:
        service.stop()
        if isinstance(error, StartupError) and hint:
            raise StartupError(f"{error}\n({hint})") from None
        raise


def _kestrel_executable() -> str:
    try:
        return kestrel_executable()
    except RuntimeError as error:
        raise StartupError(str(error)) from None


def _prepare_database(kestrel: str, data_dir: Path, env: dict[str, str]) -> None:
    """`kestrel migrate` then `kestrel demo` into the fresh data directory."""
    setup_log = data_dir / "setup.log"
    for step in ("migrate", "demo"):
        result = subprocess.run(
            [kestrel, step], cwd=data_dir, env=env, capture_output=True, text=True, timeout=120
        )
        output = result.stdout + result.stderr
        with setup_log.open("a", encoding="utf-8") as log:
            log.write(f"$ kestrel {step}\n{output}\n")
        if result.returncode != 0:
            raise StartupError(f"`kestrel {step}` failed with code {result.returncode}:\n{output}")


def _start_kestrel(kestrel: str, data_dir: Path, env: dict[str, str]) -> tuple[_Service, str]:
    port = free_port()
    bot = _start(
        "Kestrel",
        [kestrel, "serve", "--local"],
        data_dir / "kestrel.log",
        cwd=data_dir,
        env={**env, "PORT": str(port)},
    )
    url = f"http://127.0.0.1:{port}"
    with _stopped_on_failure(bot):
        _wait_for(bot, "answering 200 to GET /healthz", lambda: _status(f"{url}/healthz") == 200)
    return bot, url


def _start_playground(
    bot_url: str, data_dir: Path, config: Path = PLAYGROUND_CONFIG, name: str = "playground"
) -> tuple[_Service, str]:
    node = shutil.which("node")
    if node is None:
        raise StartupError("node is not on PATH: the Agents Playground needs Node.js")
    if not PLAYGROUND_CLI.exists():
        raise StartupError(f"{PLAYGROUND_CLI} is missing: run `npm ci` in {REPO}")
    env = child_env(
        TEAMSAPPTESTER_BROWSER="none",
        APPLICATION_INSIGHTS_NO_STATSBEAT="1",
        M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config),
        # Its own debug log and recordings default to ./devTools in the repository.
        M365_AGENTS_PLAYGROUND_LOGFILE=str(data_dir / f"{name}-debug.log"),
        M365_AGENTS_PLAYGROUND_RECORDING_FILE=str(data_dir / f"{name}-recording.log"),
    )
    command = [node, str(PLAYGROUND_CLI), "-e", f"{bot_url}/api/messages", "-c", "msteams"]
    command += ["-p", str(free_port()), "--disable-telemetry"]
    log = data_dir / f"{name}.log"
    playground = _start(f"The Agents Playground ({name})", command, log, REPO, env)
    # It moves to another port when the one asked for is taken: believe what it says.
    listening: list[int] = []

    def says_listening() -> bool:
        match = re.search(r"^Listening on (\d+)$", playground.tail(), re.MULTILINE)
        if match:
            listening.append(int(match.group(1)))
        return bool(match)

    hint = f"The Playground exits with code 1 and no message when {config} is invalid."
    with _stopped_on_failure(playground, hint=hint):
        _wait_for(playground, "saying 'Listening on <port>'", says_listening)
        url = f"http://127.0.0.1:{listening[0]}"
        _wait_for(
            playground, "answering pong", lambda: _http_get(f"{url}/_debug/ping") == (200, "pong")
        )
    return playground, url


@pytest.fixture(scope="session")
def e2e_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EStack]:
    """Kestrel over the demo school, and the Playground in front of it; stopped at the end."""
    data_dir = tmp_path_factory.mktemp("kestrel-e2e")
    kestrel = _kestrel_executable()
    env = child_env(KESTREL_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    services: list[_Service] = []
    try:
        _prepare_database(kestrel, data_dir, env)
        bot, bot_url = _start_kestrel(kestrel, data_dir, env)
        services.append(bot)
        playground, playground_url = _start_playground(bot_url, data_dir)
        services.append(playground)
        yield E2EStack(bot_url, playground_url, data_dir, bot.log, playground.log)
    finally:
        for service in reversed(services):
            service.stop()


@contextmanager
def _playground_as(stack: E2EStack, first_name: str) -> Iterator[str]:
    """Another Playground whose current user is this demo member of staff, same Kestrel."""
    config = write_config_as(first_name, stack.data_dir / f"playground-{first_name}.yml")
    playground, url = _start_playground(stack.bot_url, stack.data_dir, config, first_name)
    try:
        yield url
    finally:
        playground.stop()


@pytest.fixture(scope="session")
def james_playground_url(e2e_stack: E2EStack) -> Iterator[str]:
    """A second Playground whose current user is James Whitfield (a teacher), same Kestrel."""
    with _playground_as(e2e_stack, "james") as url:
        yield url


@pytest.fixture(scope="session")
def helen_playground_url(e2e_stack: E2EStack) -> Iterator[str]:
    """A Playground whose current user is Helen Carter (the administrator), same Kestrel."""
    with _playground_as(e2e_stack, "helen") as url:
        yield url


@pytest.fixture(scope="session")
def esther_playground_url(e2e_stack: E2EStack) -> Iterator[str]:
    """A Playground whose current user is Esther Adjei (the demo trust's DSL), same Kestrel."""
    with _playground_as(e2e_stack, "esther") as url:
        yield url


def run_ui_script(script: Path, *args: str, timeout: float) -> tuple[int, str, str]:
    """Run one of tests/e2e/ui's scripts with node from the repository (where node finds
    playwright-core); its exit code, its standard output, and all it printed (for a failure's
    message). Nothing else is checked here."""
    node = shutil.which("node")
    assert node, "node is not on PATH"
    result = subprocess.run(
        [node, str(script), *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = f"{script.name} exited with {result.returncode}\n{result.stdout}{result.stderr}"
    print(output)  # pytest shows it when the test fails
    return result.returncode, result.stdout, output


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_ui_flow(
    script: Path, artifacts: Path, reported: re.Pattern, *urls: str, timeout: float
) -> int:
    """Run one of tests/e2e/ui's flows (its Playground URLs, then its screenshots folder),
    check that it succeeded and that its screenshots are the PNGs it reported (`reported`
    captures their count from its standard output); that count."""
    shutil.rmtree(artifacts, ignore_errors=True)
    code, stdout, output = run_ui_script(script, *urls, str(artifacts), timeout=timeout)
    assert code == 0, output
    said = reported.search(stdout)
    assert said, output
    shots = sorted(artifacts.glob("*.png"))
    assert len(shots) == int(said.group(1)), [shot.name for shot in shots]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG_SIGNATURE), f"{shot} is not a PNG"
    return len(shots)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failure, show the services' logs beside the test's own output."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("e2e_stack")
    if report.failed and isinstance(stack, E2EStack):
        for title, log in (
            ("Kestrel log", stack.bot_log),
            ("Playground log", stack.playground_log),
        ):
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            tail = "\n".join(text.splitlines()[-LOG_TAIL_LINES:])
            report.sections.append((f"{title} (last {LOG_TAIL_LINES} lines)", tail))
    return report
