"""Elevated access: a recent second factor (TOTP from an authenticator app), checked on the server.

Codes are accepted from the step before to the step after now (clock drift), never twice (the
last accepted step is kept). Five wrong codes lock elevation for fifteen minutes, and each further
lockout before a code is accepted doubles that, up to a day.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)  # doubles with each lockout in a row, up to a day
MAX_LOCKOUT = timedelta(hours=24)
ISSUER = "Kestrel"


@dataclass
class SecondFactor:
    """One member of staff's authenticator enrolment and elevation state."""

    staff_id: int
    secret: str  # base32; encrypted at rest by storage
    confirmed: bool = False
    last_step: int | None = None
    failures: int = 0
    lockouts: int = 0  # lockouts since the last accepted code
    locked_until: datetime | None = None
    elevated_until: datetime | None = None

    @classmethod
    def new(cls, staff_id: int) -> "SecondFactor":
        """A fresh, unconfirmed enrolment with a random secret."""
        return cls(staff_id=staff_id, secret=pyotp.random_base32())

    def provisioning_uri(self, account: str) -> str:
        """The otpauth:// URI an authenticator app reads from the QR code."""
        return pyotp.TOTP(self.secret).provisioning_uri(name=account, issuer_name=ISSUER)

    def is_locked(self, now: datetime) -> bool:
        """Whether too many wrong codes have paused elevation."""
        return self.locked_until is not None and now < self.locked_until

    def is_elevated(self, now: datetime) -> bool:
        """Whether a code was accepted recently enough."""
        return self.elevated_until is not None and now < self.elevated_until

    def try_code(self, code: str, now: datetime, lasts: timedelta) -> bool:
        """Accept a fresh, correct code (elevating for `lasts`) or count a failure."""
        if self.is_locked(now):
            return False
        step = _matching_step(self.secret, code, now)
        if step is not None and (self.last_step is None or step > self.last_step):
            self.last_step, self.failures, self.lockouts, self.locked_until = step, 0, 0, None
            self.confirmed, self.elevated_until = True, now + lasts
            return True
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.failures, self.lockouts = 0, self.lockouts + 1
            self.locked_until = now + min(LOCKOUT * 2 ** (self.lockouts - 1), MAX_LOCKOUT)
        return False


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for drift in (-1, 0, 1):
        moment = now + timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None
