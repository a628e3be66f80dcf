"""Words typed after a command (`add incident Grace`, `student Grace`), held server-side: the
message Teams keeps carries a short-lived token, never the words (a pupil's name)."""

from datetime import timedelta

from safeguarding.services.press import Press

HELD_FOR = timedelta(minutes=30)
MAX_WORDS = 100


async def hold_words(press: Press, text: str) -> str:
    """A token for these words, for this member of staff only ("" when nothing was typed)."""
    text = text.strip()[:MAX_WORDS]
    if not text:
        return ""
    return await press.uow.typed_words.keep(press.staff.id, text, press.now, press.now + HELD_FOR)


async def held_words(press: Press, token: str) -> str:
    """The words a token holds for this member of staff ("" once expired, or not theirs)."""
    if not token:
        return ""
    return await press.uow.typed_words.take(press.staff.id, token, press.now) or ""
