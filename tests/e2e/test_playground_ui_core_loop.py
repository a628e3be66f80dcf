"""Kestrel's core loop pressed like a person in the Agents Playground's web UI (headless Chromium).

The teacher James Whitfield (a second Playground) records a concern and alerts the DSL; the DSL
Priya Raman (the first Playground) assigns it to herself, adds an action and closes the case. Only
clicks and typing: a fault that only the web UI shows (a button that does nothing, a console
error) fails here, where the tests over the Playground's HTTP API pass.
"""

import re
import shutil

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_script

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "core_loop.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "core-loop"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOTS = re.compile(r"closed by Priya, (\d+) screenshots in ")


def test_a_teacher_records_a_concern_and_the_dsl_closes_it_in_the_playground_web_ui(
    e2e_stack: E2EStack, james_playground_url: str
):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    # The script gives up by itself after 240 s; the screenshots stay in ARTIFACTS.
    code, stdout, output = run_ui_script(
        SCRIPT, james_playground_url, e2e_stack.playground_url, str(ARTIFACTS), timeout=300
    )
    assert code == 0, output
    reported = SCREENSHOTS.search(stdout)
    assert reported, output
    shots = sorted(ARTIFACTS.glob("*.png"))  # one a step; a stub to open the form adds one
    assert len(shots) == int(reported.group(1)) >= 12, [shot.name for shot in shots]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG_SIGNATURE), f"{shot} is not a PNG"
