"""My dashboard: new concerns (the DSL team), alerts, assigned cases, history; each line opens
its incident. Invoke only."""

from zoneinfo import ZoneInfo

from cards.admin import waiting
from cards.elements import Card, action_set, adaptive_card, execute, heading, text_block, text_run
from cards.imports import import_status
from cards.payloads import DASHBOARD
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.dashboard import PAGE, Dashboard, DashboardLine


def dashboard_stub_card() -> Card:
    """What the `dashboard` command posts: nothing of any pupil, a button to open it."""
    return adaptive_card(
        [heading("My dashboard"), text_block("Your alerts, assigned cases and history.")],
        [execute(Verb.DASHBOARD_SHOW, "Open my dashboard")],
    )


def dashboard_card(board: Dashboard, *, hide_names: bool, time_zone: str, school: str = "") -> Card:
    """New concerns first (the DSL team), then alerts, assigned cases and history: one row per
    incident, saying why it is there, at most ten a section, with More where there are more.
    `school` names the school it is for (a trust's colleague, who works in several)."""
    zone = ZoneInfo(time_zone)
    body = [heading(f"My dashboard: {school}" if school else "My dashboard")]
    if school:
        body.append(text_block("Type school to work in another of your schools.", subtle=True))
    body += _administration(board)
    if board.imports is not None:
        body += import_status(board.imports, zone)
    if board.new is not None:
        body += _section(board, 3, hide_names, zone)
    for index in range(3):
        body += _section(board, index, hide_names, zone)
    return adaptive_card(body)


def _administration(board: Dashboard) -> list[Card]:
    """What an administrator does here, and changes to access waiting for the DSL team."""
    said = []
    if board.administers:
        said.append(
            "You keep Kestrel's set-up: categories, rights, staff, alert groups, lists and the "
            "school's settings. Type **admin**, or:"
        )
    if board.proposals:
        said.append(f"{waiting(board.proposals)} for the DSL team to confirm:")
    if not said:
        return []
    button = action_set(execute(Verb.ADMIN_SHOW, "Administration"))
    return [*(text_block(words) for words in said), button]


# Per section, in the order the offsets go: its title, and what it says when empty.
_SECTIONS = (
    ("Alerts", "No unread alerts."),
    ("My assigned", "No open cases assigned to you."),
    ("My history", "You have not recorded any."),
    ("New concerns", "None: every open concern has someone working it."),
)


def _section(board: Dashboard, index: int, hide_names: bool, zone: ZoneInfo) -> list[Card]:
    """A section's title, its rows (each a real Open button), and More if it has more."""
    sections = (board.alerts, board.assigned, board.history, board.new)
    section = sections[index]
    assert section is not None
    title, nothing = _SECTIONS[index]
    body = [text_block(f"**{title}** ({section.counted})")]
    if not section.lines:
        body.append(text_block(nothing, subtle=True))
    body += [
        _line(line, hide_names, zone, assignable=section is board.new) for line in section.lines
    ]
    return body + _more(board, index, title)


def _more(board: Dashboard, index: int, title: str) -> list[Card]:
    """More for one section (`index` in the order the offsets go), if it has more."""
    sections = (board.alerts, board.assigned, board.history, board.new)
    section = sections[index]
    if section is None or not section.more:
        return []
    pages = board.offsets()
    pages[index] = section.offset + PAGE
    return [action_set(execute(Verb.DASHBOARD_SHOW, f"More {title.lower()}", pages=pages))]


def _line(line: DashboardLine, hide_names: bool, zone: ZoneInfo, *, assignable: bool) -> Card:
    """One row: what it is, why it is here, and real buttons (Open, with the way back; Assign
    to me on a new concern this member of staff may work)."""
    buttons = [_open(line)]
    if assignable and line.workable:
        case = {"incident": line.incident_id, "ver": line.version}
        buttons.append(execute(Verb.CASE_ASSIGN, "Assign to me", **case))
    items = [text_run(_words(line, hide_names, zone))]
    if line.why:
        why = "; ".join(line.why)
        items.append(_subtle_run(why[:1].upper() + why[1:]))
    return {
        "type": "Container",
        "separator": True,
        "items": [*items, action_set(*buttons)],
        "selectAction": _open(line),
    }


def _subtle_run(text: str) -> Card:
    """Our words naming colleagues (names are shown as text, never parsed as markdown)."""
    return {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": text, "isSubtle": True}],
    }


def _open(line: DashboardLine) -> Card:
    return execute(Verb.INCIDENT_SHOW, "Open", incident=line.incident_id, **{"from": DASHBOARD})


def _words(line: DashboardLine, hide_names: bool, zone: ZoneInfo) -> str:
    """Which incident, about whom, in which categories, and when (as the seed's alerts say)."""
    when = line.when.astimezone(zone).strftime("%d/%m %H:%M")
    if line.pupil is None:
        return f"{line.reference} ({line.status.value}), {when}"
    pupil = pupil_name(line.pupil, hide=hide_names)
    categories = ", ".join(line.categories) or "no category"
    return f"{line.reference} {pupil}: {categories} ({line.status.value}), {when}"
