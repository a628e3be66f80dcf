"""Every card Kestrel builds is a valid Adaptive Card 1.5 under Teams' size limit."""

from datetime import UTC, datetime

import pytest

from bot.errors import error_card
from cards.elements import text_run
from cards.exclusions import exclusions_card, exclusions_stub_card
from cards.notice import not_recognised_card, notice_card
from cards.pupils import pupil_name
from cards.settings import enrolment_card, settings_card
from cards.welcome import welcome_card
from safeguarding.elevation import ElevationStatus, Enrolment
from safeguarding.errors import Conflict, InvalidInput, NotAvailable, NotRecognised
from safeguarding.exclusions import ActiveExclusion
from safeguarding.school import School, Student
from safeguarding.search import StudentMatch
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card, card_problems

SCHOOL = School(1, "Kestrel Demo Academy", "t", "Europe/London")
DSL = StaffMember(1, 1, "a", "Priya Raman", "p@x", Role.DSL)

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
ENROLMENT = Enrolment(
    "otpauth://totp/Kestrel:p%40x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Kestrel",
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
)
COLLEAGUES = [
    StaffMember(n, 1, f"a{n}", f"Colleague {n:03d}", f"c{n}@x", Role.VIEWER) for n in range(100)
]


def status(**kw) -> ElevationStatus:
    return ElevationStatus(
        **{"enrolled": True, "pending": False, "elevated_until": None, "locked_until": None, **kw}
    )


PUPIL = Student(5, 1, "U5", "Zoë", "Roberts", 7, "7C")
ACTIVE = [ActiveExclusion(1, "James Whitfield", PUPIL, "relative", "Priya Raman", NOW)]
MATCHES = [StudentMatch(5, "Zoë Roberts", 7, "7C"), StudentMatch(6, "Zoë Roberts", 13, "13Y")]

CARDS = {
    "exclusions-stub": exclusions_stub_card(),
    "exclusions-empty": exclusions_card([], hide_names=False, time_zone="Europe/London"),
    "exclusions-with-form": exclusions_card(
        ACTIVE,
        hide_names=True,
        time_zone="Europe/London",
        query="zoe",
        matches=MATCHES,
        colleagues=COLLEAGUES,
        error="Choose a pupil, a colleague and a reason.",
    ),
    "settings-not-enrolled": settings_card(DSL, status(enrolled=False), time_zone="Europe/London"),
    "settings-elevated": settings_card(
        DSL,
        status(elevated_until=NOW),
        time_zone="Europe/London",
        notice="Your access is elevated.",
    ),
    "settings-wrong-code-with-100-colleagues": settings_card(
        DSL,
        status(),
        time_zone="Europe/London",
        code="12345x",
        error="That code was not accepted.",
        colleagues=COLLEAGUES,
    ),
    "enrolment": enrolment_card(ENROLMENT),
    "enrolment-wrong-code": enrolment_card(ENROLMENT, code="999999", error="Not accepted."),
    "welcome-for-staff": welcome_card(DSL, SCHOOL),
    "welcome-for-a-channel": welcome_card(),
    "notice": notice_card("Title", "Message", reference="abc123"),
    "not-recognised": not_recognised_card(),
    "error-not-available": error_card(NotAvailable()),
    "error-invalid": error_card(InvalidInput({"text": "required"})),
    "error-conflict": error_card(Conflict()),
    "error-not-recognised": error_card(NotRecognised("unknown_staff")),
    "error-unexpected": error_card(RuntimeError("pupil name in an exception message")),
}


@pytest.mark.parametrize("name", CARDS)
def test_card_is_valid_adaptive_card_1_5_and_small(name):
    assert_valid_card(CARDS[name])


def test_the_schema_check_has_teeth():
    no_text = {**welcome_card(), "body": [{"type": "TextBlock"}]}
    unknown_property = {
        **welcome_card(),
        "body": [{"type": "TextBlock", "text": "x", "colour": "red"}],
    }
    assert any(p.startswith("body/0:") for p in card_problems(no_text))
    assert any(p.startswith("body/0:") for p in card_problems(unknown_property))
    assert any("version" in p for p in card_problems({**welcome_card(), "version": "1.6"}))
    assert any("bytes" in p for p in card_problems(welcome_card() | {"fallbackText": "x" * 30000}))


def test_welcome_card_offers_the_main_actions_as_buttons():
    actions = welcome_card(DSL, SCHOOL)["actions"]
    assert [(a["type"], a["title"], a["verb"], a["data"]) for a in actions] == [
        ("Action.Execute", "Add incident", "incident.add", {"v": 1}),
        ("Action.Execute", "My dashboard", "dashboard.show", {"v": 1}),
    ]


def test_names_from_the_directory_are_shown_as_text_not_markdown():
    sly = StaffMember(2, 1, "b", "[click me](https://evil.example)", "e@x", Role.STAFF)
    card = welcome_card(sly, SCHOOL)
    runs = [b for b in card["body"] if b["type"] == "RichTextBlock"]
    assert "[click me](https://evil.example)" in runs[0]["inlines"][0]["text"]
    assert all("evil" not in b.get("text", "") for b in card["body"] if b["type"] == "TextBlock")


def test_staff_text_goes_into_a_text_run():
    assert text_run("**bold?**") == {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": "**bold?**"}],
    }


def test_unexpected_errors_show_a_reference_but_never_the_exception_text():
    card = error_card(RuntimeError("Sam Taylor disclosed something"))
    shown = str(card)
    assert "Sam Taylor" not in shown and "RuntimeError" not in shown
    assert "Reference:" in shown


def test_times_on_the_settings_card_are_in_the_school_time_zone():
    summer = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)
    card = settings_card(DSL, status(elevated_until=summer), time_zone="Europe/London")
    assert "Active until 10:05." in str(card)


def test_a_rejected_code_comes_back_in_the_form_with_the_reason():
    card = settings_card(DSL, status(), time_zone="Europe/London", code="12345x", error="Nope.")
    [field] = [e for e in card["body"] if e.get("id") == "code"]
    assert field["value"] == "12345x"
    assert {"type": "TextBlock", "text": "Nope.", "wrap": True, "color": "Attention"} in card[
        "body"
    ]


def test_only_the_dsl_team_sees_the_reset_list():
    teacher = StaffMember(3, 1, "c", "James Whitfield", "j@x", Role.STAFF)
    assert "staff_id" not in str(
        settings_card(teacher, status(), time_zone="UTC", colleagues=COLLEAGUES)
    )
    assert "elevation.reset" in str(
        settings_card(DSL, status(), time_zone="UTC", colleagues=COLLEAGUES)
    )


def test_hide_names_shows_initials_and_prefers_the_preferred_name():
    mo = Student(1, 1, "U1", "Mohammed", "Hussain", 7, "7A", preferred_name="Mo")
    assert pupil_name(mo, hide=False) == "Mo Hussain"
    assert pupil_name(mo, hide=True) == "M. H."


def test_names_are_always_hidden_outside_the_one_to_one_chat():
    private = StaffMember(9, 1, "z", "Z", "z@x", Role.STAFF, hide_names=False)
    assert not private.hides_names_in("personal")
    assert private.hides_names_in("groupChat") and private.hides_names_in("channel")
    assert StaffMember(9, 1, "z", "Z", "z@x", Role.STAFF, hide_names=True).hides_names_in(
        "personal"
    )


def test_unexpected_errors_are_logged_by_type_and_stack_never_by_message(caplog):
    try:
        raise RuntimeError("Sam Taylor disclosed at break")
    except RuntimeError as error:
        card = error_card(error)
    assert "Sam Taylor" not in caplog.text
    assert "RuntimeError" in caplog.text and "test_cards.py" in caplog.text
    assert "Reference:" in str(card)


@pytest.mark.parametrize(
    ("role", "student", "exclusions", "admin"),
    [
        (Role.STAFF, False, False, False),
        (Role.ADMINISTRATOR, False, False, True),
        (Role.VIEWER, True, False, False),
        (Role.DEPUTY_DSL, True, False, True),
        (Role.DSL, True, True, True),
    ],
)
def test_help_names_each_role_its_own_commands(role, student, exclusions, admin):
    member = StaffMember(3, 1, "c", "Someone", "s@x", role)
    [listed] = [b for b in welcome_card(member, SCHOOL)["body"] if b["type"] == "FactSet"]
    commands = [f["title"] for f in listed["facts"]]
    assert commands[:4] == ["help", "add incident", "dashboard", "settings"]
    assert ("student <name>" in commands, "exclusions" in commands) == (student, exclusions)
    assert ("admin" in commands) == admin


def test_a_pupil_added_by_hand_is_marked_wherever_their_name_is_shown():
    new = Student(9, 1, "", "Grace", "Mahmood", 9, "9A", provisional=True)
    assert pupil_name(new, hide=False) == "Grace Mahmood (new, not yet confirmed)"
    assert pupil_name(new, hide=True) == "G. M. (new, not yet confirmed)"
    assert StudentMatch.of(new).name == "Grace Mahmood (new, not yet confirmed)"
    rostered = Student(8, 1, "K1", "Grace", "Mahmood", 9, "9A")
    assert StudentMatch.of(rostered).name == pupil_name(rostered, hide=False) == "Grace Mahmood"
