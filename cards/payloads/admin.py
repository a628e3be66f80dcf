"""Payloads of the administration card's buttons: a record to open, a change to one on the
version its card showed (with every input kept by name), a list's entry, a proposal."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from cards.payloads.base import chosen_id, code_of, record_id
from safeguarding.lists import ListKind


def _optional(data: Mapping[str, Any], name: str) -> tuple[int | None, bool]:
    """An id that may be missing: (id, True), (None, True) when missing, (None, False) when
    present but not an id (the whole payload is then refused)."""
    value = data.get(name)
    if value is None:
        return None, True
    found = record_id(value)
    return found, found is not None


@dataclass(frozen=True)
class AdminRef:
    """One record of a section, by id: `FIELD` in a button's data, or `FIELD_id` chosen in
    the card's drop-down (text)."""

    record: int | None  # None: nothing chosen in the drop-down
    code: str = ""
    FIELD: ClassVar[str] = "record"

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        if cls.FIELD in data:
            record = record_id(data.get(cls.FIELD))
            return None if record is None else cls(record, code_of(data))
        picked = data.get(f"{cls.FIELD}_id") or ""
        record = chosen_id(picked)
        return None if picked and record is None else cls(record, code_of(data))


class CategoryRef(AdminRef):
    FIELD = "category"


class StaffRef(AdminRef):
    FIELD = "staff"


class GroupRef(AdminRef):
    FIELD = "group"


class TermRef(AdminRef):
    FIELD = "term"


class ProposalRef(AdminRef):
    FIELD = "proposal"


@dataclass(frozen=True)
class AdminChange:
    """A change from a section's form: the record (None: a new one; `REQUIRED` when the verb
    only changes), the version its card showed (always, with a record), every input."""

    record: int | None
    version: int | None
    values: Mapping[str, Any] = field(default_factory=dict)
    FIELD: ClassVar[str] = "record"
    REQUIRED: ClassVar[bool] = False

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        record, named = _optional(data, cls.FIELD)
        version, versioned = _optional(data, "ver")
        if not (named and versioned) or (cls.REQUIRED and record is None):
            return None
        if record is not None and version is None:
            return None
        return cls(record, version, dict(data))

    @property
    def retire(self) -> bool:
        """A Retire button (True) or Bring back (False)."""
        return self.values.get("retire") is True

    @property
    def code(self) -> str:
        return code_of(self.values)

    @property
    def token(self) -> str:
        """What the card was shown to change (Rights: sent back to save it)."""
        value = self.values.get("confirm")
        return value[:40] if isinstance(value, str) else ""


class CategoryChange(AdminChange):
    FIELD = "category"


class CategoryRetire(AdminChange):
    FIELD, REQUIRED = "category", True


class RightsChange(AdminChange):
    FIELD, REQUIRED = "category", True


class StaffChange(AdminChange):
    FIELD, REQUIRED = "staff", True


class GroupChange(AdminChange):
    FIELD = "group"


class GroupRetire(AdminChange):
    FIELD, REQUIRED = "group", True


@dataclass(frozen=True)
class SchoolChange:
    """The School card's settings, on the version it showed."""

    version: int
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        version = record_id(data.get("ver"))
        return None if version is None else cls(version, dict(data))


@dataclass(frozen=True)
class RightsPick:
    """The Rights card for a category: from a button (`category`), or chosen in the card's
    list (`category_id`, text); none: the card without a category."""

    category: int | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        named, ok = _optional(data, "category")
        if not ok:
            return None
        return cls(named if named is not None else chosen_id(data.get("category_id")))


@dataclass(frozen=True)
class ListEntry:
    """A list (agencies or closing outcomes), the entry to take off (a button's `entry`, or the
    one chosen in the card's drop-down), and what was typed."""

    kind: ListKind
    name: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        kind = data.get("list")
        if kind not in {k.value for k in ListKind}:
            return None
        name = data.get("entry", data.get(f"remove_{kind}", ""))
        return cls(ListKind(kind), name[:200], dict(data)) if isinstance(name, str) else None
