"""The one place where failures become what a user sees: friendly words, never exception text."""

import logging
import traceback
import uuid

from cards.elements import Card
from cards.notice import not_recognised_card, notice_card
from safeguarding.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAvailable,
    NotPermitted,
    NotRecognised,
)

log = logging.getLogger("kestrel.errors")


def log_unexpected(error: BaseException, what: str) -> str:
    """Log a failure by type and stack only (messages can carry pupil data); returns a reference."""
    reference = uuid.uuid4().hex[:8]
    # file:line and function only: even source lines can hold literals we would rather not log.
    stack = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    )
    log.error("%s %s (ref %s)\n%s", what, type(error).__name__, reference, stack)
    return reference


def error_card(error: Exception) -> Card:
    """The card for a failure; unexpected ones are logged with a reference the user can quote."""
    if isinstance(error, NotRecognised):
        return not_recognised_card()
    if isinstance(error, NotAvailable | NotPermitted):
        return notice_card("Not available", "That record is not available.")
    if isinstance(error, InvalidInput):
        return notice_card("Please check", "Some of what was sent could not be used.")
    if isinstance(error, Conflict):
        return notice_card(
            "Changed meanwhile", "Somebody else changed this first. Please look again."
        )
    if isinstance(error, DomainError):
        return notice_card("Not possible", "Kestrel could not do that.")
    reference = log_unexpected(error, "unexpected")
    return notice_card(
        "Something went wrong",
        "Kestrel could not finish that. Nothing has been changed. Please try again.",
        reference=reference,
    )
