"""CSV files of a roster export read into records: each with the line it starts on, and whether
its text was UTF-8 (a record that was not is reported, the others still read).

The standard csv module does the reading; the file is decoded once, keeping undecodable bytes
as surrogates, so one bad line costs that line and not the file.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from safeguarding.roster import NotARoster, Where

_UNDECODED = re.compile("[\udc80-\udcff]")  # how "surrogateescape" keeps bytes not UTF-8
HEADER_SEARCH = 5  # a report may have a title or a blank line or two above its header


@dataclass(frozen=True)
class Record:
    """One record: its values by header, where it starts, and whether it read as UTF-8."""

    values: Mapping[str, str]
    where: Where
    readable: bool = True

    def get(self, name: str) -> str:
        """A value ("" when missing, or when the record's text was not UTF-8)."""
        return self.values.get(name, "") if self.readable else ""

    def code(self, name: str) -> str:
        """A code-like value (a role, an id, a status) even from an unreadable record, lower
        case: enough to tell whose record it is."""
        return self.values.get(name, "").strip().lower()


@dataclass(frozen=True)
class Table:
    """A CSV file: its header row (as written) and its records."""

    name: str
    header: tuple[str, ...]
    records: tuple[Record, ...]


def text_of(content: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark dropped) or UTF-16 with its mark; bytes that
    are not UTF-8 are kept as surrogates so that their records can be reported."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    return content.decode("utf-8-sig", errors="surrogateescape")


def table(name: str, content: bytes, *, header_at: int = 0) -> Table:
    """The file's records under its header (the row at `header_at`, 0 for the first)."""
    text = text_of(content)
    rows = list(_rows(name, text))
    if len(rows) <= header_at:
        raise NotARoster(f"{name} is empty.", "empty")
    header = tuple(h.strip() for h in rows[header_at][1])
    clean = not _UNDECODED.search(text)  # most files: no record to look at twice
    records = []
    for where, cells in rows[header_at + 1 :]:
        if not any(c.strip() for c in cells):
            continue  # a blank line
        readable = clean or not any(_UNDECODED.search(cell) for cell in cells)
        records.append(Record(dict(zip(header, cells, strict=False)), where, readable))
    return Table(name, header, tuple(records))


def first_rows(name: str, content: bytes) -> list[list[str]]:
    """The first few rows as cells (to find a report's header row)."""
    found = []
    for _, cells in _rows(name, text_of(content)):
        found.append(cells)
        if len(found) >= HEADER_SEARCH:
            break
    return found


def _rows(name: str, text: str) -> Iterator[tuple[Where, list[str]]]:
    """Each row with the line it starts on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    start = 1
    try:
        for cells in reader:
            yield Where(name, start), cells
            start = reader.line_num + 1
    except csv.Error as error:
        where = Where(name, reader.line_num)
        raise NotARoster(f"{where} is not CSV ({error}).", "not_csv") from None


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the tabs or semicolons some exports use (judged on the first line)."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)

    class Export(csv.excel):
        pass

    Export.delimiter = delimiter if first.count(delimiter) else ","
    return Export
