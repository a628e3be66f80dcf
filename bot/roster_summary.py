"""What `kestrel import pupils` prints: the counts and the first rejected rows, or why nothing
was imported. Ids and counts, files and lines: never a pupil's name."""

from pathlib import Path

from safeguarding.roster_formats import SOURCES
from safeguarding.services.roster import Imported


def import_summary(imported: Imported, path: Path) -> list[str]:
    """The summary, one line each."""
    run, school = imported.run, imported.school
    where = f"{school.name} (school {school.id})"
    if not run.succeeded:
        return [f"kestrel: nothing imported into {where} from {path}: {run.failure}"]
    source, style = SOURCES.get(run.source, run.source), imported.style
    label = style if style.startswith(source) else f"{source}, {style}" if style else source
    full = " (full: pupils not in it have left)" if run.full else ""
    lines = [
        f"imported pupils into {where} from {path} ({label}){full}:",
        "  " + ", ".join(f"{name} {count}" for name, count in run.counts().items()),
    ]
    if run.problems:
        shown = len(run.problems)
        heading = "rejected rows" if shown == run.rejected else f"the first {shown} rejected rows"
        lines.append(f"  {heading} (the others were imported):")
        lines += [f"    {problem}" for problem in run.problems]
    return lines
