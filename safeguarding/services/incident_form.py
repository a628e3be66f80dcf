"""The Add Incident form inside a press: open it, change it (find, link, markers), record it.

Every answer is the form as data (`IncidentForm`) with what was typed, or the incident it
recorded; a pupil id the member of staff may not see is refused, audited and dropped.
"""

import secrets
from collections.abc import Mapping
from typing import Any, Protocol

from safeguarding.audit import AuditAction
from safeguarding.errors import ConfirmGrants, Conflict, InvalidInput, NotAvailable
from safeguarding.incident_form import (
    FORM_KEY,
    IncidentForm,
    OpensPrivately,
    form_key,
    ids,
    linked_ids,
    marker_count,
    read_form,
    truthy,
)
from safeguarding.incidents import MAX_LINKED, MAX_MARKERS, MAX_TEXT
from safeguarding.outcomes import Confirm, Done, Invalid
from safeguarding.services.press import Press
from safeguarding.services.recording import Recorded, recorded_before, store_incident
from safeguarding.services.search import form_options, students_chosen, students_matching
from safeguarding.services.typed_words import held_words, hold_words

PUPIL_NOT_AVAILABLE = "That pupil is not available. Choose the pupil again."
NO_MATCH = "No pupil matches that name."


class NewForm(Protocol):
    """What opens the form (cards/payloads.py:NewForm)."""

    query: str
    dialog: bool
    prefill: str
    evidence: Mapping[str, Any] | None


class SentForm(Protocol):
    """The form as sent back (cards/payloads.py:FormData)."""

    values: Mapping[str, Any]
    op: str
    student: Any
    dialog: bool


async def offer_form(press: Press, form: NewForm) -> Done[IncidentForm | str | OpensPrivately]:
    """`add incident [name]` (incident.open) in the 1:1 chat: the empty form itself, posted
    with its restricted categories withheld (Teams keeps it); with a name typed, a button
    carrying a token for it (held here: Teams keeps the button, never the name)."""
    if press.conversation != "personal":
        return Done(OpensPrivately())
    if not form.query:
        values: dict[str, Any] = {FORM_KEY: secrets.token_urlsafe(16)}
        return Done((await incident_form(press, values, dialog=False)).posted())
    return Done(await hold_words(press, form.query))


async def new_form(press: Press, form: NewForm) -> Done[IncidentForm | OpensPrivately]:
    """The empty form (incident.add); `add incident Sam` looks Sam up at once; a message's
    text comes in as evidence. Private outside the 1:1 chat."""
    if press.conversation != "personal" and not form.dialog:
        return Done(OpensPrivately())
    values: dict[str, Any] = {FORM_KEY: secrets.token_urlsafe(16)}
    if form.evidence is not None:  # the message action: its text and its source
        values["text"], values["evidence"] = form.prefill[:MAX_TEXT], form.evidence
        if len(form.prefill) > MAX_TEXT:
            notice = f"The message is longer than {MAX_TEXT:,} characters: only the start is here."
            return Done(await incident_form(press, values, form.dialog, notice=notice))
    query = form.query or await held_words(press, form.words)
    if not query:
        return Done(await incident_form(press, values, form.dialog))
    values["pupil_query"] = query
    return Done(await _find(press, values, form.dialog))


async def change_form(press: Press, form: SentForm) -> Done[IncidentForm]:
    """The form again after a helper button (find a pupil, link one, add a marker)."""
    values, op, dialog = dict(form.values), form.op, form.dialog
    if op in ("find", "find_link"):
        return Done(await _find(press, values, dialog, linking=op == "find_link"))
    if op in ("new", "existing"):
        values["new_student"] = "true" if op == "new" else ""
    elif op == "link":
        values["linked"] = (linked_ids(values) + ids(values.get("link_pick")))[:MAX_LINKED]
    elif op == "unlink":
        values["linked"] = [i for i in linked_ids(values) if i != form.student]
    elif op == "add_marker":
        values["markers"] = min(marker_count(values) + 1, MAX_MARKERS)
    return Done(await incident_form(press, values, dialog))


async def record_incident(
    press: Press, form: SentForm
) -> Done[Recorded] | Invalid[IncidentForm] | Confirm[IncidentForm]:
    """Record the incident (incident.record), or the form back with every value and what to fix.

    A pupil refused here keeps its audit event: the answer is an outcome, and the press commits.
    """
    values, dialog = dict(form.values), form.dialog
    try:
        # Only a pupil added by hand is checked against the roster's year groups (a read
        # that walks the school's pupils).
        adding = truthy(values.get("new_student"))
        years = await press.uow.students.year_groups(press.school.id) if adding else ()
        zone = press.school.time_zone
        draft = read_form(values, now=press.now, time_zone=zone, year_groups=years)
        return Done(await store_incident(press, draft))
    except InvalidInput as invalid:
        shown = await incident_form(press, values, dialog, errors=invalid.errors)
        return Invalid(invalid.errors, shown)
    except ConfirmGrants as asked:
        shown = await incident_form(press, values, dialog, grants=asked.names, confirm=asked.token)
        return Confirm(asked.names, asked.token, shown)
    except NotAvailable:
        errors = {"student_id": PUPIL_NOT_AVAILABLE}
        return Invalid(errors, await incident_form(press, values, dialog, errors=errors))


async def record_again(press: Press, form: SentForm) -> Done[Recorded]:
    """The incident a parallel send of the same form recorded first (its key); Conflict if none.

    The documented second press of incident.record: storing raised Conflict on the key, which
    leaves that transaction unusable, so the first send's incident is looked up in a new one.
    """
    found = await recorded_before(press, form_key(form.values))
    if found is None:
        raise Conflict()
    return Done(found)


async def incident_form(
    press: Press, values: dict[str, Any], dialog: bool, **shown: Any
) -> IncidentForm:
    """The form with its options and chosen pupils; a pupil not visible is refused and dropped."""
    chosen = ids(values.get("student_id")) + linked_ids(values)
    pupils = await students_chosen(press, chosen)
    if not set(chosen) <= pupils.keys():  # a forged or stale id: refused, audited, dropped
        await press.audit(AuditAction.ACCESS_REFUSED, None, {"verb": "incident.form"})
        values["student_id"] = "".join(str(i) for i in ids(values.get("student_id")) if i in pupils)
        values["linked"] = [i for i in linked_ids(values) if i in pupils]
        shown["errors"] = {**shown.get("errors", {}), "student_id": PUPIL_NOT_AVAILABLE}
    return IncidentForm(
        options=await form_options(press),
        values=values,
        now=press.now,
        time_zone=press.school.time_zone,
        dialog=dialog,
        pupils=pupils,
        hide_names=press.hide_names,
        **shown,
    )


async def _find(
    press: Press, values: dict[str, Any], dialog: bool, *, linking: bool = False
) -> IncidentForm:
    query = str(values.get("link_query" if linking else "pupil_query", ""))[:100]
    matches = await students_matching(press, query)
    if not matches:
        errors = {"linked" if linking else "student_id": NO_MATCH}
        return await incident_form(press, values, dialog, errors=errors)
    if linking:
        return await incident_form(press, values, dialog, link_matches=matches)
    if len(matches) == 1:
        values["student_id"] = str(matches[0].student_id)
    return await incident_form(press, values, dialog, matches=matches)
