"""A trust's DSL pressed like a person in the Agents Playground's web UI (headless Chromium): Esther
Adjei, the DSL of both demo schools, switches to the second school with `school` and Work in
Kestrel Demo Primary, and her dashboard is then that school's."""

import re
import shutil

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_script

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "trust_school.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "trust-school"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOTS = re.compile(r"Esther works in Kestrel Demo Primary, (\d+) screenshots in ")


def test_the_trusts_dsl_switches_school_and_her_dashboard_follows(
    e2e_stack: E2EStack, esther_playground_url: str
):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    # The script gives up by itself after 90 s; the screenshots stay in ARTIFACTS.
    code, stdout, output = run_ui_script(SCRIPT, esther_playground_url, str(ARTIFACTS), timeout=120)
    assert code == 0, output
    reported = SCREENSHOTS.search(stdout)
    assert reported, output
    shots = sorted(ARTIFACTS.glob("*.png"))
    assert len(shots) == int(reported.group(1)) == 3, [shot.name for shot in shots]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG_SIGNATURE), f"{shot} is not a PNG"
