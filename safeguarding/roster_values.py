"""Values as rosters write them: year groups (7, Year 7, Y7, R) and dates (ISO 8601, or as
schools write them: 31/01/2015, 31 Jan 2015)."""

import re
from datetime import date

_YEAR = re.compile(r"(?:year|yr|y|ncyear|nc)?0*(\d{1,2})")
RECEPTION = frozenset({"r", "rec", "reception", "yr", "yearr", "yearreception", "kg"})
_UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_WORDY_DATE = re.compile(r"(\d{1,2})[ \-]([a-z]{3})[a-z]*[ \-](\d{4})")


def read_year(text: str) -> int | None:
    """A year group as schools write it: 7, 07, Year 7, Y7, NC Year 7; R or Reception is 0."""
    word = re.sub(r"[\s.]", "", text.lower())
    if word in RECEPTION:
        return 0
    found = _YEAR.fullmatch(word)
    return int(found.group(1)) if found and int(found.group(1)) <= 14 else None


def read_date(text: str, *, day_first: bool) -> date | None:
    """A date: ISO 8601 (YYYY-MM-DD, a time after it ignored); with `day_first` also
    31/01/2015, 31-01-2015, 31.01.2015 and 31 Jan 2015. None when it is not one."""
    text = text.strip().lower()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([t ].*)?", text):
            return date.fromisoformat(text[:10])
        if not day_first:
            return None
        if found := _UK_DATE.fullmatch(text):
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
        if (found := _WORDY_DATE.fullmatch(text)) and found.group(2) in _MONTHS:
            return date(int(found.group(3)), _MONTHS[found.group(2)], int(found.group(1)))
    except ValueError:
        return None
    return None
