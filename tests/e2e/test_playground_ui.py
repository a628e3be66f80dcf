"""The Agents Playground's web UI in headless Chromium, talking to the running Kestrel."""

import shutil
import struct
import subprocess

import pytest

from tests.e2e.conftest import REPO, E2EStack, child_env

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "welcome.mjs"
SCREENSHOT = REPO / "artifacts" / "e2e" / "welcome-card.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_help_typed_in_the_playground_chat_shows_the_welcome_card(e2e_stack: E2EStack):
    node = shutil.which("node")
    assert node, "node is not on PATH"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)

    result = subprocess.run(
        [node, str(SCRIPT), e2e_stack.playground_url, str(SCREENSHOT)],
        cwd=REPO,  # node resolves playwright-core from the repository's node_modules
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=90,
    )
    output = f"welcome.mjs exited with {result.returncode}\n{result.stdout}{result.stderr}"
    print(output)  # pytest shows it when the test fails

    assert result.returncode == 0, output
    png = SCREENSHOT.read_bytes()
    assert png.startswith(PNG_SIGNATURE), f"{SCREENSHOT} is not a PNG"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width >= 1024 and height >= 700, f"screenshot is only {width}x{height}"
    assert 20_000 < len(png) < 10_000_000, f"screenshot is {len(png)} bytes"
