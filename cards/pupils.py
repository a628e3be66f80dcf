"""How a pupil's name is shown: in full, or as initials when names are hidden."""

from safeguarding.school import Student


def pupil_name(student: Student, *, hide: bool) -> str:
    """'Sam Taylor' (preferred first name if any), or 'S. T.' with Hide names on."""
    first = student.preferred_name or student.first_name
    if hide:
        return " ".join(f"{part[:1].upper()}." for part in (first, student.last_name) if part)
    return f"{first} {student.last_name}".strip()
