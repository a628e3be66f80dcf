"""Reading rosters: OneRoster 1.1, School Data Sync v2.1 and MIS reports in SIMS, Arbor and
Bromcom headers; each bad row reported with its file, line and reason; a file that is not a
roster refused with why."""

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bot.roster_files import read_roster_files
from safeguarding.mis_report import columns
from safeguarding.roster import NotARoster, check_roster
from safeguarding.roster_formats import read_roster
from safeguarding.roster_values import read_date, read_year
from tests.support.rosters import oneroster_export, school_pupils

DEMO = Path(__file__).resolve().parents[2] / "demo" / "roster"
TODAY = date(2026, 11, 24)
YEARS = range(7, 14)


def checked(files, years=YEARS):
    return check_roster(read_roster(files), today=TODAY, year_groups=years)


def report(*rows: list[str]) -> dict[str, bytes]:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return {"pupils.csv": out.getvalue().encode()}


SIMS_HEADER = [
    "Adno",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "DOB",
    "Year Taught In",
    "Reg Group",
]


@pytest.mark.parametrize(
    "text, year",
    [("7", 7), ("07", 7), ("Year 7", 7), ("Y7", 7), ("Yr 10", 10), ("NC Year 12", 12)]
    + [("R", 0), ("Reception", 0), ("YR", 0), ("19", None), ("Nursery", None), ("", None)],
)
def test_year_groups_read_as_schools_write_them(text, year):
    assert read_year(text) == year


@pytest.mark.parametrize(
    "text, day_first, expected",
    [
        ("2015-01-31", False, date(2015, 1, 31)),
        ("2015-01-31T00:00:00Z", False, date(2015, 1, 31)),
        ("31/01/2015", False, None),  # OneRoster and SDS dates are ISO 8601
        ("31/01/2015", True, date(2015, 1, 31)),
        ("31-01-2015", True, date(2015, 1, 31)),
        ("31 Jan 2015", True, date(2015, 1, 31)),
        ("30/02/2015", True, None),
        ("2015-02-30", False, None),
    ],
)
def test_dates_read_in_the_forms_each_source_uses(text, day_first, expected):
    assert read_date(text, day_first=day_first) == expected


@pytest.mark.parametrize(
    "name, style",
    [
        ("sims-student-list.csv", "SIMS headers"),
        ("arbor-students.csv", "Arbor headers"),
        ("bromcom-students.csv", "Bromcom headers"),
    ],
)
def test_each_demo_mis_report_reads_every_pupil_whatever_its_header_spellings(name, style):
    raw = read_roster(read_roster_files(DEMO / name))
    roster = check_roster(raw, today=TODAY, year_groups=YEARS)
    assert (raw.source, raw.style, roster.rejected) == ("mis", style, ())
    by_upn = {r.upn: r for r in roster.rows}
    mo = by_upn["K930000023757"]
    assert (mo.mis_id, mo.first_name, mo.preferred_name, mo.last_name) == (
        "1004",
        "Mohammed",
        "Mo",
        "Wright",
    )
    assert (mo.date_of_birth, mo.year_group, mo.tutor_group, mo.house) == (
        date(2015, 4, 6),
        7,
        "7A",
        "Osprey",
    )
    assert by_upn["K930000443464"].left_on == date(2026, 7, 22)
    assert by_upn["K930000000000"].left_on is None


def test_the_demo_oneroster_export_and_sds_set_read_their_pupils():
    oneroster = checked(read_roster_files(DEMO / "oneroster"))
    sds = checked(read_roster_files(DEMO / "sds"))
    assert len(oneroster.rows) == len(sds.rows) == 7  # the teacher is not a pupil
    grace = next(r for r in oneroster.rows if r.mis_id == "1025")
    assert (grace.upn, grace.tutor_group, grace.date_of_birth) == (
        "K930000190056",
        "9A",
        date(2013, 1, 13),
    )
    assert "tutor_group" not in sds.fields and "upn" not in sds.fields
    assert {r.mis_id for r in sds.rows} == {r.mis_id for r in oneroster.rows}


def test_a_realistic_export_of_1500_pupils_reports_each_bad_row_and_reads_the_rest():
    export = oneroster_export(school_pupils(1500), bad_rows=True)
    roster = checked(export.files, years=())
    assert len(roster.rows) == 1500
    found = [(r.where.file, r.where.line, r.reason) for r in roster.rejected]
    bad = sorted(export.bad, key=lambda b: (b.file, b.line))
    assert [(f, line) for f, line, _ in found] == [(b.file, b.line) for b in bad]
    for (_, _, reason), expected in zip(found, bad, strict=True):
        assert expected.reason in reason
    upns = {r.upn for r in roster.rows}
    assert all(p.upn in upns for p in export.pupils)
    assert {r.tutor_group for r in roster.rows} == {p.tutor for p in export.pupils}


def test_an_export_as_a_zip_reads_like_the_folder(tmp_path):
    export = oneroster_export(school_pupils(40))
    files = read_roster_files(export.zipped(tmp_path / "export.zip"))
    assert len(checked(files).rows) == 40


def test_a_report_under_a_title_line_is_found_by_its_header():
    files = report(
        ["Student list: Kestrel Demo Academy"],
        SIMS_HEADER,
        ["1001", "K930000000000", "Okafor", "Amara", "01/01/2015", "Year 7", "7A"],
    )
    (row,) = checked(files).rows
    assert (row.where.line, row.first_name, row.year_group) == (3, "Amara", 7)


def test_headers_match_by_letters_alone_and_prefer_the_legal_name():
    found = columns(["LEGAL_FORENAME", "Forename", "date of birth", "NC Year", "Reg. Group"])
    assert found == {
        "first_name": "LEGAL_FORENAME",
        "date_of_birth": "date of birth",
        "year_group": "NC Year",
        "tutor_group": "Reg. Group",
    }


def test_a_pupil_in_a_year_group_the_school_does_not_have_is_rejected():
    files = report(SIMS_HEADER, ["1", "", "Okafor", "Amara", "01/01/2015", "Year 5", "5A"])
    files["pupils.csv"] += b"2,,Lewis,Jack,01/01/2013,Year 9,9A\r\n"
    roster = checked(files)
    assert [str(r) for r in roster.rejected] == [
        "pupils.csv line 2: year group 5 is not one of the school's (7 to 13)"
    ]


def test_a_row_whose_text_is_not_utf8_is_reported_and_the_others_read():
    files = report(SIMS_HEADER, ["1", "", "Okafor", "Amara", "01/01/2015", "7", "7A"])
    files["pupils.csv"] += "2,,Zoë,Roberts,01/01/2015,7,7C\r\n".encode("latin-1")
    files["pupils.csv"] += b"3,,Lewis,Jack,01/01/2015,7,7C\r\n"
    roster = checked(files)
    assert [r.mis_id for r in roster.rows] == ["1", "3"]
    assert [str(r) for r in roster.rejected] == ["pupils.csv line 3: its text is not UTF-8"]


def test_reasons_never_quote_a_name_or_a_date_of_birth():
    files = report(SIMS_HEADER, ["1", "", "Okafor", "Amara", "31/02/2015", "7", "7A"])
    files["pupils.csv"] += b"2,,Lewis,Jack,01/01/2015,7,7C\r\n3,,Ellis,Harry,01/01/2015,7,7C\r\n"
    (rejected,) = checked(files).rejected
    assert "Okafor" not in str(rejected) and "31/02" not in str(rejected)


@pytest.mark.parametrize(
    "files, why",
    [
        (report(["Name", "Class"], ["Amara Okafor", "7A"]), "has no column for the first name"),
        (report(SIMS_HEADER), "no pupils"),
        ({"notes.txt": b""}, "is empty"),
        ({}, "no CSV file"),
        ({"a.csv": b"x", "b.csv": b"y"}, "2 CSV files"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_with_why(files, why):
    with pytest.raises(NotARoster) as refused:
        checked(files)
    assert why in refused.value.reason


def test_a_report_with_more_than_half_its_rows_bad_is_not_a_roster():
    files = report(
        SIMS_HEADER,
        ["1", "", "Okafor", "Amara", "01/01/2015", "Year 7", "7A"],
        ["2", "", "Lewis", "", "01/01/2015", "Year 7", "7A"],
        ["", "", "Roberts", "Zoë", "01/01/2015", "Year 7", "7A"],
    )
    with pytest.raises(NotARoster) as refused:
        checked(files)
    assert refused.value.code == "mostly_bad"
    assert "2 of its 3" in refused.value.reason


def test_a_delta_export_or_one_with_several_schools_is_refused():
    files = dict(oneroster_export(school_pupils(5)).files)
    delta = {**files, "manifest.csv": files["manifest.csv"].replace(b"users,bulk", b"users,delta")}
    with pytest.raises(NotARoster, match="delta"):
        checked(delta)
    orgs = files["orgs.csv"] + b"org-9,,,Second Academy,school,,trust-1\r\n"
    with pytest.raises(NotARoster, match="2 schools"):
        checked({**files, "orgs.csv": orgs})


def test_a_zip_with_two_files_of_one_name_is_refused(tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a/users.csv", "x")
        archive.writestr("b/users.csv", "y")
    with pytest.raises(NotARoster, match="two files called users.csv"):
        read_roster_files(path)


def test_a_path_that_is_not_there_is_refused_not_raised(tmp_path):
    with pytest.raises(NotARoster, match="no file or folder"):
        read_roster_files(tmp_path / "missing.csv")
