"""Administration pressed like a person in the Agents Playground's web UI (headless Chromium): the
administrator Helen Carter adds a category from the administration card, and the teacher James
Whitfield's Add incident form then offers it (a second Playground, the same Kestrel)."""

import re
import shutil

import pytest

from tests.e2e.conftest import REPO, E2EStack, run_ui_script

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "tests" / "e2e" / "ui" / "admin_category.mjs"
ARTIFACTS = REPO / "artifacts" / "e2e" / "admin-category"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOTS = re.compile(r"offered to James, (\d+) screenshots in ")


def test_the_administrator_adds_a_category_and_the_teachers_form_offers_it(
    e2e_stack: E2EStack, helen_playground_url: str, james_playground_url: str
):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    # The script gives up by itself after 90 s; the screenshots stay in ARTIFACTS.
    code, stdout, output = run_ui_script(
        SCRIPT, helen_playground_url, james_playground_url, str(ARTIFACTS), timeout=120
    )
    assert code == 0, output
    reported = SCREENSHOTS.search(stdout)
    assert reported, output
    shots = sorted(ARTIFACTS.glob("*.png"))
    assert len(shots) == int(reported.group(1)) == 4, [shot.name for shot in shots]
    for shot in shots:
        assert shot.read_bytes().startswith(PNG_SIGNATURE), f"{shot} is not a PNG"
