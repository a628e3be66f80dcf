"""Administration pressed like a person in the Agents Playground's web UI (headless Chromium): the
administrator Helen Carter adds a category from the administration card, and the teacher James
Whitfield's Add incident form then offers it (a second Playground, the same Kestrel)."""

import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import REPO, E2EStack, child_env

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "admin_category.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "admin-category"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOTS = re.compile(r"offered to James, (\d+) screenshots in ")


def test_the_administrator_adds_a_category_and_the_teachers_form_offers_it(
    e2e_stack: E2EStack, helen_playground_url: str, james_playground_url: str
):
    node = shutil.which("node")
    assert node, "node is not on PATH"
    shutil.rmtree(ARTIFACTS, ignore_errors=True)

    result = subprocess.run(
        [node, str(SCRIPT), helen_playground_url, james_playground_url, str(ARTIFACTS)],
        cwd=REPO,  # node resolves playwright-core from the repository's node_modules
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,  # the script gives up by itself after 90 s
    )
    output = f"admin_category.mjs exited with {result.returncode}\n{result.stdout}{result.stderr}"
    print(output)  # pytest shows it when the test fails; the screenshots stay in ARTIFACTS

    assert result.returncode == 0, output
    reported = SCREENSHOTS.search(result.stdout)
    assert reported, output
    shots = sorted(ARTIFACTS.glob("*.png"))
    assert len(shots) == int(reported.group(1)) == 4, [shot.name for shot in shots]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG_SIGNATURE), f"{shot} is not a PNG"
