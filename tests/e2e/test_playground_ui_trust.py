"""A trust's DSL pressed like a person in the Agents Playground's web UI (headless Chromium): Esther
Adjei, the DSL of both demo schools, switches to the second school with `school` and Work in
Kestrel Demo Primary, and her dashboard is then that school's."""

import re

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_flow

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "trust_school.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "trust-school"
SCREENSHOTS = re.compile(r"Esther works in Kestrel Demo Primary, (\d+) screenshots in ")


def test_the_trusts_dsl_switches_school_and_her_dashboard_follows(
    e2e_stack: E2EStack, esther_playground_url: str
):
    # The script gives up by itself after 90 s; the screenshots stay in ARTIFACTS.
    shots = run_ui_flow(SCRIPT, ARTIFACTS, SCREENSHOTS, esther_playground_url, timeout=120)
    assert shots == 3
