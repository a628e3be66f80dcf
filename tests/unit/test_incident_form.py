"""Reading the Add Incident form, its cards, and a Teams message's HTML as text."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.message_text import message_prefill, plain_text
from cards.incident_form import FormView, incident_form_card
from cards.incidents import add_privately_card, not_saved_card, recorded_card
from safeguarding.errors import InvalidInput
from safeguarding.incident_form import FormOptions, read_form
from safeguarding.incidents import MAX_LINKED, MAX_MARKERS, MAX_TEXT, Status
from safeguarding.school import AlertGroup, Category
from safeguarding.search import StudentMatch
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card, button, card_problems, inputs, texts

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
ZONE = "Europe/London"
VALID = {
    "form_key": "k-123456789",
    "student_id": "1",
    "text": 'Said: "I\'m scared"',
    "categories": "3",
}
STAFF = [StaffMember(n, 1, f"a{n}", f"Colleague {n}", f"c{n}@x", Role.STAFF) for n in range(2, 40)]
OPTIONS = FormOptions(
    categories=tuple(
        Category(n, 1, f"Category {n}", "#000000", default_alert_group_ids=(1,) if n == 3 else ())
        for n in range(1, 16)
    ),
    case_workers=(StaffMember(1, 1, "a1", "Priya Raman", "p@x", Role.DSL),),
    colleagues=tuple(STAFF),
    alert_groups=(AlertGroup(1, 1, "DSL team", (1,)),),
    agencies=("Police", "CAMHS"),
)


def read(**values):
    return read_form({**VALID, **values}, now=NOW, time_zone=ZONE)


def errors_of(**values) -> dict[str, str]:
    with pytest.raises(InvalidInput) as invalid:
        read(**values)
    return invalid.value.errors


def test_a_valid_form_defaults_to_now_in_the_school_time_zone_and_open():
    draft = read()
    assert draft.happened_at == NOW.replace(second=0)
    assert draft.status == Status.OPEN and draft.category_ids == {3}


def test_date_and_time_are_read_in_the_school_time_zone_and_stored_in_utc():
    draft = read(date="2026-07-01", time="09:30")  # British Summer Time
    assert draft.happened_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


def test_every_wrong_field_is_reported_at_once():
    errors = errors_of(student_id="", text="  ", categories="", date="2026-11-25", status="Closed")
    assert set(errors) == {"student_id", "text", "categories", "date", "status"}
    assert "later than now" in errors["date"]


def test_text_over_the_limit_is_refused_with_its_length_and_pasted_lines_are_kept():
    assert "20,001" in errors_of(text="x" * (MAX_TEXT + 1))["text"]
    assert read(text="From: a\r\nTo: b\r\n\r\nHello").text == "From: a\nTo: b\n\nHello"


def test_a_linked_pupil_gets_no_categories_unless_chosen_or_copied():
    draft = read(linked=[2, 5], linked_2_same="true", linked_5_categories="")
    assert [(p.student_id, p.category_ids, p.linked) for p in draft.pupils] == [
        (1, {3}, False),
        (2, {3}, True),
        (5, frozenset(), True),
    ]


def test_monitoring_a_linked_pupil_needs_categories_and_the_main_pupil_cannot_be_linked():
    errors = errors_of(linked=[1, 2], linked_2_monitoring="true")
    assert set(errors) == {"linked", "linked_2_categories"}


def test_markers_need_a_region_from_the_fixed_list_and_empty_rows_are_ignored():
    draft = read(markers=3, marker_1_side="Front", marker_1_region="Left arm", marker_1_note="b")
    assert [(m.number, m.region) for m in draft.markers] == [(1, "Left arm")]
    assert set(errors_of(markers=1, marker_1_region="Tail", marker_1_note="x")) == {
        "marker_1_region"
    }


def test_a_new_student_needs_names_and_a_year_group():
    assert set(errors_of(student_id="", new_student="true", new_year="Y9")) == {
        "new_first",
        "new_last",
        "new_year",
    }
    draft = read(student_id="", new_student="true", new_first="A", new_last="B", new_year="9")
    assert draft.new_student is not None and draft.new_student.year_group == 9


def test_a_new_students_year_group_must_be_one_of_the_schools():
    new = dict(student_id="", new_student="true", new_first="A", new_last="B", new_year="14")
    with pytest.raises(InvalidInput) as invalid:
        read_form({**VALID, **new}, now=NOW, time_zone=ZONE, year_groups=range(7, 14))
    assert invalid.value.errors == {"new_year": "Choose one of the school's year groups (7 to 13)."}
    primary = {**VALID, **new, "new_year": "4"}
    with pytest.raises(InvalidInput) as invalid:
        read_form(primary, now=NOW, time_zone=ZONE, year_groups=(0, 2, 6))
    assert invalid.value.errors == {
        "new_year": "Choose one of the school's year groups (0, 2 and 6)."
    }
    draft = read_form({**primary, "new_year": "6"}, now=NOW, time_zone=ZONE, year_groups=(0, 6))
    assert draft.new_student is not None and draft.new_student.year_group == 6


def test_an_out_of_date_form_without_its_key_is_refused():
    assert "form" in errors_of(form_key="")


def test_a_form_sent_before_its_key_was_renamed_is_still_read():
    values = {k: v for k, v in VALID.items() if k != "form_key"}
    draft = read_form({**values, "key": "k-123456789"}, now=NOW, time_zone="Europe/London")
    assert draft.key == "k-123456789"


def test_agencies_chosen_and_typed_and_alert_choices_are_read():
    draft = read(
        agencies="Police,CAMHS",
        agency_other="Youth club",
        alert_staff="4,x,7",
        alert_people="4F1C6A0E-1D2B-4C3A-9B8E-000000000006,not-a-guid",
        alert_groups="1",
    )
    assert draft.agencies == ("Police", "CAMHS", "Youth club")
    assert draft.alert_staff_ids == {4, 7} and draft.alert_group_ids == {1}
    assert draft.alert_aad_ids == {"4f1c6a0e-1d2b-4c3a-9b8e-000000000006"}


def view(**kw) -> FormView:
    return FormView(
        options=OPTIONS,
        values=kw.pop("values", {"form_key": "k-123456789"}),
        now=NOW,
        time_zone=ZONE,
        **kw,
    )


def test_the_form_carries_back_every_value_with_an_error_by_the_wrong_field():
    values = {
        "form_key": "k-123456789",
        "text": "line 1\nline 2",
        "categories": "3,4",
        "date": "2026-11-23",
    }
    card = incident_form_card(view(values=values, errors={"categories": "Choose one."}))
    assert_valid_card(card)
    fields = inputs(card)
    assert fields["text"]["value"] == "line 1\nline 2" and fields["text"]["isMultiline"]
    assert fields["categories"]["value"] == "3,4" and fields["date"]["value"] == "2026-11-23"
    assert fields["student_id"]["choices.data"] == {"type": "Data.Query", "dataset": "students"}
    shown = texts(card)
    assert "Choose one." in shown
    assert shown.index("Choose one.") > 0
    assert any("Category 3: DSL team" in t for t in shown)  # default alert groups are shown


def test_pupils_found_are_plain_choices_so_the_box_shows_the_pick_by_name_not_its_id():
    matches = (StudentMatch(67, "Sam Taylor", 8, "8B"), StudentMatch(68, "Sam Taylor", 11, "11A"))
    card = incident_form_card(view(values={"form_key": "k-1", "student_id": "67"}, matches=matches))
    assert_valid_card(card)
    student = inputs(card)["student_id"]
    assert "choices.data" not in student  # the typeahead shows "67" once picked
    assert student["value"] == "67"
    assert student["choices"] == [
        {"title": "Sam Taylor (Year 8, 8B)", "value": "67"},
        {"title": "Sam Taylor (Year 11, 11A)", "value": "68"},
    ]


def test_the_dialog_form_uses_submit_buttons_and_the_people_picker():
    card = incident_form_card(view(dialog=True))
    assert_valid_card(card)
    fields = inputs(card)
    assert fields["alert_people"]["choices.data"]["dataset"] == "graph.microsoft.com/users"
    assert "alert_staff" not in fields
    record = card["body"][-1]["actions"][0]
    assert record["type"] == "Action.Submit" and record["data"]["verb"] == "incident.record"
    assert record["data"]["dialog"] is True and record["data"]["form_key"] == "k-123456789"


def test_a_form_with_the_longest_text_stays_under_the_card_size_limit():
    # The demo school's size: ten categories, seven colleagues to alert.
    options = replace(
        OPTIONS, categories=OPTIONS.categories[:10], colleagues=OPTIONS.colleagues[:7]
    )
    values = {"form_key": "k-123456789", "text": "x" * MAX_TEXT, "linked": [2], "markers": 2}
    pupils = {2: StudentMatch(2, "Pupil 2", 9, "9R")}
    card = incident_form_card(replace(view(values=values, pupils=pupils), options=options))
    assert_valid_card(card)


def test_the_largest_possible_form_stays_under_the_teams_message_limit():
    # 28 KB is our target; the longest text plus every marker and linked pupil cannot fit it,
    # so the extreme stays under what Teams accepts for a bot message (80 KB recommended).
    values = {
        "form_key": "k-123456789",
        "text": "x" * MAX_TEXT,
        "linked": list(range(2, 2 + MAX_LINKED)),
        "markers": MAX_MARKERS,
    }
    pupils = {n: StudentMatch(n, f"Pupil {n}", 9, "9R") for n in values["linked"]}
    card = incident_form_card(view(values=values, pupils=pupils))
    problems = card_problems(card)
    assert all(p.startswith("card is ") for p in problems)
    assert len(json.dumps(card).encode()) < 80 * 1024


def test_names_hidden_shows_chosen_pupils_as_initials():
    values = {"form_key": "k-123456789", "linked": [2]}
    pupils = {2: StudentMatch(2, "Sam Taylor", 9, "9R")}
    card = incident_form_card(view(values=values, pupils=pupils, hide_names=True))
    shown = " ".join(texts(card))
    assert "S. T. (Year 9, 9R)" in shown and "Sam" not in shown


def test_the_confirmation_carries_only_the_reference():
    card = recorded_card(12, "K-12", 2)
    assert_valid_card(card)
    assert texts(card)[:2] == ["Incident K-12", "Recorded as K-12. 2 colleagues will be alerted."]
    assert [(a["verb"], a["data"]) for a in card["actions"]] == [
        ("incident.show", {"v": 1, "incident": 12}),
        ("incident.attach", {"v": 1, "incident": 12}),
        ("incident.add", {"v": 1}),
    ]
    assert card_problems(add_privately_card()) == []


def test_a_not_saved_card_keeps_the_text_and_every_choice_for_try_again():
    values = {"form_key": "k-1", "text": "what she said", "categories": "3", "linked": [2]}
    card = not_saved_card(values, "ab12cd34", dialog=False)
    assert_valid_card(card)
    assert inputs(card)["text"]["value"] == "what she said"
    retry = card["body"][-1]["actions"][0]
    assert retry["verb"] == "incident.record" and retry["data"]["categories"] == "3"


def test_a_teams_message_becomes_plain_text_with_its_line_breaks():
    html = (
        "<div><p>Hi&nbsp;all,</p><p>Sam said <b>&quot;he hit me&quot;</b> &amp; cried.<br>"
        "Second line</p><script>alert(1)</script><ul><li>one</li><li>two</li></ul></div>"
    )
    assert plain_text(html) == 'Hi all,\nSam said "he hit me" & cried.\nSecond line\n- one\n- two'


def test_the_message_action_keeps_author_time_and_id_as_evidence():
    payload = {
        "id": "1700000000123",
        "createdDateTime": "2026-11-24T09:12:00.000Z",
        "from": {"user": {"id": "u", "displayName": "Aisha Khan"}},
        "body": {"contentType": "html", "content": "<p>text</p>"},
    }
    assert message_prefill({"messagePayload": payload}) == {
        "prefill": "text",
        "evidence": {
            "message_id": "1700000000123",
            "author": "Aisha Khan",
            "sent_at": "2026-11-24T09:12:00.000Z",
        },
    }
    assert message_prefill({"messagePayload": "junk"}) == {}


def test_the_largest_form_keeps_every_field_it_sends():
    from bot.handlers.incidents import form_values

    linked = list(range(2, 2 + MAX_LINKED))
    data = {"v": 1, "verb": "incident.record", "form_key": "k-123456789", "linked": linked}
    for n in linked:
        data |= {f"linked_{n}_same": "true", f"linked_{n}_monitoring": "false"}
    for n in range(1, MAX_MARKERS + 1):
        data |= {f"marker_{n}_side": "Front", f"marker_{n}_region": "Head", f"marker_{n}_note": "x"}
    data |= {"date": "2026-11-23", "time": "09:00", "alert_staff": "4", "alert_groups": "1"}
    kept = form_values({**data, "injected": "x", "__proto__": "y"})
    assert kept == {k: v for k, v in data.items() if k not in ("v", "verb")}


def test_the_incident_view_and_the_elevation_prompt_are_valid_cards():
    from cards.incident_view import elevation_prompt_card, incident_card, status_card
    from safeguarding.incidents import Evidence, IncidentFacts, IncidentPupil, Marker
    from safeguarding.school import Student
    from safeguarding.viewing import IncidentView

    pupil = Student(1, 1, "U1", "Sam", "Taylor", 9, "9R")
    facts = IncidentFacts(
        7,
        1,
        2,
        NOW,
        NOW,
        ZONE,
        Status.OPEN,
        1,
        ("Police",),
        (IncidentPupil(pupil, frozenset({3})), IncidentPupil(pupil, frozenset(), True, True)),
    )
    view = IncidentView(
        facts,
        "[link](https://x) *text*",
        Evidence("1", "Aisha Khan", "t"),
        (Marker(1, "Front", "Head", "note"),),
        (),
        {c.id: c for c in OPTIONS.categories},
        {1: "Priya Raman", 2: "James Whitfield"},
    )
    card = incident_card(
        replace(view, can_attach=True), hide_names=True, body_map_url="https://k/x.png"
    )
    assert_valid_card(card)
    shown = texts(card)
    assert "S. T. (Year 9, 9R): Category 3" in shown and "[link](https://x) *text*" in shown
    assert "Linked: S. T. (Year 9, 9R): no categories (monitoring)" in shown
    assert not [a for a in card["actions"] if a["verb"] in ("incident.audit", "grant.withdraw")]
    granted = replace(view, facts=replace(facts, granted_to=frozenset({2})))
    lead = incident_card(replace(granted, oversees=True), hide_names=False)
    assert_valid_card(lead)
    assert [a["verb"] for a in lead["actions"]] == [
        "action.form",
        "incident.audit",
        "student.audit",
    ]
    worker = incident_card(replace(granted, can_work=True, viewer_id=5), hide_names=False)
    assert_valid_card(worker)
    assert [a["verb"] for a in worker["actions"]] == [
        "action.form",
        "case.assign",
        "case.assign_form",
        "case.status_form",
        "incident.edit_form",
        "case.history",
        "incident.link_form",
        "incident.move_form",
    ]
    assert button(worker, "Assign to me")["data"] == {"v": 1, "incident": 7, "ver": 1}
    assert "James Whitfield" in texts(lead)
    assert button(lead, "Withdraw access")["data"] == {"v": 1, "incident": 7, "staff": 2}
    assert_valid_card(status_card("K-7", "Open"))
    assert_valid_card(elevation_prompt_card(7, enrolled=True, error="That code did not work."))
    assert_valid_card(elevation_prompt_card(7, enrolled=False))


def test_a_notice_of_what_went_as_asked_is_not_styled_as_a_problem():
    from cards.incident_view import incident_card
    from safeguarding.incidents import IncidentFacts
    from safeguarding.viewing import IncidentView

    facts = IncidentFacts(
        7, 1, 2, NOW, NOW, ZONE, Status.OPEN, None, (), (), frozenset(), version=1
    )
    view = IncidentView(facts, "text", None, (), (), {}, {2: "James Whitfield"})
    done = incident_card(view, hide_names=False, notice="Assigned to you.")
    first = incident_card(view, hide_names=False, notice="Already assigned.", changed_first=True)
    assert (done["body"][1]["text"], done["body"][1]["color"]) == ("Assigned to you.", "Good")
    assert (first["body"][1]["text"], first["body"][1]["color"]) == (
        "Already assigned.",
        "Attention",
    )
