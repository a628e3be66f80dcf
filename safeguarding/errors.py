"""Domain errors: the bot maps each kind to one friendly card, in one place."""

from datetime import datetime


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class NotRecognised(DomainError):
    """The caller is not a member of staff Kestrel knows (unknown user, guest, other tenant)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAvailable(DomainError):
    """The record does not exist or this member of staff may not see it (deliberately the same)."""


class NotPermitted(DomainError):
    """This member of staff may not do this (their own records, shown plainly)."""


class InvalidInput(DomainError):
    """The input breaks a rule; `errors` maps field names to messages for the form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid input: " + ", ".join(sorted(errors)))
        self.errors = errors


class Conflict(DomainError):
    """Somebody else changed the record first."""


class ElevationLocked(DomainError):
    """Too many wrong codes: elevated access is paused until `until` (UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__("elevation locked")
        self.until = until
