"""Core statements run on the database driver's own connection, compiled once.

`Connection.execute` spends about 0.15 ms of Python on a statement before and after the driver's
own call (which takes 0.01 ms for a lookup by key on SQLite): the statement's cache key walked,
an execution context built, parameters and every row processed through layers of wrappers
(bench/README.md, issue 16). A press makes ten to twenty statements, so that was about half of
its CPU. Here a statement is compiled once per dialect (`_Plan`), and each run builds only its
parameters (SQLAlchemy's own `construct_expanded_state`: defaults, expanding IN lists, bind
processors) and its rows (SQLAlchemy's `Row`, with the columns' own result processors), and
calls the driver:
- **SQLite**: the sqlite3 connection under `storage.sqlite_inline`, through its `run` (a
  statement that meets another process's lock waits on a worker thread, as there).
- **PostgreSQL**: SQLAlchemy's asyncpg adapter's own prepare-and-execute, which begins the
  transaction the first time, keeps the connection's prepared statements and turns asyncpg's
  errors into DBAPI errors.

What `Connection.execute` gives that matters is kept: the statement runs on the session's
connection in its transaction; a failure goes through SQLAlchemy's own handling (its error
types such as `IntegrityError`, without the values as the engines hide them, and a lost
connection invalidated, so the pool makes a new one); `before_cursor_execute` and
`after_cursor_execute` listeners are called (the tests and `bench.profile` count statements;
what a listener returns is not used).
A statement whose defaults SQLAlchemy would compute in Python as it runs (an INSERT leaving out
a column with a `default=`) is refused: every value is given.

`execute_together` runs several reads as one statement (a UNION ALL of them, one round trip on
PostgreSQL), each read's rows as its own statement would give them (storage/repositories.py
`read_together` gathers them).
"""

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Integer, Row, bindparam, func, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.exc import NoResultFound
from sqlalchemy.sql import ClauseElement, ColumnElement, CompoundSelect, Select, operators
from sqlalchemy.sql.elements import (
    BindParameter,
    ColumnClause,
    Label,
    UnaryExpression,
    _textual_label_reference,
)
from sqlalchemy.sql.selectable import CTE
from sqlalchemy.sql.visitors import iterate, replacement_traverse
from sqlalchemy.util import greenlet_spawn

from storage.unions import tagged_union

PLANS = 512  # compiled statements kept per process (every statement Kestrel runs is one of few)
FORMS = 1024  # statements' SQL for given lengths of their lists, kept per process


class _Plan:
    """A statement compiled for a dialect: its SQL and positional values for given
    parameters, its rows' metadata and result processors."""

    __slots__ = (
        "compiled",
        "binds",
        "metadata",
        "processors",
        "lists",
        "literals",
        "defaults",
        "fixed",
    )

    def __init__(self, statement: ClauseElement, dialect: Dialect, names: tuple | None) -> None:
        compiled = self.compiled = statement.compile(dialect=dialect, column_keys=names)
        prefetched = (*compiled.insert_prefetch, *compiled.update_prefetch)
        if prefetched:  # defaults SQLAlchemy computes in Python as it runs a statement: none here
            missing = ", ".join(column.key for column in prefetched)
            raise ValueError(f"a statement run directly gives every column its value: {missing}")
        returned = compiled._result_columns  # noqa: SLF001 - what CursorResult reads too
        self.metadata = self.processors = None
        if returned:
            self.metadata = SimpleResultMetaData([c.keyname for c in returned])
            each = tuple(c.type._cached_result_processor(dialect, None) for c in returned)  # noqa: SLF001
            self.processors = each if any(each) else None
        self.binds = {
            name: bind
            for name, bind in compiled._bind_processors.items()  # noqa: SLF001
            if callable(bind)
        }
        binds = compiled.bind_names
        # Lists (expanding IN) change only how many placeholders the SQL has, and a parameter
        # rendered into the SQL as a literal (`literal_execute`: a LIMIT, so that PostgreSQL
        # plans the statement once, storage/dashboard.py) only that literal: its SQL is kept
        # for each set of lengths and literals. A value computed when run or a list of tuples
        # makes every run build it afresh.
        self.lists = tuple(dict.fromkeys(name for bind, name in binds.items() if bind.expanding))
        self.literals = tuple(
            dict.fromkeys(binds[bind] for bind in compiled.literal_execute_params)
        )
        self.fixed = not any(
            bind.callable or bind.type._is_tuple_type  # noqa: SLF001
            for bind in binds
        )
        self.defaults = {name: bind.value for bind, name in binds.items() if not bind.required}

    def bound(self, params: dict) -> tuple[str, tuple]:
        """The SQL and its positional values for `params`."""
        defaults = self.defaults
        try:
            # (a list may be the statement's own: `column.in_((1, 2))`)
            lengths = tuple(
                len(params[name] if name in params else defaults[name]) for name in self.lists
            )
            literals = tuple(
                params[name] if name in params else defaults[name] for name in self.literals
            )
        except KeyError:  # a list or a literal missing: SQLAlchemy says which
            lengths = None
        if not self.fixed or lengths is None:
            return self._expanded(params)[:2]
        key = (self, lengths, literals)
        try:
            form = _forms.get(key)
        except TypeError:  # a literal that is a list: built afresh
            return self._expanded(params)[:2]
        if form is None:
            _, _, form = self._expanded(params)
            if len(_forms) >= FORMS:
                _forms.pop(next(iter(_forms)))
            _forms[key] = form
        sql, recipe = form
        values = []
        try:
            for name, index, bind in recipe:
                value = params[name] if name in params else defaults[name]
                if index is not None:
                    value = value[index]
                values.append(value if bind is None else bind(value))
        except KeyError:  # a parameter missing: SQLAlchemy says which
            return self._expanded(params)[:2]
        return sql, tuple(values)

    def _expanded(self, params: dict) -> tuple[str, tuple, tuple]:
        """SQLAlchemy's own expansion of `params`: the SQL, the values, and how to take the
        values from parameters of the same lengths (name, index in its list, bind processor)."""
        state = self.compiled.construct_expanded_state(params, escape_names=False)
        binds = {**self.binds, **state.processors} if state.processors else self.binds
        names = state.positiontup or ()
        values = tuple(
            binds[name](value) if name in binds else value
            for name, value in zip(names, state.positional_parameters, strict=True)
        )
        origin = {
            expanded: (name, index)
            for name, each in state.parameter_expansion.items()
            for index, expanded in enumerate(each)
        }
        recipe = tuple((*origin.get(name, (name, None)), binds.get(name)) for name in names)
        return state.statement, values, (state.statement, recipe)


_plans: dict[tuple, _Plan] = {}
_forms: dict[tuple, tuple[str, tuple]] = {}


def _plan(statement: ClauseElement, dialect: Dialect, params: dict) -> _Plan:
    # An INSERT or UPDATE sets the columns its parameters name, unless it says which (as
    # `Connection.execute` compiles it): one plan for each set of names.
    names = tuple(sorted(params)) if statement.is_dml else None
    key = (statement, dialect.name, names)
    plan = _plans.get(key)
    if plan is None:
        plan = _Plan(statement, dialect, names)
        if len(_plans) >= PLANS:
            _plans.pop(next(iter(_plans)))  # the oldest: a statement built per call, if any
        _plans[key] = plan
    return plan


class Rows:
    """A statement's outcome, fetched: its rows (SQLAlchemy `Row`s) and the rows it changed."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def all(self) -> list[Row]:
        return self.rows

    def scalars(self) -> list:
        return [row[0] for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Row:
        if len(self.rows) != 1:
            raise NoResultFound(f"expected one row, found {len(self.rows)}")
        return self.rows[0]


class _Fetched:
    """What the cursor listeners are handed: the statement's rows, as the adapted cursors
    hold them (`_rows`)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence, rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount


async def execute(connection: Connection, statement: ClauseElement, params: dict) -> Rows:
    """`statement` with `params` on `connection` (a session's, in its transaction), all rows
    fetched."""
    plan = _plan(statement, connection.dialect, params)
    sql, values = plan.bound(params)
    data, rowcount = await _call(connection, sql, values, many=False)
    metadata = plan.metadata
    if metadata is None:
        return Rows([], rowcount)
    index, processors = metadata._key_to_index, plan.processors  # noqa: SLF001
    return Rows([Row(metadata, processors, index, row) for row in data], rowcount)


async def execute_many(connection: Connection, statement: ClauseElement, rows: list[dict]) -> None:
    """`statement` (a write returning nothing) once for each of `rows`, all with the same
    names, in one call to the driver (on PostgreSQL one round trip)."""
    if not rows:
        return
    plan = _plan(statement, connection.dialect, rows[0])
    bound = [plan.bound(row) for row in rows]
    sql = bound[0][0]
    if plan.metadata is not None or any(other != sql for other, _ in bound):
        raise ValueError("execute_many runs one SQL statement that returns no rows")
    await _call(connection, sql, [values for _, values in bound], many=True)


async def _call(connection: Connection, sql: str, values, *, many: bool) -> tuple[Sequence, int]:
    """The driver's call, with the cursor listeners and SQLAlchemy's errors (see the module)."""
    dialect = connection.dialect
    events = connection._has_events or connection.engine._has_events  # noqa: SLF001
    if events:
        connection.dispatch.before_cursor_execute(connection, None, sql, values, None, many)
    fairy = connection.connection
    data: Sequence = ()
    try:
        if dialect.name == "sqlite":
            if many:
                rowcount = await fairy.driver_connection.execute_many(sql, values)
            else:
                data, rowcount = await fairy.driver_connection.fetch_all(sql, values)
        else:
            cursor = fairy.dbapi_connection.cursor()
            if many:
                await cursor._executemany(sql, values)  # noqa: SLF001 - see the module
            else:
                await cursor._prepare_and_execute(sql, values)  # noqa: SLF001
                data = cursor._rows  # noqa: SLF001
            rowcount = cursor.rowcount
    except Exception as error:  # noqa: BLE001 - SQLAlchemy's own handling, which re-raises
        # Its error types and, for a lost connection, the connection invalidated (the pool
        # then makes a new one), as `Connection.execute` does; the engine hides the values.
        handle = connection._handle_dbapi_exception  # noqa: SLF001
        await greenlet_spawn(handle, error, sql, values, None, None)
        raise  # (never reached: the handler raises)
    if events:
        fetched = _Fetched(data, rowcount)
        connection.dispatch.after_cursor_execute(connection, fetched, sql, values, None, many)
    return data, rowcount


# Reads run together (`execute_together`): the statements of one batch as one UNION ALL.
TOGETHER = 256  # batches' statements kept per process (a batch is the same few reads each time)
_ORDINAL = "k_ordinal"


class _Together:
    """Statements made one: each part's statement with its parameters renamed `t<i>_<name>`,
    its columns in `tagged_union`'s slots (storage/unions.py), and, where it has an
    ORDER BY, its rows' places in that order (a union keeps no order of its own)."""

    __slots__ = ("union", "picks", "ordinals")

    def __init__(self, statements: tuple[Select | CompoundSelect, ...]) -> None:
        parts, ordered = {}, []
        for i, statement in enumerate(statements):
            part = _renamed(statement, f"t{i}_")
            order = part._order_by_clauses  # noqa: SLF001 - the statement's own ORDER BY
            if isinstance(part, CompoundSelect):  # ordered by its result's columns, by name
                found = part.subquery()
                ordinal = _ordinal([_by_name(found, clause) for clause in order])
                parts[str(i)] = select(*found.c, *([ordinal] if order else []))
            else:
                part = part.add_columns(_ordinal(order)) if order else part
                parts[str(i)] = select(*part.subquery().c)
            ordered.append(bool(order))
        self.union, at = tagged_union(parts)
        self.picks, self.ordinals = [], []
        for i, has_order in enumerate(ordered):
            positions = at[str(i)]
            self.ordinals.append(positions[-1] if has_order else None)
            self.picks.append(positions[:-1] if has_order else positions)


def _ordinal(order: Sequence[ColumnElement]) -> ColumnElement:
    return func.row_number(type_=Integer()).over(order_by=order).label(_ORDINAL)


def _by_name(found, clause: ColumnElement) -> ColumnElement:
    """A union's ORDER BY item (a column of its result named, ascending or descending) said
    of the subquery `found` made of that union."""
    if isinstance(clause, UnaryExpression):
        column = found.c[clause.element.name]
        return column.desc() if clause.modifier is operators.desc_op else column
    return found.c[clause.name]


def _compound_order_ok(statement: CompoundSelect) -> bool:
    """Its ORDER BY names its result's columns (as `tagged_union` orders), nothing else."""
    names = set(statement.selected_columns.keys())
    for clause in statement._order_by_clauses:  # noqa: SLF001
        if isinstance(clause, UnaryExpression):
            if clause.modifier not in (operators.desc_op, operators.asc_op):
                return False
            clause = clause.element
        if not isinstance(clause, ColumnClause) or clause.name not in names:
            return False
    return True


def _renamed(statement: Select, prefix: str) -> Select:
    """The statement with each named parameter renamed `prefix + name`, and each anonymous
    one (a value the statement holds) made anew: no two parts share a parameter."""

    def renamed(element):
        if not isinstance(element, BindParameter):
            return None
        return bindparam(
            None if element.unique else prefix + element.key,
            element.value,
            type_=element.type,
            unique=element.unique,
            required=element.required,
            callable_=element.callable,
            expanding=element.expanding,
            literal_execute=element.literal_execute,
        )

    return replacement_traverse(statement, {}, renamed)


def can_go_together(statement: ClauseElement) -> bool:
    """A plain SELECT, or a UNION of them, that can be one part of a union: no lock, no CTE of
    its own (a union has one WITH for all), ordered (if at all) by its own columns'
    expressions, not by labels (a UNION: by its result's columns)."""
    known = _together_ok.get(statement)
    if known is None:
        order = getattr(statement, "_order_by_clauses", ())
        known = (
            isinstance(statement, Select | CompoundSelect)
            and getattr(statement, "_for_update_arg", None) is None
            and not any(isinstance(e, CTE) for e in iterate(statement))
            and (
                _compound_order_ok(statement)
                if isinstance(statement, CompoundSelect)
                # (its ordinal is a column of its own: DISTINCT would then keep every row)
                else not (order and statement._distinct)  # noqa: SLF001
                and not any(
                    isinstance(e, Label | _textual_label_reference)
                    for clause in order
                    for e in iterate(clause)
                )
            )
        )
        if len(_together_ok) >= PLANS:
            _together_ok.pop(next(iter(_together_ok)))
        _together_ok[statement] = known
    return known


_together_ok: dict[ClauseElement, bool] = {}
_togethers: dict[tuple, _Together] = {}


async def execute_together(
    connection: Connection, reads: Sequence[tuple[Select, dict]]
) -> list[Rows]:
    """Each read (a statement `can_go_together`, its parameters) as `execute` would give it,
    all in one statement: one round trip. Each part's rows are rows of its own statement (its
    columns' names and result processors) in its own order."""
    if len(reads) == 1:
        return [await execute(connection, *reads[0])]
    dialect = connection.dialect
    statements = tuple(statement for statement, _ in reads)
    together = _togethers.get(statements)
    if together is None:
        together = _Together(statements)
        if len(_togethers) >= TOGETHER:
            _togethers.pop(next(iter(_togethers)))
        _togethers[statements] = together
    params = {
        f"t{i}_{name}": value for i, (_, own) in enumerate(reads) for name, value in own.items()
    }
    plan = _plan(together.union, dialect, params)
    sql, values = plan.bound(params)
    data, _ = await _call(connection, sql, values, many=False)
    found: list[list] = [[] for _ in reads]
    for row in data:
        found[int(row[0])].append(row)
    results = []
    for i, (statement, own) in enumerate(reads):
        rows, ordinal = found[i], together.ordinals[i]
        if ordinal is not None:
            rows.sort(key=itemgetter(ordinal))
        own_plan = _plan(statement, dialect, own)
        metadata, processors = own_plan.metadata, own_plan.processors
        index, picks = metadata._key_to_index, together.picks[i]  # noqa: SLF001
        results.append(
            Rows(
                [Row(metadata, processors, index, tuple(row[p] for p in picks)) for row in rows],
                len(rows),
            )
        )
    return results
