"""My dashboard: new concerns (the DSL team), alerts, assigned cases, history; each line opens
its incident. Invoke only."""

from zoneinfo import ZoneInfo

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


def dashboard_card(board: Dashboard, *, hide_names: bool, time_zone: str) -> Card:
    """New concerns first (the DSL team), then alerts, assigned cases and history: at most ten
    lines a section, with More where there are more."""
    zone = ZoneInfo(time_zone)
    body = [heading("My dashboard")]
    if board.imports is not None:
        body += import_status(board.imports, zone)
    if board.new is not None:
        body += _new_concerns(board, hide_names, zone)
    sections = (board.alerts, board.assigned, board.history)
    titles = ("Alerts", "My assigned", "My history")
    empty = ("No unread alerts.", "No open cases assigned to you.", "You have not recorded any.")
    for index, (title, section, nothing) in enumerate(zip(titles, sections, empty, strict=True)):
        body.append(text_block(f"**{title}** ({section.total})"))
        if not section.lines:
            body.append(text_block(nothing, subtle=True))
        for line in section.lines:
            body.append(_line(line, index == 0, hide_names, zone))
        body += _more(board, index, title)
    return adaptive_card(body)


def _new_concerns(board: Dashboard, hide_names: bool, zone: ZoneInfo) -> list[Card]:
    """Every Open incident nobody works yet, newest first, each with Open and Assign to me."""
    section = board.new
    assert section is not None
    body = [text_block(f"**New concerns** ({section.total})")]
    if not section.lines:
        body.append(text_block("None: every open concern has someone working it.", subtle=True))
    for line in section.lines:
        buttons = [_open(line)]
        if line.workable:
            case = {"incident": line.incident_id, "ver": line.version}
            buttons.append(execute(Verb.CASE_ASSIGN, "Assign to me", **case))
        body += [text_run(_words(line, False, hide_names, zone)), action_set(*buttons)]
    return body + _more(board, 3, "New concerns")


def _more(board: Dashboard, index: int, title: str) -> list[Card]:
    """More for one section (`index` in the order the offsets go), if it has more."""
    sections = (board.alerts, board.assigned, board.history, board.new)
    section = sections[index]
    if section is None or not section.more:
        return []
    pages = board.offsets()
    pages[index] = section.offset + PAGE
    return [action_set(execute(Verb.DASHBOARD_SHOW, f"More {title.lower()}", pages=pages))]


def _line(line: DashboardLine, alert: bool, hide_names: bool, zone: ZoneInfo) -> Card:
    """One row: what it is, and a real button that opens it in place (with the way back)."""
    return {
        "type": "Container",
        "items": [text_run(_words(line, alert, hide_names, zone)), action_set(_open(line))],
        "selectAction": _open(line),
    }


def _open(line: DashboardLine) -> Card:
    return execute(Verb.INCIDENT_SHOW, "Open", incident=line.incident_id, **{"from": DASHBOARD})


def _words(line: DashboardLine, alert: bool, hide_names: bool, zone: ZoneInfo) -> str:
    when = line.when.astimezone(zone).strftime("%d/%m %H:%M")
    if line.pupil is None:
        words = f"{line.reference} ({line.status.value}), {when}"
    else:
        pupil = pupil_name(line.pupil, hide=hide_names)
        categories = ", ".join(line.categories) or "no category"
        words = f"{line.reference} {pupil}: {categories} ({line.status.value}), {when}"
    if alert:
        words += f", from {line.who}"
    return words
