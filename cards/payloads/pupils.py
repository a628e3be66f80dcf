"""Payloads of the pupil record: what was typed to find a pupil, a record page, a grant."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from cards.payloads.base import chosen_id, code_of, record_id, token_of


@dataclass(frozen=True)
class Words:
    """What was typed to find a pupil (`student <name>`, Find); any text, as the input holds it."""

    text: str = ""
    words: str = ""  # a token for the name typed after `student` (held by Kestrel)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data.get("text") or ""), token_of(data))


@dataclass(frozen=True)
class RecordPage:
    """A pupil's record from an entry (`offset`, any whole number: the use case keeps it in
    range), with the filter typed (`values`) and a code if one was."""

    student: int
    offset: int = 0
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        student, offset = record_id(data.get("student")), data.get("offset")
        if student is None:
            return None
        return cls(student, offset if type(offset) is int else 0, code_of(data), dict(data))


@dataclass(frozen=True)
class GrantRef:
    """The access an alert gave one colleague (`staff`) to one incident."""

    incident: int
    staff: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident, staff = record_id(data.get("incident")), record_id(data.get("staff"))
        return None if incident is None or staff is None else cls(incident, staff)


@dataclass(frozen=True)
class MergeChoice:
    """A pupil added by hand (`student`) and the roster's pupil chosen for them (`into`: a
    button's id, or the text of a choice), with the name typed to find one (`merge_query`)."""

    student: int
    into: int | None = None
    query: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        student, into = record_id(data.get("student")), data.get("into")
        if student is None:
            return None
        chosen = record_id(into) if type(into) is int else chosen_id(into)
        if into not in (None, "") and chosen is None:
            return None
        return cls(student, chosen, str(data.get("merge_query") or "")[:100])
