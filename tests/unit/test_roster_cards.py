"""The roster's cards: import status on the dashboard, the pupils added by hand, the merge card
and what a merge did; each a valid Adaptive Card 1.5 under Teams' size limit."""

from datetime import UTC, date, datetime, timedelta

import pytest

from cards.dashboard import dashboard_card
from cards.merging import merge_card, merged_card, provisional_card
from safeguarding.dashboard import Dashboard, Section
from safeguarding.imports import Health, ImportHealth, ImportRun
from safeguarding.merging import Merged, MergeView, ProvisionalPupils
from safeguarding.school import Student
from tests.support.cards import assert_valid_card, texts

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
RUN = ImportRun(1, "import", "mis", NOW, NOW, succeeded=True, created=3)
FAILED = ImportRun(1, "import", "", NOW, NOW, succeeded=False, failure="It has no users.csv.")
EMPTY = Section((), 0, 0)
NEW_SAM = Student(9, 1, "PROV-1", "Sam", "Taylor", 8, "", provisional=True)
SAM = Student(4, 1, "K1", "Sam", "Taylor", 8, "8B", date_of_birth=date(2014, 7, 27))
LEFT_SAM = Student(5, 1, "K2", "Sam", "Taylor", 11, "11A", left_on=date(2026, 7, 22))
MANY = tuple(
    Student(n, 1, f"PROV-{n}", f"Pupil{n:03d}", "Longname-Doublebarrelled", 8, "", provisional=True)
    for n in range(200)
)


def board(health: ImportHealth | None) -> dict:
    card = dashboard_card(
        Dashboard(EMPTY, EMPTY, EMPTY, EMPTY, imports=health),
        hide_names=False,
        time_zone="Europe/London",
    )
    assert_valid_card(card)
    return card


CARDS = {
    "provisional-none": provisional_card(ProvisionalPupils(()), hide=False),
    "provisional-200": provisional_card(ProvisionalPupils(MANY), hide=False),
    "merge-suggested": merge_card(MergeView(NEW_SAM, 2, (SAM, LEFT_SAM)), hide=False),
    "merge-found-hidden": merge_card(
        MergeView(NEW_SAM, 0, (), "taylor", (SAM, LEFT_SAM), error="None."), hide=True
    ),
    "merge-confirm": merge_card(MergeView(NEW_SAM, 1, (SAM,), chosen=SAM), hide=False),
    "merged-dsl": merged_card(Merged(NEW_SAM, SAM, 1, True), hide=False),
    "merged-admin": merged_card(Merged(NEW_SAM, SAM, 3, False), hide=True),
}


@pytest.mark.parametrize("name", CARDS)
def test_roster_card_is_valid_adaptive_card_1_5_and_small(name):
    assert_valid_card(CARDS[name])


@pytest.mark.parametrize(
    "health, words",
    [
        (ImportHealth(Health.HEALTHY, RUN), "**Import status: Healthy** (last import 24/11 06:00)"),
        (
            ImportHealth(Health.STALE, None, "no import yet"),
            "**Import status: Stale** (no import yet)",
        ),
        (
            ImportHealth(Health.FAILED, FAILED, FAILED.failure),
            "**Import status: Failed** at 24/11 06:00",
        ),
    ],
)
def test_the_dashboard_opens_with_the_import_status_under_its_title(health, words):
    shown = texts(board(health))
    assert shown[:2] == ["My dashboard", words]


def test_a_failure_says_why_as_text_never_as_markdown():
    why = "[click](https://evil.example) has no column for the first name."
    card = board(ImportHealth(Health.FAILED, FAILED, why))
    assert {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": why}]} in card["body"]


def test_pupils_waiting_to_be_merged_are_counted_never_named_on_the_dashboard():
    card = board(ImportHealth(Health.HEALTHY, RUN, provisional=2))
    assert "2 pupils added by hand wait to be merged into the roster's." in texts(card)
    assert "Sam" not in str(card) and "student.provisional" in str(card)


def test_a_dashboard_without_import_health_has_no_import_line():
    assert not any("Import status" in t for t in texts(board(None)))


def test_the_merge_card_names_the_leaver_and_the_date_of_birth_to_tell_namesakes_apart():
    titles = [
        a["title"]
        for item in CARDS["merge-suggested"]["body"]
        if item["type"] == "ActionSet"
        for a in item["actions"]
    ]
    assert titles == [
        "Sam Taylor, Year 8, 8B, born 27/07/2014",
        "Sam Taylor, Year 11, 11A, left 22/07/2026",
        "Find",
    ]


def test_with_hide_names_the_merge_card_shows_initials():
    shown = str(CARDS["merge-found-hidden"])
    assert "S. T." in shown and "Taylor" not in shown.replace("taylor", "")


def test_only_the_dsl_team_is_offered_the_record_after_a_merge():
    assert "student.show" in str(CARDS["merged-dsl"])
    assert "student.show" not in str(CARDS["merged-admin"])


def test_a_stale_import_is_shown_in_the_attention_colour():
    old = ImportRun(1, "import", "mis", NOW - timedelta(days=3), NOW - timedelta(days=3), True)
    card = board(ImportHealth(Health.STALE, old))
    [line] = [b for b in card["body"] if "Import status" in b.get("text", "")]
    assert line.get("color") == "Attention" and "last import 21/11" in line["text"]


def test_the_merge_payload_parses_strictly():
    from cards.payloads import MergeChoice

    assert MergeChoice.parse({"student": 9, "into": 4}) == MergeChoice(9, 4)
    assert MergeChoice.parse({"student": 9, "into": "4", "merge_query": "sam"}) == MergeChoice(
        9, 4, "sam"
    )
    assert MergeChoice.parse({"student": 9}) == MergeChoice(9)
    assert MergeChoice.parse({"student": "9"}) is None
    assert MergeChoice.parse({"student": 9, "into": "4 OR 1=1"}) is None
    assert MergeChoice.parse({"student": 9, "into": 2**31}) is None
