"""How a pupil's name is shown: in full, or as initials when names are hidden."""

from safeguarding.school import Student
from safeguarding.search import PROVISIONAL


def pupil_name(student: Student, *, hide: bool) -> str:
    """'Sam Taylor' (preferred first name if any), or 'S. T.' with Hide names on; a pupil added
    by hand is marked until an administrator confirms them against the roster."""
    first = student.preferred_name or student.first_name
    if hide:
        name = " ".join(f"{part[:1].upper()}." for part in (first, student.last_name) if part)
    else:
        name = f"{first} {student.last_name}".strip()
    return f"{name} {PROVISIONAL}" if student.provisional else name
