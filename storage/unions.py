"""Selects of different shapes as one statement: `tagged_union` (storage/repositories.py reads
its rows with `tagged_rows`; storage/direct.py makes reads run together one with it)."""

from collections.abc import Mapping, Sequence

from sqlalchemy import CompoundSelect, Select, cast, literal, literal_column, null, union_all
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeEngine

# A statement of `tagged_union`'s, with where each part's columns are in its rows.
TaggedUnion = tuple[CompoundSelect, dict[str, tuple[int, ...]]]


def tagged_union(
    parts: Mapping[str, Select], order_by: Sequence[ColumnElement] = ()
) -> TaggedUnion:
    """Selects of different shapes as one statement (one round trip instead of one each):
    each row is its part's name, then columns that parts share where their types are the same
    (another part's columns are NULL): `at[name]` says where that part's columns are, in its
    select's order (`tagged_rows` reads them). `order_by`: columns of the parts, as the whole
    result is ordered (each part's rows keep that order among themselves)."""
    slots: list[TypeEngine] = []  # the result's columns after the part's name, by type
    at: dict[str, tuple[int, ...]] = {}
    for name, part in parts.items():
        taken: list[int] = []
        for column in part.selected_columns:
            free = (i for i, kind in enumerate(slots) if i not in taken and _same(kind, column))
            slot = next(free, None)
            if slot is None:
                slots.append(column.type)
                slot = len(slots) - 1
            taken.append(slot)
        at[name] = tuple(slot + 1 for slot in taken)
    labelled: list[tuple[ColumnElement, str]] = []
    branches = []
    for name, part in parts.items():
        own = dict(zip(at[name], part.selected_columns, strict=True))
        row: list[ColumnElement] = [literal(name).label("part")]
        for position, kind in enumerate(slots, start=1):
            label = f"c{position}"
            if position in own:
                labelled.append((own[position], label))
            row.append((own[position] if position in own else cast(null(), kind)).label(label))
        branches.append(part.with_only_columns(*row, maintain_column_froms=True))

    def label_of(wanted: ColumnElement) -> ColumnElement:
        wanted = getattr(wanted, "__clause_element__", lambda: wanted)()
        return literal_column(next(label for c, label in labelled if c.compare(wanted)))

    return union_all(*branches).order_by(*map(label_of, order_by)), at


def _same(kind: TypeEngine, column: ColumnElement) -> bool:
    """Whether one column of the union can carry this column too: read back as `kind` (the
    first part's), which must then read it exactly as its own type would."""
    other = column.type
    return type(kind) is type(other) and getattr(kind, "timezone", None) == getattr(
        other, "timezone", None
    )
