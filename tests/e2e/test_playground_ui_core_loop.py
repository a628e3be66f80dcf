"""Kestrel's core loop pressed like a person in the Agents Playground's web UI (headless Chromium).

The teacher James Whitfield (a second Playground) records a concern and alerts the DSL; the DSL
Priya Raman (the first Playground) assigns it to herself, adds an action, closes the case and
finds its closing in the pupil's record, paging the chronology. Only
clicks and typing: a fault that only the web UI shows (a button that does nothing, a console
error) fails here, where the tests over the Playground's HTTP API pass.
"""

import re

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_flow

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "core_loop.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "core-loop"
SCREENSHOTS = re.compile(r"closed by Priya, (\d+) screenshots in ")


def test_a_teacher_records_a_concern_and_the_dsl_closes_it_in_the_playground_web_ui(
    e2e_stack: E2EStack, james_playground_url: str
):
    # The script gives up by itself after 240 s; the screenshots stay in ARTIFACTS.
    shots = run_ui_flow(
        SCRIPT, ARTIFACTS, SCREENSHOTS, james_playground_url, e2e_stack.playground_url, timeout=300
    )
    assert shots >= 12  # one a step; a stub to open the form adds one
