"""A pupil's record as cards: finding the pupil, the overview, the chronology page, documents.

The stub posted for `student <name>` carries only what the user typed; the record itself is only
ever an invoke response, for a user the server has authorised.
"""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    choice_set,
    execute,
    facts,
    heading,
    open_url,
    secondary,
    text_block,
    text_input,
    text_run,
    warning,
)
from cards.pupils import pupil_name
from safeguarding.chronology import Entry, PupilRecord
from safeguarding.search import StudentMatch

SHOWN_DOCUMENTS = 15
SHOWN_TEXT = 600  # characters of each entry on the card; the incident and the PDF have it all


def find_pupil_stub_card(query: str) -> Card:
    """What `student <name>` posts: a button, so the matches are never kept as a chat message."""
    return adaptive_card(
        [
            heading("Pupil records"),
            text_block("Find the pupil: the record opens here, just for you."),
        ],
        [execute("student.find", "Find the pupil", text=query[:100])],
    )


def pupil_matches_card(query: str, matches: Sequence[StudentMatch], *, hide: bool) -> Card:
    """The pupils whose names match, each opening their record."""
    body: list[Card] = [heading("Pupil records"), text_block(f"Pupils matching “{query}”")]
    if not matches:
        body.append(text_block("No pupil you may see matches that name. Check the spelling."))
    for match in matches:
        name = _initials(match.name) if hide else match.name
        body.append(
            action_set(
                execute(
                    "student.show",
                    f"{name} (Year {match.year_group}, {match.tutor_group or 'no tutor group'})",
                    student=match.student_id,
                )
            )
        )
    body.append(text_input("text", "Find another pupil", value=query, max_length=100))
    return adaptive_card(body, [execute("student.find", "Find")])


def pupil_record_card(
    record: PupilRecord,
    *,
    hide_names: bool,
    oversees: bool,
    filter_values: dict | None = None,
    errors: dict | None = None,
    document_links: dict[int, str] | None = None,
) -> Card:
    """Overview, open cases, monitoring, the chronology page with its filter, the documents."""
    student, zone = record.student, ZoneInfo(record.time_zone)
    values, errors, links = filter_values or {}, errors or {}, document_links or {}
    body: list[Card] = [heading(pupil_name(student, hide=hide_names))]
    body.append(
        facts(
            [
                ("Year", str(student.year_group)),
                ("Tutor group", student.tutor_group or "none"),
                ("House", student.house or "none"),
                ("Monitoring", ", ".join(record.monitoring) or "none"),
                ("Open cases", ", ".join(i.reference for i in record.open_cases) or "none"),
            ]
        )
    )
    for incident in record.open_cases[:5]:
        body.append(
            action_set(
                execute(
                    "incident.show",
                    f"Open {incident.reference} ({incident.status.value})",
                    incident=incident.id,
                )
            )
        )
    if record.held_back:
        body += [
            warning(
                ("1 entry is" if record.held_back == 1 else f"{record.held_back} entries are")
                + " in restricted categories or historic: enter the code from your "
                "authenticator app to include them."
            ),
            text_input("code", "Code", max_length=6),
        ]
    body += _filter(record, values, errors)
    body.append(text_block(f"**Chronology** ({record.total} entries, oldest first)"))
    if not record.entries:
        body.append(text_block("Nothing to show for this filter.", subtle=True))
    body += [_entry(record, entry, zone) for entry in record.entries]
    body += _documents(record, links)
    student_id = student.id
    paging = []
    if record.offset > 0:
        paging.append(
            execute(
                "student.show", "Earlier", student=student_id, offset=max(0, record.offset - 10)
            )
        )
    if record.more:
        paging.append(
            execute(
                "student.show",
                "Later",
                student=student_id,
                offset=record.offset + len(record.entries),
            )
        )
    if paging:
        body.append(action_set(*paging))
    buttons = [
        execute("student.show", "Apply filter", student=student_id),
        execute("student.export", "Export chronology (PDF)", student=student_id),
    ]
    if oversees:
        buttons.append(
            secondary(execute("student.audit", "Pupil audit report", student=student_id))
        )
    return adaptive_card(body, buttons)


def export_ready_card(name: str, url: str, minutes: int) -> Card:
    """The export's download link (signed, for this member of staff, short-lived)."""
    return adaptive_card(
        [
            heading("Chronology export"),
            text_block(
                f"The PDF of {name}'s chronology is ready. The link works for you only, for "
                f"{minutes} minutes; Kestrel records the download."
            ),
        ],
        [open_url("Download the PDF", url)],
    )


def _filter(record: PupilRecord, values: dict, errors: dict) -> list[Card]:
    chosen = ",".join(str(c) for c in sorted(record.chosen.category_ids))
    cards: list[Card] = [
        choice_set(
            "filter_categories",
            "Filter by category",
            [(c.name, str(c.id)) for c in sorted(record.categories.values(), key=lambda c: c.name)],
            value=str(values.get("filter_categories") or chosen),
            multi=True,
        ),
        {
            "type": "Input.Date",
            "id": "since",
            "label": "From",
            "value": str(values.get("since") or (record.chosen.since or "")),
        },
    ]
    if errors.get("since"):
        cards.append(warning(errors["since"]))
    cards.append(
        {
            "type": "Input.Date",
            "id": "until",
            "label": "To",
            "value": str(values.get("until") or (record.chosen.until or "")),
        }
    )
    if errors.get("until"):
        cards.append(warning(errors["until"]))
    return cards


def _entry(record: PupilRecord, entry: Entry, zone: ZoneInfo) -> Card:
    names = record.staff_names
    who = names.get(entry.author_id, "a former colleague")
    incident = entry.incident
    title = entry_title(entry, names)
    categories = ", ".join(
        sorted(record.categories[c].name for c in entry.category_ids if c in record.categories)
    )
    text = entry.text if len(entry.text) <= SHOWN_TEXT else entry.text[:SHOWN_TEXT] + "…"
    items: list[Card] = [
        text_block(f"**{_when(entry.happened_at, zone)}: {title}**"),
        text_block(f"by {who}" + (f" · {categories}" if categories else ""), subtle=True),
    ]
    if text:
        items.append(text_run(text))
    return {
        "type": "Container",
        "separator": True,
        "items": items,
        "selectAction": execute("incident.show", "Open", incident=incident.id),
    }


def entry_title(entry: Entry, names: dict[int, str]) -> str:
    """What a chronology line is: the incident, an action on it, or a decision about it."""
    reference = entry.incident.reference
    if entry.action is not None:
        return f"Action on {reference}"
    decision = entry.decision
    if decision is None:
        return f"Incident {reference} ({entry.incident.status.value})"
    if decision.kind == "assigned":
        return f"{reference} assigned to {names.get(decision.assignee_id or 0, 'a colleague')}"
    status = decision.status.value if decision.status else ""
    outcome = f": {decision.outcome}" if decision.outcome else ""
    return f"{reference} {'closed' if status == 'Closed' else f'status {status}'}{outcome}"


def _documents(record: PupilRecord, links: dict[int, str]) -> list[Card]:
    if not record.documents:
        return []
    cards: list[Card] = [text_block("**Documents**")]
    if len(record.documents) > SHOWN_DOCUMENTS:  # the newest; each incident lists its own
        hidden = len(record.documents) - SHOWN_DOCUMENTS
        cards.append(text_block(f"{hidden} older documents: open their incidents.", subtle=True))
    for incident, attachment in record.documents[-SHOWN_DOCUMENTS:]:
        line = f"{attachment.name} ({attachment.kind}, {incident.reference})"
        url = links.get(attachment.id)
        if url:
            cards.append(action_set(open_url(line[:80], url)))
        else:
            cards.append(text_run(line))
    return cards


def _initials(name: str) -> str:
    return " ".join(f"{part[:1].upper()}." for part in name.split() if part)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")
