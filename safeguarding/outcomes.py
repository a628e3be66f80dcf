"""What a use case answers: typed outcomes the edge maps to cards, one kind per situation."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from safeguarding.school import School

V = TypeVar("V")


@dataclass(frozen=True)
class Done(Generic[V]):
    """It worked (or there was nothing to change): show `view`, with `notice` above it."""

    view: V
    notice: str = ""


@dataclass(frozen=True)
class Stale(Generic[V]):
    """The card was out of date: what happened first, and the record as it is now."""

    what_changed: str
    view: V


@dataclass(frozen=True)
class NeedsCode:
    """Restricted or historic: ask for the authenticator code (`error` after a wrong one)."""

    incident: int
    enrolled: bool
    error: str = ""


@dataclass(frozen=True)
class Invalid(Generic[V]):
    """The input breaks a rule: the form again (`view` keeps what was typed), a message a field."""

    errors: Mapping[str, str]
    view: V


@dataclass(frozen=True)
class Confirm(Generic[V]):
    """Alerting these colleagues would let them see the record: name them, send again."""

    names: tuple[str, ...]
    token: str
    view: V


@dataclass(frozen=True)
class Refused:
    """Not available to this member of staff (refused and audited in the press)."""

    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SchoolsView:
    """A trust's colleague's schools, and the one this press works in (`school`)."""

    schools: tuple[School, ...]
    working: School
    switched: bool = False  # this press chose it
