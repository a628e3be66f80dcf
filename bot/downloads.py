"""Fetching the files staff send to Kestrel from Teams' short-lived download URLs."""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from safeguarding.files import IncomingFile

log = logging.getLogger("kestrel.downloads")
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


@dataclass(frozen=True)
class Downloader:
    max_bytes: int
    allow_http: bool = False  # local mode and tests (loopback servers); Teams' URLs are https
    timeout_seconds: float = 30.0

    async def fetch(self, name: str, url: str) -> IncomingFile:
        """The file's bytes, or why there are none (never more than max_bytes + 1 are read)."""
        scheme = urlsplit(url).scheme
        if scheme != "https" and not (self.allow_http and scheme == "http"):
            return IncomingFile(name, None, "its download link was not a Teams link")
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(url, allow_redirects=False) as response,
            ):
                if response.status != 200:
                    log.info("file download answered %s", response.status)
                    return IncomingFile(name, None, "Teams did not hand it over; send it again")
                content = await response.content.read(self.max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("file download failed (%s)", type(error).__name__)
            return IncomingFile(name, None, "it could not be downloaded; send it again")
        return IncomingFile(name, content)


def sent_files(attachments: list | None) -> list[tuple[str, str]]:
    """(name, download URL) of each file in a message; pasted images and HTML are not files."""
    found = []
    for attachment in attachments or []:
        if getattr(attachment, "content_type", "") != FILE_DOWNLOAD_INFO:
            continue
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url = str(content.get("downloadUrl") or "")
        if url:
            found.append((str(attachment.name or "file")[:255], url))
    return found


def pasted_images(attachments: list | None) -> int:
    """How many inline (pasted) images a message carries; they cannot be attached."""
    return sum(
        1 for a in attachments or [] if str(getattr(a, "content_type", "")).startswith("image/")
    )
