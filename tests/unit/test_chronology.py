"""A pupil's chronology without a database: who may open records, what the filter keeps, the
order of entries, what is held back, paging, monitoring, and the record page payload."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from cards.elements import warning
from cards.payloads import GrantRef, RecordPage, Words
from cards.pupil_record import pupil_record_card
from safeguarding.access import AccessPolicy, Viewer
from safeguarding.case_actions import ActionEntry
from safeguarding.cases import CaseEvent
from safeguarding.chronology import (
    MAX_OFFSET,
    Case,
    ChronologyFilter,
    Entry,
    EntryRef,
    PupilRecord,
    may_view_pupil,
    may_view_pupils,
    monitoring,
    open_cases,
    opens_here,
    page_offset,
    read_filter,
    viewed_detail,
)
from safeguarding.chronology_pages import (
    checked_page,
    chronology_entries,
    matching,
    readable_incidents,
)
from safeguarding.errors import InvalidInput
from safeguarding.incidents import IncidentFacts, IncidentPupil, Status
from safeguarding.school import Category, Student
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card, texts

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
PASTORAL, BULLYING, SECRET = 1, 2, 3  # SECRET is restricted
POLICY = AccessPolicy(categories=frozenset({1, 2, 3}), restricted=frozenset({SECRET}))
ZONE = "Europe/London"
SAM, ALEX = (
    Student(1, 1, "U1", "Sam", "Taylor", 7, "7A"),
    Student(2, 1, "U2", "Alex", "Jones", 7, "7B"),
)


def staff(role: Role, *, active: bool = True) -> StaffMember:
    return StaffMember(7, 1, "aad-7", role.value, "x@y", role, active=active)


DSL, TEACHER, VIEWER = staff(Role.DSL), staff(Role.STAFF), staff(Role.VIEWER)


def incident(
    n: int,
    categories: frozenset[int] = frozenset({PASTORAL}),
    *,
    at: datetime = NOW - timedelta(days=3),
    status: Status = Status.OPEN,
    linked: frozenset[int] | None = None,
    monitored: bool = False,
) -> IncidentFacts:
    pupils = [IncidentPupil(SAM, categories, monitoring=monitored)]
    if linked is not None:
        pupils.append(IncidentPupil(ALEX, linked, linked=True))
    return IncidentFacts(n, 1, 9, at, at, ZONE, status, None, (), tuple(pupils))


def action(n: int, on: IncidentFacts, at: datetime, categories=frozenset()) -> ActionEntry:
    return ActionEntry(n, on.id, 8, at, at, ZONE, "", frozenset(categories), "", None, None)


def decider(who: StaffMember = DSL, elevated: bool = False):
    return Viewer(who, frozenset(), elevated), POLICY, NOW


def test_pupil_records_open_in_the_personal_chat_only():
    assert opens_here("personal")
    assert not opens_here("groupChat") and not opens_here("channel")


def test_only_staff_with_a_right_to_view_pupils_may_search_for_them():
    assert may_view_pupils(DSL, POLICY) and may_view_pupils(VIEWER, POLICY)
    assert not may_view_pupils(TEACHER, POLICY)  # they record; they do not browse records
    assert not may_view_pupils(staff(Role.DSL, active=False), POLICY)


def test_a_pupil_is_never_open_to_someone_excluded_from_them_or_when_there_is_none():
    assert may_view_pupil(Viewer(DSL), POLICY, SAM, NOW)
    assert not may_view_pupil(Viewer(DSL, frozenset({SAM.id})), POLICY, SAM, NOW)
    assert not may_view_pupil(Viewer(DSL), POLICY, None, NOW)
    assert not may_view_pupil(Viewer(TEACHER), POLICY, SAM, NOW)


def test_a_wrong_date_and_an_end_before_the_start_are_named():
    with pytest.raises(InvalidInput) as wrong:
        read_filter({"since": "not-a-date"}, [1])
    assert wrong.value.errors == {"since": "Enter a date (for example 2026-09-01)."}
    with pytest.raises(InvalidInput) as backwards:
        read_filter({"since": "2026-12-01", "until": "2026-11-01"}, [1])
    assert backwards.value.errors == {"until": "The end date is before the start date."}


def test_the_filter_keeps_only_the_schools_categories_and_ignores_what_is_not_an_id():
    chosen = read_filter({"filter_categories": "2,999,x, 1", "since": " 2026-11-01 "}, [1, 2])
    assert chosen == ChronologyFilter(frozenset({1, 2}), date(2026, 11, 1), None)
    assert read_filter({"filter_categories": ["2"], "until": None}, [1, 2]) == ChronologyFilter()


def test_entries_are_in_the_order_they_happened_whatever_order_they_were_recorded():
    late = incident(1, at=NOW - timedelta(days=1))
    early = incident(2, at=NOW - timedelta(days=5))
    follow_up = action(10, early, NOW - timedelta(days=4))
    closed = CaseEvent(early.id, 2, "status", 9, NOW - timedelta(days=2), status=Status.CLOSED)
    entries, held = chronology_entries(SAM.id, [late, early], [follow_up], [closed], decider())
    assert [(e.kind, e.incident.id) for e in entries] == [
        ("incident", 2),
        ("action", 2),
        ("decision", 2),
        ("incident", 1),
    ]
    assert held == 0


def test_an_action_in_a_restricted_category_is_held_back_until_the_code_is_entered():
    on = incident(1)
    secret = action(10, on, NOW - timedelta(days=2), {SECRET})
    entries, held = chronology_entries(SAM.id, [on], [secret], [], decider())
    assert [e.kind for e in entries] == ["incident"] and held == 1
    entries, held = chronology_entries(SAM.id, [on], [secret], [], decider(elevated=True))
    assert [e.kind for e in entries] == ["incident", "action"] and held == 0


def test_incidents_needing_a_code_are_counted_and_those_not_readable_left_out():
    pastoral, secret = incident(1), incident(2, frozenset({SECRET}))
    visible, held = readable_incidents([pastoral, secret], *decider())
    assert (visible, held) == ([pastoral], 1)
    visible, held = readable_incidents([pastoral, secret], *decider(VIEWER))
    assert (visible, held) == ([pastoral], 0)  # restricted: record-only for a viewer


def test_an_action_is_found_by_this_pupils_categories_never_by_a_linked_pupils():
    shared = incident(1, frozenset({PASTORAL}), linked=frozenset({BULLYING}))
    call = action(10, shared, NOW - timedelta(days=2))
    entries, _ = chronology_entries(SAM.id, [shared], [call], [], decider())
    pastoral = matching(entries, ChronologyFilter(frozenset({PASTORAL})), ZONE)
    assert [e.kind for e in pastoral] == ["incident", "action"]
    assert matching(entries, ChronologyFilter(frozenset({BULLYING})), ZONE) == []
    theirs, _ = chronology_entries(ALEX.id, [shared], [call], [], decider())
    found = matching(theirs, ChronologyFilter(frozenset({BULLYING})), ZONE)
    assert [e.kind for e in found] == ["incident", "action"]


def test_dates_are_days_in_the_schools_time_zone():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    summer = incident(1, at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    entries = [Entry("incident", summer.happened_at, summer, 9, frozenset({PASTORAL}))]
    assert matching(entries, ChronologyFilter(since=date(2026, 7, 1)), ZONE) == entries
    assert matching(entries, ChronologyFilter(until=date(2026, 6, 30)), ZONE) == []
    assert matching(entries, ChronologyFilter(until=date(2026, 6, 30)), "UTC") == entries


def test_a_page_starts_within_range():
    # Storage pages the entries (an export takes everything from the offset): see
    # tests/integration/test_chronology_query.py.
    assert [page_offset(n) for n in (-5, 0, 10, 10**30)] == [0, 0, 10, MAX_OFFSET]


def test_monitoring_is_named_and_open_cases_leave_out_the_closed_oldest_first():
    # Which incidents monitor this pupil is decided in storage (test_chronology_query.py).
    categories = [Category(PASTORAL, 1, "Pastoral", "#000"), Category(BULLYING, 1, "Bullying", "")]
    assert monitoring(frozenset({PASTORAL, 99}), categories) == ("Pastoral",)
    assert monitoring(frozenset(), categories) == ()
    newer, closed, older = Case(5, Status.ACTIVE), Case(2, Status.CLOSED), Case(1, Status.OPEN)
    assert open_cases([newer, closed, older]) == (older, newer)
    assert older.reference == incident(1).reference


def test_what_a_view_audits_names_the_page_the_total_and_the_categories_chosen():
    page = [Entry("incident", NOW, incident(1), 9, frozenset())]
    assert viewed_detail(page, 0, 3, ChronologyFilter()) == {"entries": 1, "offset": 0, "of": 3}
    detail = viewed_detail(page, 10, 11, ChronologyFilter(frozenset({2, 1})))
    assert detail == {"entries": 1, "offset": 10, "of": 11, "categories": [1, 2]}


@pytest.mark.parametrize(
    "data, parsed",
    [
        ({"student": 1}, RecordPage(1, 0, "", {"student": 1})),
        (
            {"student": 1, "offset": 10**30},
            RecordPage(1, 10**30, "", {"student": 1, "offset": 10**30}),
        ),
        ({"student": 1, "offset": "10"}, RecordPage(1, 0, "", {"student": 1, "offset": "10"})),
        ({"student": 1, "offset": True}, RecordPage(1, 0, "", {"student": 1, "offset": True})),
        (
            {"student": 1, "code": "123456"},
            RecordPage(1, 0, "123456", {"student": 1, "code": "123456"}),
        ),
        ({"student": "1"}, None),
        ({"student": 2**31}, None),
        ({}, None),
    ],
)
def test_a_record_page_is_a_pupil_id_and_any_whole_offset(data, parsed):
    assert RecordPage.parse(data) == parsed


def test_a_grant_names_an_incident_and_a_colleague_and_words_are_any_text():
    assert GrantRef.parse({"incident": 3, "staff": 6}) == GrantRef(3, 6)
    assert GrantRef.parse({"incident": 3}) is None
    assert GrantRef.parse({"incident": 3, "staff": "6"}) is None
    assert Words.parse({"text": "amara"}) == Words("amara")
    assert Words.parse({"text": None}) == Words("") and Words.parse({}) == Words("")
    assert Words.parse({"text": 12345}) == Words("12345")


def record_of(**changes) -> PupilRecord:
    on = incident(1)
    entry = Entry("incident", on.happened_at, on, 9, frozenset({PASTORAL}), text="MARKER")
    fields = dict(
        entries=(entry,), total=1, offset=0, held_back=0, open_cases=(Case(on.id, on.status),)
    )
    return replace(PupilRecord(SAM, ZONE, monitoring=(), documents=(), **fields), **changes)


def test_a_code_that_did_not_work_is_said_under_the_pupils_name():
    card = pupil_record_card(record_of(), hide_names=False, notice="That code did not work.")
    assert_valid_card(card)
    assert card["body"][1] == warning("That code did not work.")
    assert texts(card)[0] == "Sam Taylor"
    plain = pupil_record_card(record_of(), hide_names=True)
    assert texts(plain)[0] == "S. T." and plain["body"][1]["type"] == "FactSet"


def test_only_the_dsl_teams_record_offers_the_pupil_audit_report():
    titles = [b["title"] for b in pupil_record_card(record_of(), hide_names=False)["actions"]]
    assert titles == ["Apply filter", "Export chronology (PDF)"]
    overseen = pupil_record_card(record_of(oversees=True), hide_names=False)
    assert [b["title"] for b in overseen["actions"]][-1] == "Pupil audit report"


def test_a_page_storage_chose_shows_only_what_the_rules_in_python_allow_in_its_order():
    first, second = incident(1), incident(2)
    allowed = [
        Entry("incident", NOW, second, 9, frozenset()),
        Entry("incident", NOW, first, 9, frozenset()),
    ]
    refs = [EntryRef("incident", 1), EntryRef("action", 1, 10), EntryRef("incident", 2)]
    shown, left_out = checked_page(refs, allowed)
    assert [e.incident.id for e in shown] == [1, 2] and left_out == 1
