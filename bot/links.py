"""Signed, short-lived links for files Kestrel serves (body maps, attachments, exports).

A link names what it opens, for whom and until when, signed with HMAC-SHA256 under a key
derived from the encryption keyring; anything changed, or a link past its time, opens nothing.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode

LINK_SECONDS = 300


@dataclass(frozen=True)
class SignedLink:
    path: str  # e.g. /files/body-map/12.png
    staff_id: int
    expires: int  # unix seconds


class LinkSigner:
    def __init__(self, key: bytes, clock=time.time) -> None:
        self._key, self._clock = key, clock

    def link(self, path: str, staff_id: int, seconds: int = LINK_SECONDS) -> str:
        """The path with its query: who it was made for, until when, and the signature."""
        expires = int(self._clock()) + seconds
        query = {"staff": staff_id, "expires": expires, "sig": self._sign(path, staff_id, expires)}
        return f"{path}?{urlencode(query)}"

    def check(self, path: str, query: dict[str, str]) -> SignedLink | None:
        """The link's facts when its signature holds and it has not expired; else None."""
        staff, expires, signature = (query.get(k, "") for k in ("staff", "expires", "sig"))
        if not (
            staff.isdecimal() and expires.isdecimal() and len(staff) < 19 and len(expires) < 19
        ):
            return None
        expected = self._sign(path, int(staff), int(expires))
        if not hmac.compare_digest(expected, signature) or int(expires) < self._clock():
            return None
        return SignedLink(path, int(staff), int(expires))

    def _sign(self, path: str, staff_id: int, expires: int) -> str:
        message = f"{path}\n{staff_id}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
