"""The files of a roster as the operator gives them: a folder or a zip of CSV files (a OneRoster
or School Data Sync export), or one CSV file (an MIS report); read whole, by file name."""

import zipfile
from pathlib import Path, PurePosixPath

from safeguarding.roster import NotARoster

MAX_BYTES = 200 * 2**20  # the whole roster, unpacked: 20,000 pupils take a few megabytes
WANTED = (".csv", ".txt")


def read_roster_files(path: Path) -> dict[str, bytes]:
    """File name -> content; NotARoster (with why) when the path cannot be read as a roster."""
    try:
        if path.is_dir():
            return _folder(path)
        if zipfile.is_zipfile(path):
            return _zip(path)
        if path.is_file():
            return {path.name: _limited(path.read_bytes(), path.name)}
    except (OSError, zipfile.BadZipFile) as error:
        why = f"{path.name} cannot be read ({type(error).__name__})."
        raise NotARoster(why, "unreadable") from None
    raise NotARoster(f"There is no file or folder {path.name}.", "unreadable")


def _folder(path: Path) -> dict[str, bytes]:
    files = {
        f.name: f.read_bytes()
        for f in sorted(path.iterdir())
        if f.is_file() and f.suffix.lower() in WANTED and not f.name.startswith(".")
    }
    _limited(b"", path.name, sum(len(c) for c in files.values()))
    return files


def _zip(path: Path) -> dict[str, bytes]:
    """The CSV files in the zip (in a folder inside it too), never more than MAX_BYTES."""
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as archive:
        entries = [
            e
            for e in archive.infolist()
            if not e.is_dir()
            and PurePosixPath(e.filename).suffix.lower() in WANTED
            and not any(p.startswith((".", "__MACOSX")) for p in PurePosixPath(e.filename).parts)
        ]
        _limited(b"", path.name, sum(e.file_size for e in entries))
        for entry in entries:
            name = PurePosixPath(entry.filename).name
            if name in files:
                raise NotARoster(f"{path.name} holds two files called {name}.", "unreadable")
            files[name] = _limited(archive.read(entry), name)
    return files


def _limited(content: bytes, name: str, size: int | None = None) -> bytes:
    if (size if size is not None else len(content)) > MAX_BYTES:
        raise NotARoster(f"{name} is larger than {MAX_BYTES // 2**20} MB.", "too_large")
    return content
