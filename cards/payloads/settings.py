"""Payloads of the alerts, dashboard, settings, elevation and exclusion buttons."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cards.payloads.base import chosen_id, code_of, record_id


@dataclass(frozen=True)
class AlertId:
    """One alert (Mark as read)."""

    alert: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        alert = record_id(data.get("alert"))
        return None if alert is None else cls(alert)


@dataclass(frozen=True)
class SchoolChoice:
    """Work in one of one's schools (`to`; `school`, on every button of a trust's colleague,
    names the school the card was shown in)."""

    to: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        to = record_id(data.get("to"))
        return None if to is None else cls(to)


@dataclass(frozen=True)
class Pages:
    """The dashboard's sections at their first rows (More: alerts, assigned, history and, for
    the DSL team, new concerns); the first page otherwise."""

    pages: tuple[int, ...] = (0, 0, 0, 0)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        pages = data.get("pages")
        wellformed = isinstance(pages, list) and len(pages) in (3, 4)
        if wellformed and all(type(p) is int for p in pages):
            return cls(tuple(pages))
        return cls()


@dataclass(frozen=True)
class SettingsForm:
    """The Settings card's toggles (an Input.Toggle sends "true" or "false")."""

    hide_names: bool

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data.get("hide_names", "false")).lower() == "true")


@dataclass(frozen=True)
class CodeEntry:
    """An authenticator code typed on Settings or the enrolment card."""

    code: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(code_of(data))


@dataclass(frozen=True)
class ColleagueRef:
    """A colleague chosen on a card (None: none chosen, or not an id)."""

    staff: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(chosen_id(data.get("staff_id")))


@dataclass(frozen=True)
class ExclusionForm:
    """The exclusion form: the pupil search typed, and the pupil, colleague and reason chosen
    (None or "" where nothing usable was chosen: the form comes back)."""

    query: str = ""
    student: int | None = None
    staff: int | None = None
    reason: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(
            str(data.get("pupil_query") or "")[:100],
            chosen_id(data.get("student_id")),
            chosen_id(data.get("staff_id")),
            str(data.get("reason") or "")[:40],
        )


@dataclass(frozen=True)
class ExclusionRef:
    """One exclusion (Lift); None when the button's id could not be read."""

    exclusion: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(record_id(data.get("exclusion")))
