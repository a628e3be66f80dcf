"""Elevated access, as values: where a member of staff stands, the enrolment they scan, and
the words for a code that was not accepted (see second_factor.py for the rules of codes)."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from safeguarding.second_factor import SecondFactor

WRONG_CODE = (
    "That code was not accepted. Check the six digits in your authenticator app and try again."
)


@dataclass(frozen=True)
class ElevationStatus:
    enrolled: bool
    pending: bool  # an enrolment was started and not yet confirmed
    elevated_until: datetime | None
    locked_until: datetime | None


@dataclass(frozen=True)
class Enrolment:
    """What the member of staff scans, shown once in their 1:1 chat."""

    provisioning_uri: str
    secret: str


@dataclass(frozen=True)
class OnlyInPersonalChat:
    """Enrolment was asked for in a group chat or channel: it happens in the 1:1 chat only."""


def elevation_status(factor: SecondFactor | None, now: datetime) -> ElevationStatus:
    """Where this member of staff stands now (no secret leaves storage)."""
    return ElevationStatus(
        enrolled=bool(factor and factor.confirmed),
        pending=bool(factor and not factor.confirmed),
        elevated_until=factor.elevated_until if factor and factor.is_elevated(now) else None,
        locked_until=factor.locked_until if factor and factor.is_locked(now) else None,
    )


def enrolment_of(factor: SecondFactor, account: str) -> Enrolment:
    """The QR code's URI and the key to type by hand, for this enrolment."""
    return Enrolment(factor.provisioning_uri(account), factor.secret)


def not_accepted(factor: SecondFactor, now: datetime, time_zone: str) -> str:
    """Why a code was not accepted: a wrong code, or a pause (in the school's time)."""
    if factor.is_locked(now) and factor.locked_until is not None:
        until = factor.locked_until.astimezone(ZoneInfo(time_zone)).strftime("%H:%M")
        return f"Too many wrong codes: elevated access is paused until {until}."
    return WRONG_CODE
