"""My dashboard: alerts, assigned cases, history; each line opens its incident. Invoke only."""

from zoneinfo import ZoneInfo

from cards.elements import Card, action_set, adaptive_card, execute, heading, text_block, text_run
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
    """Three sections of at most ten lines, with More where there are more."""
    zone, offsets = ZoneInfo(time_zone), (board.alerts, board.assigned, board.history)
    body = [heading("My dashboard")]
    titles = ("Alerts", "My assigned", "My history")
    empty = ("No unread alerts.", "No open cases assigned to you.", "You have not recorded any.")
    for index, (title, section, nothing) in enumerate(zip(titles, offsets, empty, strict=True)):
        body.append(text_block(f"**{title}** ({section.total})"))
        if not section.lines:
            body.append(text_block(nothing, subtle=True))
        for line in section.lines:
            body.append(_line(line, index == 0, hide_names, zone))
        if section.more:
            pages = [s.offset for s in offsets]
            pages[index] = section.offset + PAGE
            more = execute(Verb.DASHBOARD_SHOW, f"More {title.lower()}", pages=pages)
            body.append(action_set(more))
    return adaptive_card(body)


def _line(line: DashboardLine, alert: bool, hide_names: bool, zone: ZoneInfo) -> Card:
    when = line.when.astimezone(zone).strftime("%d/%m %H:%M")
    if line.pupil is None:
        words = f"{line.reference} ({line.status.value}), {when}"
    else:
        pupil = pupil_name(line.pupil, hide=hide_names)
        categories = ", ".join(line.categories) or "no category"
        words = f"{line.reference} {pupil}: {categories} ({line.status.value}), {when}"
    if alert:
        words += f", from {line.who}"
    return {
        "type": "Container",
        "items": [text_run(words)],
        "selectAction": execute(Verb.INCIDENT_SHOW, "Open", incident=line.incident_id),
    }
