"""What a roster changes: matching by MIS id then UPN, leavers and returners, UPNs kept unique;
the import health rule; the pupils suggested for a merge."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from safeguarding.imports import Health, ImportRun, import_health
from safeguarding.merging import suggestions
from safeguarding.roster import Rejected, Roster, RosterRow, Where, roster_key
from safeguarding.roster_changes import LEFT, RETURNED, UPDATED, plan_changes
from safeguarding.school import Student

TODAY = date(2026, 11, 24)
ALL = frozenset(
    {"mis_id", "upn", "first_name", "last_name", "preferred_name", "date_of_birth"}
    | {"year_group", "tutor_group", "house", "left_on"}
)
AMARA = Student(1, 1, "K930000000000", "Amara", "Okafor", 7, "7A", mis_id="1001")
JACK = Student(2, 1, "K930000039595", "Jack", "Lewis", 7, "7C", mis_id="1006")
SAM_NEW = Student(3, 1, "PROV-abc", "Sam", "Taylor", 8, "", provisional=True)


def row(line: int, student: Student, **changes) -> RosterRow:
    values = {
        "mis_id": student.mis_id,
        "upn": student.upn,
        "first_name": student.first_name,
        "last_name": student.last_name,
        "year_group": student.year_group,
        "tutor_group": student.tutor_group,
        **changes,
    }
    return RosterRow(Where("users.csv", line), **values)


def plan(pupils, *rows, full=False, rejected=(), fields=ALL):
    roster = Roster("oneroster", fields, tuple(rows), tuple(rejected))
    return plan_changes(1, pupils, roster, full=full, today=TODAY)


def test_the_same_roster_again_changes_nothing():
    changes = plan([AMARA, JACK], row(2, AMARA), row(3, JACK))
    assert (changes.created, changes.changed, changes.unchanged) == ((), (), 2)


def test_a_changed_upn_updates_the_pupil_found_by_mis_id_and_never_makes_a_second():
    changes = plan([AMARA], row(2, AMARA, upn="K930000999999"))
    (change,) = changes.changed
    assert change.after == replace(AMARA, upn="K930000999999") and change.kind == UPDATED
    assert changes.created == ()


def test_a_pupil_without_an_mis_id_is_found_by_upn_and_given_it():
    seeded = replace(AMARA, mis_id="")
    (change,) = plan([seeded], row(2, AMARA, tutor_group="7B")).changed
    assert (change.after.mis_id, change.after.tutor_group) == ("1001", "7B")


def test_a_school_changing_mis_keeps_its_pupils_by_upn():
    (change,) = plan([AMARA], row(2, AMARA, mis_id="ARB-77")).changed
    assert change.after.mis_id == "ARB-77" and change.after.id == AMARA.id


def test_a_new_pupil_without_a_upn_gets_kestrels_own_key():
    (created,) = plan([], row(2, AMARA, upn="", mis_id="9")).created
    assert created.upn == roster_key("9") and created.known_upn == ""


def test_fields_a_source_does_not_give_are_left_as_they_are():
    pupil = replace(AMARA, house="Hawk", date_of_birth=date(2015, 1, 1))
    fields = frozenset({"mis_id", "first_name", "last_name", "year_group"})
    changes = plan([pupil], row(2, AMARA, house="", tutor_group="9Z"), fields=fields)
    assert changes.unchanged == 1


def test_a_blank_date_of_birth_keeps_the_one_known():
    pupil = replace(AMARA, date_of_birth=date(2015, 1, 1))
    assert plan([pupil], row(2, AMARA, date_of_birth=None)).unchanged == 1


def test_with_full_a_pupil_not_listed_leaves_and_comes_back_when_listed_again():
    (left,) = plan([AMARA, JACK], row(2, AMARA), full=True).changed
    assert (left.after.id, left.after.left_on, left.kind) == (JACK.id, TODAY, LEFT)
    (back,) = plan([AMARA, left.after], row(2, AMARA), row(3, JACK)).changed
    assert (back.after.left_on, back.kind) == (None, RETURNED)


def test_without_full_nobody_leaves():
    assert plan([AMARA, JACK], row(2, AMARA)).changed == ()


def test_a_pupil_whose_row_was_rejected_is_not_taken_for_a_leaver():
    rejected = Rejected(Where("users.csv", 3), "bad date", mis_id=JACK.mis_id)
    assert plan([AMARA, JACK], row(2, AMARA), full=True, rejected=[rejected]).changed == ()


def test_provisional_pupils_are_never_matched_nor_made_leavers():
    changes = plan([SAM_NEW], row(2, Student(0, 1, "K1", "Sam", "Taylor", 8, "8B")), full=True)
    assert len(changes.created) == 1 and changes.changed == ()


def test_a_past_leaving_date_makes_a_leaver_a_future_one_does_not_apply():
    (change,) = plan([AMARA], row(2, AMARA, left_on=date(2026, 7, 22))).changed
    assert (change.after.left_on, change.kind) == (date(2026, 7, 22), LEFT)


def test_two_pupils_may_swap_upns_but_may_not_take_one_held_outside_the_file():
    swapped = plan([AMARA, JACK], row(2, AMARA, upn=JACK.upn), row(3, JACK, upn=AMARA.upn))
    assert {c.after.upn for c in swapped.changed} == {AMARA.upn, JACK.upn}
    clash = plan([AMARA, JACK], row(2, AMARA, upn=JACK.upn))
    assert [r.reason for r in clash.rejected] == [
        "its UPN is held by another pupil, who is not in this file"
    ]


def test_a_upn_already_matched_by_mis_id_is_not_a_second_match():
    newcomer = Student(0, 1, AMARA.upn, "Ada", "Okafor", 7, "7A", mis_id="2002")
    changes = plan([AMARA], row(2, AMARA, upn="K930000999999"), row(3, newcomer))
    assert [str(r) for r in changes.rejected] == [
        "users.csv line 3: its UPN is the pupil's of users.csv line 2"
    ]


def run(at: datetime, **kw) -> ImportRun:
    return ImportRun(1, "import", "mis", at, at, succeeded=True, **kw)


NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
DAY = timedelta(hours=26)


def test_import_health_is_healthy_stale_or_failed_with_when_and_why():
    assert import_health([], NOW, DAY).status == Health.STALE
    assert import_health([run(NOW - timedelta(hours=3))], NOW, DAY).status == Health.HEALTHY
    assert import_health([run(NOW - timedelta(hours=30))], NOW, DAY).status == Health.STALE
    rejected = import_health([run(NOW, rejected=3)], NOW, DAY)
    assert (rejected.status, rejected.why) == (Health.FAILED, "3 rows were rejected")
    failed = replace(run(NOW), succeeded=False, failure="It has no users.csv.")
    health = import_health([failed], NOW, DAY)
    assert (health.status, health.why, health.last) == (
        Health.FAILED,
        "It has no users.csv.",
        failed,
    )


def test_the_worst_kind_decides_when_an_import_and_a_sync_both_ran():
    sync = replace(run(NOW - timedelta(hours=40)), kind="sync")
    assert import_health([run(NOW), sync], NOW, DAY).status == Health.STALE


def test_merge_suggestions_share_the_name_and_the_date_of_birth_when_it_is_known():
    born = date(2014, 7, 27)
    same = Student(10, 1, "K1", "Sam", "Taylor", 8, "8B", date_of_birth=born)
    other_year = Student(11, 1, "K2", "SAM", "Taylor", 11, "11A", date_of_birth=date(2010, 1, 1))
    by_preferred = Student(12, 1, "K3", "Samuel", "Taylor", 8, "8C", preferred_name="Sam")
    unknown_born = replace(SAM_NEW, date_of_birth=None)
    assert suggestions(unknown_born, [other_year, by_preferred, same, SAM_NEW]) == (
        same,
        by_preferred,
        other_year,
    )
    assert suggestions(replace(SAM_NEW, date_of_birth=born), [other_year, same]) == (same,)
