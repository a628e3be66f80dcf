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
from cards.verbs import Verb
from safeguarding.chronology import PAGE, Entry, PupilRecord
from safeguarding.search import StudentMatch

SHOWN_DOCUMENTS = 15
SHOWN_TEXT = 600  # characters of each entry on the card; the incident and the PDF have it all


def find_pupil_stub_card(words: str) -> Card:
    """What `student <name>` posts: a button, so the matches are never kept as a chat message;
    it carries a token for the name typed (held by Kestrel), never the name."""
    return adaptive_card(
        [
            heading("Pupil records"),
            text_block("Find the pupil: the record opens here, just for you."),
        ],
        [execute(Verb.STUDENT_FIND, "Find the pupil", **({"words": words} if words else {}))],
    )


def pupil_matches_card(query: str, matches: Sequence[StudentMatch], *, hide: bool) -> Card:
    """The pupils whose names match, each opening their record."""
    body: list[Card] = [heading("Pupil records"), text_run(f"Pupils matching “{query}”")]
    if not matches:
        body.append(text_block("No pupil you may see matches that name. Check the spelling."))
    for match in matches:
        name = _initials(match.name) if hide else match.name
        body.append(
            action_set(
                execute(
                    Verb.STUDENT_SHOW,
                    f"{name} (Year {match.year_group}, {match.tutor_group or 'no tutor group'})",
                    student=match.student_id,
                )
            )
        )
    body.append(text_input("text", "Find another pupil", value=query, max_length=100))
    return adaptive_card(body, [execute(Verb.STUDENT_FIND, "Find")])


def pupil_record_card(
    record: PupilRecord,
    *,
    hide_names: bool,
    filter_values: dict | None = None,
    errors: dict | None = None,
    document_links: dict[int, str] | None = None,
    notice: str = "",
) -> Card:
    """Overview, open cases, monitoring, the chronology page with its filter, the documents;
    `notice` (a code that did not work) under the pupil's name."""
    body: list[Card] = [heading(pupil_name(record.student, hide=hide_names))]
    if notice:
        body.append(warning(notice))
    body += _overview(record)
    body += _held_back(record)
    body += _filter(record, filter_values or {}, errors or {})
    body += _chronology(record)
    body += _documents(record, document_links or {})
    body += _paging(record)
    return adaptive_card(body, _buttons(record))


def _overview(record: PupilRecord) -> list[Card]:
    student = record.student
    overview = facts(
        [
            ("Year", str(student.year_group)),
            ("Tutor group", student.tutor_group or "none"),
            ("House", student.house or "none"),
            *([("Left", f"{student.left_on:%d/%m/%Y}")] if student.left_on else []),
            ("Monitoring", ", ".join(record.monitoring) or "none"),
            ("Open cases", ", ".join(i.reference for i in record.open_cases) or "none"),
        ]
    )
    return (
        _roster_status(record)
        + [overview]
        + [
            action_set(
                execute(
                    Verb.INCIDENT_SHOW,
                    f"Open {incident.reference} ({incident.status.value})",
                    incident=incident.id,
                )
            )
            for incident in record.open_cases[:5]
        ]
    )


def _roster_status(record: PupilRecord) -> list[Card]:
    """A pupil added by hand: merged into the roster's (open theirs), or waiting to be (the
    DSL team may merge them from here)."""
    student = record.student
    if student.merged_into is not None:
        opened = execute(Verb.STUDENT_SHOW, "Open the roster's record", student=student.merged_into)
        return [
            text_block("Merged into the roster's pupil: their record has everything now."),
            action_set(opened),
        ]
    if student.provisional and record.oversees:
        merge = execute(
            Verb.STUDENT_MERGE_FORM, "Merge into the roster's pupil", student=student.id
        )
        return [text_block("Added by hand: not on the roster yet.", subtle=True), action_set(merge)]
    return []


def _held_back(record: PupilRecord) -> list[Card]:
    if not record.held_back:
        return []
    return [
        warning(
            ("1 entry is" if record.held_back == 1 else f"{record.held_back} entries are")
            + " in restricted categories or historic: enter the code from your "
            "authenticator app to include them."
        ),
        text_input("code", "Code", max_length=6),
    ]


def _chronology(record: PupilRecord) -> list[Card]:
    zone = ZoneInfo(record.time_zone)
    cards = [text_block(f"**Chronology** ({record.total} entries, oldest first)")]
    if not record.entries:
        cards.append(text_block("Nothing to show for this filter.", subtle=True))
    return cards + [_entry(record, entry, zone) for entry in record.entries]


def _paging(record: PupilRecord) -> list[Card]:
    student_id, paging = record.student.id, []
    if record.offset > 0:
        earlier = max(0, record.offset - PAGE)
        paging.append(execute(Verb.STUDENT_SHOW, "Earlier", student=student_id, offset=earlier))
    if record.more:
        later = record.offset + len(record.entries)
        paging.append(execute(Verb.STUDENT_SHOW, "Later", student=student_id, offset=later))
    return [action_set(*paging)] if paging else []


def _buttons(record: PupilRecord) -> list[Card]:
    student_id = record.student.id
    buttons = [
        execute(Verb.STUDENT_SHOW, "Apply filter", student=student_id),
        execute(Verb.STUDENT_EXPORT, "Export chronology (PDF)", student=student_id),
    ]
    if record.oversees:
        report = execute(Verb.STUDENT_AUDIT, "Pupil audit report", student=student_id)
        buttons.append(secondary(report))
    return buttons


def export_ready_card(name: str, url: str, minutes: int) -> Card:
    """The export's download link, said as it is: signed with this member of staff's id and
    short-lived, but a bearer link (a browser carries no Teams identity to check)."""
    return adaptive_card(
        [
            heading("Chronology export"),
            text_block(
                f"The PDF of {name}'s chronology is ready. Anyone with this link can download it "
                f"for the next {minutes} minutes. It is made when the link is opened, from what "
                "you may see then, and the download is recorded against your name. Do not "
                "forward it."
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
        "selectAction": execute(Verb.INCIDENT_SHOW, "Open", incident=incident.id),
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
    for reference, attachment in record.documents[-SHOWN_DOCUMENTS:]:
        line = f"{attachment.name} ({attachment.kind}, {reference})"
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
