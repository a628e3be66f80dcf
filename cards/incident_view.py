"""The incident in full: only ever an invoke response, for a user the server has authorised."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    confirmation,
    execute,
    facts,
    fitting,
    heading,
    open_url,
    secondary,
    sent_size,
    text_block,
    text_input,
    text_run,
    warning,
)
from cards.pasted_original import pasted_note
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.incidents import IncidentPupil
from safeguarding.viewing import IncidentView

SHOWN_ACTIONS = 10  # the newest; the chronology has them all
ACTION_TEXT = 800  # bytes (as sent) of each action shown on the incident card
TEXT_BYTES = 20_000  # of the incident's text on its card, as sent


def incident_card(
    view: IncidentView,
    *,
    hide_names: bool,
    body_map_url: str = "",
    notice: str = "",
    file_links: dict[int, str] | None = None,
    changed_first: bool = False,
) -> Card:
    """Pupils, who and when, categories, status, the text, body map, attachments, evidence,
    actions; the buttons this viewer may use. `notice` says what just happened, or (with
    `changed_first`, in the attention colour) what somebody else changed first."""
    zone = ZoneInfo(view.facts.time_zone)
    body: list[Card] = [heading(f"Incident {view.facts.reference}")]
    if notice:
        body.append(warning(notice) if changed_first else confirmation(notice))
    body += _summary(view, hide_names, zone)
    body += _body_map(view, body_map_url) + _attachments(view, file_links or {})
    body += _actions(view, zone)
    if view.oversees:  # the DSL team: who was given access by an alert
        body += _grants(view)
    return adaptive_card(body, _buttons(view))


def _summary(view: IncidentView, hide_names: bool, zone: ZoneInfo) -> list[Card]:
    """Who it concerns, when, its status, who recorded and works it, and what happened."""
    incident, names = view.facts, view.staff_names
    body = [text_run(_pupil_line(view, p, hide_names)) for p in incident.pupils]
    body.append(
        facts(
            [
                ("Happened", _when(incident.happened_at, zone)),
                ("Recorded", _when(incident.recorded_at, zone)),
                ("Status", incident.status.value),
                *([("Outcome", incident.outcome)] if incident.outcome else []),
            ]
        )
    )
    body.append(text_run(f"Recorded by {names.get(incident.recorded_by, 'a former colleague')}"))
    if incident.assignee_id is not None:
        body.append(
            text_run(f"Assigned to {names.get(incident.assignee_id, 'a former colleague')}")
        )
    if incident.agencies:
        body.append(text_run("Agencies: " + ", ".join(incident.agencies)))
    body += [text_block("**What happened**"), *_text(view)]
    if view.evidence is not None:
        body.append(
            text_run(f"From a Teams message by {view.evidence.author} ({view.evidence.sent_at})")
        )
    if view.pasted:
        body += pasted_note(incident.id)
    return body


def _text(view: IncidentView) -> list[Card]:
    """The text, or as much as fits (Teams refuses cards over 28 KB) and the way to the rest."""
    shown = fitting(view.text, TEXT_BYTES)
    if shown == view.text:
        return [text_run(view.text)]
    rest = execute(Verb.INCIDENT_TEXT, "Show the full text", incident=view.facts.id)
    return [
        text_run(shown + "…"),
        text_block("The text goes on: Show the full text has every word.", subtle=True),
        action_set(rest),
    ]


def _buttons(view: IncidentView) -> list[Card]:
    """The buttons this viewer may use (what they may do came with the view)."""
    incident = view.facts.id
    buttons = [execute(Verb.ACTION_FORM, "Add action", incident=incident)]
    if view.unread_alert is not None:  # the alert's refresh shows this card in its place
        buttons.insert(0, execute(Verb.ALERT_READ, "Mark as read", alert=view.unread_alert))
    if view.can_work:
        buttons += _casework_buttons(view)
    if view.pupil_records:
        record = execute(Verb.STUDENT_SHOW, "Pupil record", student=view.pupil_records[0])
        buttons.append(secondary(record))
    if view.can_attach:
        buttons.append(secondary(execute(Verb.INCIDENT_ATTACH, "Attach files", incident=incident)))
    if view.oversees:
        buttons.append(secondary(execute(Verb.INCIDENT_AUDIT, "Audit history", incident=incident)))
        if view.facts.pupils:
            main = view.facts.pupils[0].student.id
            buttons.append(
                secondary(execute(Verb.STUDENT_AUDIT, "Pupil audit report", student=main))
            )
    return buttons


def _casework_buttons(view: IncidentView) -> list[Card]:
    """The DSL team's: assign, status, edit, and (under "…") history, link and move."""
    case = {"incident": view.facts.id, "ver": view.facts.version}
    buttons = []
    if view.facts.assignee_id != view.viewer_id:
        buttons.append(execute(Verb.CASE_ASSIGN, "Assign to me", **case))
    return buttons + [
        execute(Verb.CASE_ASSIGN_FORM, "Assign…", **case),
        execute(Verb.CASE_STATUS_FORM, "Change status", **case),
        execute(Verb.INCIDENT_EDIT_FORM, "Edit", **case),
        secondary(execute(Verb.CASE_HISTORY, "History", incident=view.facts.id)),
        secondary(execute(Verb.INCIDENT_LINK_FORM, "Add linked student", **case)),
        secondary(execute(Verb.INCIDENT_MOVE_FORM, "Move to another pupil", **case)),
    ]


def _actions(view: IncidentView, zone: ZoneInfo) -> list[Card]:
    """The follow-ups, oldest first: when, who, what; categories, agency, planner."""
    if not view.actions and not view.actions_held:
        return []
    names, cards = view.staff_names, [text_block("**Actions**")]
    if view.actions_held:
        held = "1 action is" if view.actions_held == 1 else f"{view.actions_held} actions are"
        cards += [
            warning(
                f"{held} in a restricted category: enter the code from your authenticator app "
                "to see them."
            ),
            text_input("code", "Code", max_length=6),
            action_set(execute(Verb.INCIDENT_SHOW, "Show them", incident=view.facts.id)),
        ]
    room = SHOWN_ACTIONS if sent_size(view.text) < 10_000 else 3  # a long text leaves less room
    shown = view.actions[-room:]
    cut = {a.id: fitting(a.text, ACTION_TEXT) for a in shown}
    shortened = len(view.actions) > len(shown) or any(cut[a.id] != a.text for a in shown)
    if len(view.actions) > len(shown):
        earlier = len(view.actions) - len(shown)
        words = "1 earlier action" if earlier == 1 else f"{earlier} earlier actions"
        cards.append(text_block(f"{words}: see All actions.", subtle=True))
    for action in shown:
        who = names.get(action.recorded_by, "a former colleague")
        cards.append(text_block(f"{_when(action.happened_at, zone)} by {who}", subtle=True))
        text = cut[action.id]
        if text != action.text:  # Teams refuses cards over 28 KB: All actions has it all
            text += "… (continued in All actions)"
        cards.append(text_run(text))
        if action.pasted:
            cards += pasted_note(view.facts.id, action.id)
        extra = [
            view.categories[c].name for c in sorted(action.category_ids) if c in view.categories
        ]
        if action.agency:
            extra.append(f"Agency: {action.agency}")
        if action.planner_date is not None:
            reminded = names.get(action.planner_staff_id or 0, "a former colleague")
            extra.append(f"Planner: {reminded} on {action.planner_date.strftime('%d/%m/%Y')}")
        files = [a.name for a in view.attachments if a.action_id == action.id]
        if files:
            extra.append("Files: " + ", ".join(files))
        if extra:
            cards.append(text_run(" · ".join(extra)))
    if shortened:
        cards.append(action_set(execute(Verb.ACTION_LIST, "All actions", incident=view.facts.id)))
    return cards


def _grants(view: IncidentView) -> list[Card]:
    granted = sorted(view.facts.granted_to, key=lambda s: view.staff_names.get(s, ""))
    if not granted:
        return []
    cards = [text_block("**Access given by an alert**")]
    for staff_id in granted:
        cards.append(text_run(view.staff_names.get(staff_id, "a former colleague")))
        withdraw = execute(
            Verb.GRANT_WITHDRAW, "Withdraw access", incident=view.facts.id, staff=staff_id
        )
        cards.append(action_set(withdraw))
    return cards


def status_card(reference: str, status: str) -> Card:
    """What its recorder sees of an incident they may not read: where it has got to."""
    return adaptive_card(
        [
            heading(f"Incident {reference}"),
            facts([("Status", status)]),
            text_block(
                "Thank you for recording it. The safeguarding team has it; its details are "
                "visible to them only.",
                subtle=True,
            ),
        ]
    )


def elevation_prompt_card(
    incident_id: int,
    *,
    enrolled: bool,
    error: str = "",
    retry: tuple[str, Mapping[str, Any]] | None = None,
) -> Card:
    """Restricted or historic: the code from the authenticator opens it (checked on the server).
    `retry` (a save whose elevation ran out meanwhile) carries what was typed, to go on with."""
    body = [
        heading("Elevated access needed"),
        text_block(
            "This incident is in a restricted category or is historic: enter the code from your "
            "authenticator app to open it."
        ),
    ]
    if not enrolled:
        body.append(text_block("Set up elevated access in Settings first."))
        return adaptive_card(body, [execute(Verb.SETTINGS_SHOW, "Settings")])
    if retry is not None:
        body.append(text_block("Nothing you typed is lost: enter the code, then Continue."))
    body.append(text_input("code", "Code", max_length=6))
    if error:
        body.append(warning(error))
    if retry is None:
        return adaptive_card(body, [execute(Verb.INCIDENT_SHOW, "Open", incident=incident_id)])
    verb, data = retry
    kept = {k: v for k, v in data.items() if k not in ("v", "code")}
    return adaptive_card(body, [execute(verb, "Continue", **kept)])


def _pupil_line(view: IncidentView, pupil: IncidentPupil, hide: bool) -> str:
    student = pupil.student
    categories = ", ".join(
        sorted(view.categories[c].name for c in pupil.category_ids if c in view.categories)
    )
    line = f"{pupil_name(student, hide=hide)} (Year {student.year_group}, {student.tutor_group})"
    line = f"Linked: {line}" if pupil.linked else line
    line += f": {categories}" if categories else ": no categories"
    return line + (" (monitoring)" if pupil.monitoring else "")


def _body_map(view: IncidentView, url: str) -> list[Card]:
    if not view.markers:
        return []
    cards = [text_block("**Body map**")]
    if url:
        cards.append({"type": "Image", "url": url, "altText": "Body map with numbered markers"})
    cards += [text_run(f"{m.number}. {m.side}, {m.region}: {m.note}") for m in view.markers]
    return cards


def _attachments(view: IncidentView, links: dict[int, str]) -> list[Card]:
    """Each file with its facts; opened through its signed, short-lived link."""
    if not view.attachments:
        return []
    cards = [text_block("**Attachments**")]
    for a in view.attachments:
        with_action = ", with an action" if a.action_id is not None else ""
        size = max(1, a.size // 1024)
        cards.append(
            text_run(f"{a.name} ({a.kind}, {size} KB, SHA-256 {a.sha256[:12]}{with_action})")
        )
        if a.id in links:
            cards.append(action_set(open_url(f"Open {a.name}"[:60], links[a.id])))
    return cards


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")
