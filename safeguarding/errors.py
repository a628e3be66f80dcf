"""Domain errors: the bot maps each kind to one friendly card, in one place."""

from collections.abc import Sequence
from datetime import datetime


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class Refusal(DomainError):
    """Raised on purpose once its audit event is written: the press keeps that event (commits)
    and the answer says plainly what happened. Anything else rolls the press back."""


class NotRecognised(Refusal):
    """The caller is not a member of staff Kestrel knows (unknown user, guest, other tenant)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAvailable(Refusal):
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


class NeedsElevation(Refusal):
    """Restricted or historic: a recent second factor is needed first."""

    def __init__(self, incident_id: int) -> None:
        super().__init__("needs elevated access")
        self.incident_id = incident_id


class StaleCase(DomainError):
    """The card was out of date: somebody changed the case first. `what` says who and how."""

    def __init__(self, what: str) -> None:
        super().__init__("the case changed first")
        self.what = what


class ConfirmGrants(DomainError):
    """Alerting these colleagues would let them see a record they cannot see now: the form must
    name them and be sent again with `token` before anything is stored."""

    def __init__(self, names: Sequence[str], token: str) -> None:
        super().__init__("grants need confirmation")
        self.names, self.token = tuple(names), token
