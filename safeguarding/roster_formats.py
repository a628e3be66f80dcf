"""Which kind of roster a set of files is, and its pupils: a OneRoster 1.1 bulk export, a School
Data Sync v2.1 set (both a folder or a zip of CSV files), or one MIS report (a CSV file)."""

from collections.abc import Mapping

from safeguarding.mis_report import read_mis_report
from safeguarding.oneroster import read_oneroster, read_sds
from safeguarding.roster import NotARoster, RawRoster

SOURCES = {"oneroster": "OneRoster", "sds": "School Data Sync", "mis": "MIS report"}


def read_roster(files: Mapping[str, bytes]) -> RawRoster:
    """The pupils in these files (by file name); NotARoster says why not."""
    lowered = {name.lower(): content for name, content in files.items()}
    if "manifest.csv" in lowered:
        return read_oneroster(lowered)
    if "users.csv" in lowered:
        return read_sds(lowered) if "roles.csv" in lowered else read_oneroster(lowered)
    reports = sorted(name for name in files if name.lower().endswith((".csv", ".txt")))
    if not reports:
        raise NotARoster("There is no CSV file in it.", "no_csv")
    if len(reports) > 1:
        raise NotARoster(
            f"It has {len(reports)} CSV files and no users.csv: give one MIS report, or a "
            "OneRoster or School Data Sync export.",
            "several_files",
        )
    return read_mis_report(reports[0], files[reports[0]])
