"""Administration pressed like a person in the Agents Playground's web UI (headless Chromium): the
administrator Helen Carter adds a category from the administration card, and the teacher James
Whitfield's Add incident form then offers it (a second Playground, the same Kestrel)."""

import re

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_flow

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "admin_category.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "admin-category"
SCREENSHOTS = re.compile(r"offered to James, (\d+) screenshots in ")


def test_the_administrator_adds_a_category_and_the_teachers_form_offers_it(
    e2e_stack: E2EStack, helen_playground_url: str, james_playground_url: str
):
    # The script gives up by itself after 90 s; the screenshots stay in ARTIFACTS.
    shots = run_ui_flow(
        SCRIPT, ARTIFACTS, SCREENSHOTS, helen_playground_url, james_playground_url, timeout=120
    )
    assert shots == 4


STAFF_SCRIPT = REPO / "tests" / "e2e" / "ui" / "admin_staff.mjs"
STAFF_ARTIFACTS = REPO / "artifacts" / "e2e" / "admin-staff"
STAFF_SCREENSHOTS = re.compile(r"turned off and on by Helen, (\d+) screenshots in ")


def test_the_administrator_turns_a_colleague_off_and_on_from_the_drop_down(
    e2e_stack: E2EStack, helen_playground_url: str
):
    # Sarah Lloyd: no other browser flow uses her, and she is on again at the end.
    shots = run_ui_flow(
        STAFF_SCRIPT, STAFF_ARTIFACTS, STAFF_SCREENSHOTS, helen_playground_url, timeout=120
    )
    assert shots == 5
