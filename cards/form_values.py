"""What a form shows again when it comes back: the values typed and the message by each field."""

from collections.abc import Mapping, Sequence
from typing import Any

from cards.elements import Card, warning


def typed(values: Mapping[str, Any], name: str) -> str:
    """What was typed in this input ("" when nothing, or not text)."""
    value = values.get(name)
    return value if isinstance(value, str) else ""


def chosen(values: Mapping[str, Any], name: str, allowed: Sequence[str]) -> str:
    """What was chosen, if it is one of the choices (a forged value is not echoed back)."""
    value = typed(values, name)
    return value if value in allowed else ""


def field_error(errors: Mapping[str, str], name: str) -> list[Card]:
    """The message under this field, if it has one."""
    message = errors.get(name)
    return [warning(message)] if message else []
