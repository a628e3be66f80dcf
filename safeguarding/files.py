"""Files on an incident as data: what was sent, what was kept, and the checks by content.

A file is accepted by what it is (its content), not by its name: documents, images, PDF and
email files. Accepted files are hashed (SHA-256) and stored encrypted outside the database.
"""

import codecs
import hashlib
from dataclasses import dataclass
from datetime import timedelta

import filetype

ATTACH_WINDOW = timedelta(minutes=15)
MAX_BYTES = 25 * 1024 * 1024
_SNIFF_BYTES = 8192  # what a file is, is read from its first bytes
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg and older Office files
_EMAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"mime-version:")
_KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "image",
    "image/png": "image",
    "image/gif": "image",
    "image/webp": "image",
    "image/heic": "image",
    "image/tiff": "image",
    "image/bmp": "image",
    "application/msword": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.ms-powerpoint": "document",
    "application/vnd.oasis.opendocument.text": "document",
    "application/vnd.oasis.opendocument.spreadsheet": "document",
    "application/vnd.oasis.opendocument.presentation": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
}


def kind_of(content: bytes) -> str | None:
    """'PDF', 'image', 'document', 'email' or 'text' by content; None for anything else."""
    head = content[:_SNIFF_BYTES]
    guessed = filetype.guess(head)
    if guessed is not None:
        return _KINDS.get(guessed.mime)
    if content.startswith(_OLE2):
        return "email"  # an OLE file filetype does not know as Office: an Outlook message
    return _text_kind(head, whole=len(content) <= _SNIFF_BYTES)


def _text_kind(head: bytes, *, whole: bool) -> str | None:
    # The head of a longer file may end inside a character (UTF-8 takes up to four bytes):
    # that character is cut, not invalid. Only the file's real end must be complete.
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return None
    if "\x00" in text or text.lstrip().lower().startswith(("<!doctype", "<html", "<script")):
        return None
    lines = [line.lower() for line in head.splitlines()[:30]]
    headers = sum(1 for line in lines if line.startswith(_EMAIL_HEADERS))
    return "email" if headers >= 2 else "text"


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content: bytes | None  # None: it could not be downloaded, or it was too large
    problem: str = ""  # why there is no content


@dataclass(frozen=True)
class StoredFile:
    incident_id: int
    added_by: int
    name: str
    kind: str
    size: int
    sha256: str
    content: bytes
    action_id: int | None = None


@dataclass(frozen=True)
class FileOutcome:
    kind: str  # what it was taken for; empty when refused
    size: int = 0
    refused: str = ""  # the reason, in the user's words


@dataclass(frozen=True)
class OpenedFile:
    name: str
    kind: str
    content: bytes


@dataclass(frozen=True)
class AttachResult:
    reference: str
    outcomes: tuple[FileOutcome, ...]


@dataclass(frozen=True)
class ChatOnly:
    """Files are sent to Kestrel only in one's 1:1 chat, never where others can see them."""


@dataclass(frozen=True)
class AttachWindow:
    """Where files sent now would go: an incident (and the action they go with), if any."""

    incident_id: int
    action_id: int | None = None


def check_file(incoming: IncomingFile, max_bytes: int) -> FileOutcome:
    """Whether a file sent to Kestrel is kept, and as what (or why not, in the user's words)."""
    if incoming.content is None:
        return FileOutcome("", refused=incoming.problem or "it could not be downloaded")
    size = len(incoming.content)
    if size == 0:
        return FileOutcome("", refused="it is empty")
    if size > max_bytes:
        return FileOutcome("", size, refused=f"it is over {max_bytes // 2**20} MB")
    kind = kind_of(incoming.content)
    if kind is None:
        return FileOutcome("", size, refused="it is not a document, image, PDF or email file")
    return FileOutcome(kind, size)


def stored_file(
    incoming: IncomingFile, outcome: FileOutcome, window: AttachWindow, added_by: int
) -> StoredFile:
    """A kept file as it is stored: its name shortened, its content hashed."""
    assert incoming.content is not None
    return StoredFile(
        window.incident_id,
        added_by,
        incoming.name[:255],
        outcome.kind,
        outcome.size,
        hashlib.sha256(incoming.content).hexdigest(),
        incoming.content,
        window.action_id,
    )
