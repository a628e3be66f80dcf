"""Finding pupils by name: case- and accent-blind, on any part of first, last or preferred name.

Names are reduced to tokens (`Zoë O'Brien-Hughes` -> zoe, o, brien, obrien, hughes, ...); a query
matches a pupil when each of its words starts one of the pupil's tokens, so storage can answer
with indexed range scans instead of reading every name.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii

from safeguarding.school import Student

MAX_RESULTS = 15
PROVISIONAL = "(new, not yet confirmed)"  # a pupil added by hand, not yet in the roster
LEFT = "(left)"  # a leaver: found by the DSL team only
MAX_TERMS = 4
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def normalise(text: str) -> str:
    """Lower case, every Latin letter folded to ASCII: 'Zoë' -> 'zoe', 'Łukasz' -> 'lukasz',
    'Øyvind' -> 'oyvind', 'Đorđe' -> 'dorde'; other scripts as typed, less their accents."""
    folded = "".join(_latin_folded(c) for c in text)
    decomposed = unicodedata.normalize("NFKD", folded.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _latin_folded(character: str) -> str:
    # Decomposition alone leaves Ł, Ø, Đ, Þ, Æ as they are (they are letters of their own, not
    # a letter plus an accent): anyascii knows them all. Other scripts are not transliterated,
    # so a name typed in its own script matches only itself.
    if character.isascii() or not unicodedata.name(character, "").startswith("LATIN"):
        return character
    return anyascii(character)


def name_tokens(*names: str) -> frozenset[str]:
    """Every searchable token of a pupil's names, joined forms of hyphens and apostrophes too."""
    tokens: set[str] = set()
    for word in _WORD.findall(normalise(" ".join(names))):
        parts = re.split(r"['’\-]", word)
        tokens.update(p for p in parts if p)
        tokens.add("".join(parts))
    return frozenset(t[:100] for t in tokens)


def sort_key(first_name: str, last_name: str) -> str:
    """How pupils are listed: by last name, then first name, case- and accent-blind."""
    return f"{normalise(last_name)[:100]}\x1f{normalise(first_name)[:100]}"


def query_terms(text: str) -> list[str]:
    """The words of a typed query, as prefixes to match; at most four, longest first."""
    words = {w for w in (re.sub(r"['’\-]", "", w) for w in _WORD.findall(normalise(text))) if w}
    return sorted(words, key=len, reverse=True)[:MAX_TERMS]


@dataclass(frozen=True)
class StudentMatch:
    """A pupil to pick from a list: enough to tell namesakes apart, nothing of their record."""

    student_id: int
    name: str
    year_group: int
    tutor_group: str

    @classmethod
    def of(cls, student: Student) -> "StudentMatch":
        """The pick-list line for a pupil (preferred first name when there is one); a pupil
        added by hand says so, so that nobody takes them for the roster's, and so does a
        leaver."""
        first = student.preferred_name or student.first_name
        name = f"{first} {student.last_name}"
        name = f"{name} {PROVISIONAL}" if student.provisional else name
        name = f"{name} {LEFT}" if student.left else name
        return cls(student.id, name, student.year_group, student.tutor_group)
