"""The administration cards against the Adaptive Card 1.5 schema and Teams' size limit, for a large
school (many categories, staff, groups and list entries), and what they say."""

from datetime import UTC, date, datetime

from cards.admin import Said, admin_home_card, admin_stub_card
from cards.admin_categories import categories_card
from cards.admin_groups import groups_card
from cards.admin_lists import lists_card
from cards.admin_rights import rights_card
from cards.admin_school import school_card
from cards.admin_staff import staff_card
from cards.dashboard import dashboard_card
from cards.welcome import welcome_card
from safeguarding.access import Rights, Scope
from safeguarding.administration import AdminHome, Section
from safeguarding.alert_groups import GroupsView
from safeguarding.categories import CategoriesView
from safeguarding.dashboard import Dashboard
from safeguarding.dashboard import Section as Rows
from safeguarding.lists import ListKind, ListsView
from safeguarding.rights import AccessChange, CategoryRights, ProposalLine, RightsView
from safeguarding.school import AlertGroup, Category, School
from safeguarding.school_settings import SchoolView, Term, TriageInfo
from safeguarding.staff import Role, StaffMember
from safeguarding.staffing import StaffView
from tests.support.cards import assert_valid_card, buttons, elements, inputs, texts
from tests.support.pressing import all_text

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
SCHOOL = School(1, "Kestrel Demo Academy", "t", "Europe/London")
CATEGORIES = tuple(
    Category(
        i,
        1,
        f"Category number {i:02}",
        "#2563EB",
        i % 5 == 0,
        i % 3 == 0,
        (i - 1) if i % 4 == 0 else None,
        (1, 2),
        i,
        i % 7 == 0,
    )
    for i in range(1, 41)
)
GROUPS = tuple(AlertGroup(i, 1, f"Group {i}", tuple(range(1, 30)), i == 3) for i in range(1, 16))
STAFF = tuple(
    StaffMember(
        i,
        1,
        f"aad-{i}",
        f"Colleague Number {i:03}",
        f"c{i}@school.example",
        list(Role)[i % 5],
        i % 9 != 0,
    )
    for i in range(1, 251)
)
LONG = "A rather long agency or outcome name for a large school's list"


def _everywhere_valid(card: dict) -> dict:
    assert_valid_card(card)
    assert not any(
        "key" in (e.get("data") or {}) for e in elements(card) if isinstance(e.get("data"), dict)
    )
    return card


def test_the_stub_and_home_cards_say_what_they_do_and_nothing_else():
    stub = _everywhere_valid(admin_stub_card())
    assert buttons(stub) == [("Open administration", "admin.show")]
    home = _everywhere_valid(admin_home_card(AdminHome(tuple(Section), 2, decides=False)))
    assert "2 changes to access wait for the DSL team to confirm (Rights)." in all_text(home)


def test_the_categories_card_for_forty_categories_with_one_open():
    view = CategoriesView(
        CATEGORIES, GROUPS, editing=CATEGORIES[9], errors={"colour": "Give the colour"}
    )
    card = _everywhere_valid(categories_card(view, Said(changed="Helen Carter changed it.")))
    assert inputs(card)["name"]["value"] == "Category number 10"
    assert "It is not restricted: that is changed under Rights." in texts(card)
    assert [t for t, _ in buttons(card)][:2] == ["Save category", "Retire"]


def test_the_rights_card_with_proposals_a_check_and_the_code_box():
    rights = CategoryRights(
        True, {Role.VIEWER: Rights(True, True, True)}, {5: Rights(view_incidents=True)}
    )
    proposals = tuple(
        ProposalLine(
            i,
            f"Category number {i:02}",
            "Helen Carter",
            NOW,
            ("3 colleagues will be able to view it.",),
        )
        for i in range(1, 6)
    )
    view = RightsView(
        CATEGORIES,
        tuple(s for s in STAFF if s.role not in (Role.DSL, Role.DEPUTY_DSL)),
        proposals,
        decides=True,
        category=CATEGORIES[2],
        rights=rights,
        change=AccessChange(
            ("1 colleague will be able to view Category number 03 incidents.",), True
        ),
        token="0123456789abcdef",
    )
    card = _everywhere_valid(rights_card(view, Said(), time_zone="Europe/London"))
    fields = inputs(card)
    assert "code" in fields and "role_administrator_view_incidents" not in fields
    assert fields["role_viewer_view_incidents"]["value"] == "true"
    assert ("Save with my code", "admin.rights_save") in buttons(card)


def test_the_staff_card_for_two_hundred_and_fifty_colleagues_with_roles_from_entra():
    view = StaffView(
        STAFF,
        {4: Scope(frozenset({7}))},
        tuple(range(7, 14)),
        tuple(f"{y}{c}" for y in range(7, 14) for c in "ABCDEF"),
        (("dsl", "g" * 36),),
        editing=STAFF[3],
    )
    card = _everywhere_valid(staff_card(view, Said(notice="Saved.")))
    assert "role" not in inputs(card)
    assert "Role: Administrator (from Microsoft Entra)." in texts(card)


def test_the_groups_lists_and_school_cards_for_a_large_school():
    groups = GroupsView(GROUPS, {s.id: s for s in STAFF}, STAFF[:200], editing=GROUPS[2])
    card = _everywhere_valid(groups_card(groups, Said()))
    assert ("Bring back", "admin.group_retire") in buttons(card)
    entries = {kind: tuple(f"{LONG} {i}" for i in range(30)) for kind in ListKind}
    _everywhere_valid(lists_card(ListsView(entries, frozenset({ListKind.AGENCIES})), Said()))
    terms = tuple(
        Term(i, f"Term {i}", date(2026 + i, 1, 4), date(2026 + i, 3, 26)) for i in range(12)
    )
    view = SchoolView(SCHOOL, terms, (7, 8, 9), 15, TriageInfo("Priya Raman", NOW), setup=True)
    card = _everywhere_valid(school_card(view, Said()))
    assert "chosen by Priya Raman at 10:50 on 24 Nov 2026" in all_text(card)
    dsl_view = SchoolView(SCHOOL, terms, (7,), 15, None, setup=False)
    assert "time_zone" not in inputs(_everywhere_valid(school_card(dsl_view, Said())))


def test_the_administrators_help_and_dashboard_say_what_she_can_do():
    helen = StaffMember(5, 1, "aad", "Helen Carter", "h@x", Role.ADMINISTRATOR)
    help_card = _everywhere_valid(welcome_card(helen, SCHOOL))
    assert ("Administration", "admin.show") in buttons(help_card)
    empty = Rows((), 0, 0)
    board = _everywhere_valid(
        dashboard_card(
            Dashboard(empty, empty, empty, administers=True), hide_names=False, time_zone="UTC"
        )
    )
    assert "Type **admin**, or:" in all_text(board)
    assert ("Administration", "admin.show") in [
        (a["title"], a["verb"])
        for e in elements(board)
        if e.get("type") == "ActionSet"
        for a in e["actions"]
    ]


def test_administration_payloads_parse_strictly():
    from cards.payloads import (
        CategoryChange,
        CategoryRef,
        ListEntry,
        RightsPick,
        SchoolChange,
        StaffRef,
    )

    assert CategoryChange.parse({"name": "x"}) == CategoryChange(None, None, {"name": "x"})
    assert CategoryChange.parse({"category": 7}) is None  # a change names the version it saw
    assert CategoryChange.parse({"category": "7", "ver": 1}) is None  # ids are numbers
    assert CategoryChange.parse({"category": 7, "ver": 0}) is None
    assert CategoryRef.parse({"category": 2**31}) is None
    assert StaffRef.parse({"staff_id": "12"}).record == 12  # chosen in the drop-down
    assert StaffRef.parse({"staff_id": ""}).record is None  # nothing chosen: asked again
    assert StaffRef.parse({"staff_id": "twelve"}) is None
    assert RightsPick.parse({"category_id": "9"}) == RightsPick(9)
    assert RightsPick.parse({"category": "9"}) is None
    assert SchoolChange.parse({"name": "x"}) is None
    assert ListEntry.parse({"list": "police"}) is None
    assert (
        ListEntry.parse({"list": "outcomes", "remove_outcomes": "Early help"}).name == "Early help"
    )
    assert ListEntry.parse({"list": "agencies", "entry": ["GP"]}) is None


def test_a_huge_value_typed_comes_back_cut_and_the_card_stays_within_limits():
    view = CategoriesView(
        CATEGORIES,
        GROUPS,
        values={"name": "x" * 500_000},
        errors={"name": "Keep the name under 100 characters."},
    )
    card = _everywhere_valid(categories_card(view, Said()))
    assert inputs(card)["name"]["value"] == "x" * 2000
