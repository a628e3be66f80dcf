"""One press, one transaction: every verb in the table and every text command, sent as a real
Teams activity, opens exactly one transaction at the engine (identity, chat address, decision,
change, audit, outbox and the view included); every verb its answer emits is routed, and no
button's data carries a field the Playground's web UI cannot press.

The walk goes through a case as people would: a teacher records a concern and alerts the DSL,
the DSL opens it, works it, adds an action, reads the pupil's record and the audit reports,
sets up elevated access and an exclusion; a teacher records a concern about a new student and
the DSL merges them into the roster's pupil. Each step is counted on its own.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.verbs import COMMAND_VERBS, VERBS
from cards.verbs import Verb
from storage.database import PREPARED_STATEMENTS
from storage.models import (
    AccessProposalRow,
    AlertGroupRow,
    AlertRow,
    CategoryRow,
    ExclusionRow,
    IncidentRow,
    SchoolRow,
    StaffRow,
    StudentRow,
    TermDateRow,
)
from tests.integration.conftest import RunningBot
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user

TEACHER = TEACHER_AAD
HELEN = "4f1c6a0e-1d2b-4c3a-9b8e-000000000005"
TOM_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000002"
TEXT = "MARKER-txn she said it happened at the weekend"
ACTION = "MARKER-txn-action phoned home"
# Pasted as an HTML email: the action keeps its readable text, and the original as evidence.
PASTED_ACTION = f"<div dir='ltr'><div>{ACTION}</div><div><br></div><div>from Sam's mum</div></div>"
REASON = "MARKER-txn-reason agreed with the family"


@dataclass(eq=False)
class Counter:
    """Transactions begun at the engine (any connection), counted while a press runs."""

    begun: int = 0
    verbs_seen: set[str] = field(default_factory=set)
    data_fields: set[str] = field(default_factory=set)
    more_than_one: dict[str, int] = field(default_factory=dict)
    statements: set[str] = field(default_factory=set)  # distinct SQL run during the walk

    def check(self, what: str) -> None:
        if self.begun != 1:
            self.more_than_one[what] = self.begun

    def __call__(self, *_: object) -> None:
        self.begun += 1


@pytest.fixture
def counter(engine) -> Iterator[Counter]:
    counting = Counter()

    def ran(_conn, _cursor, statement, *_: object) -> None:
        counting.statements.add(statement)

    event.listen(engine.sync_engine, "begin", counting)
    event.listen(engine.sync_engine, "before_cursor_execute", ran)
    yield counting
    event.remove(engine.sync_engine, "before_cursor_execute", ran)
    event.remove(engine.sync_engine, "begin", counting)


def _emitted(card: Any, into: set[str], fields: set[str] | None = None) -> None:
    """Every Action.Execute verb (and Action.Submit data verb) anywhere in a card, and the
    names of the fields its buttons' data carry."""
    if isinstance(card, dict):
        if card.get("type") == "Action.Execute" and "verb" in card:
            into.add(card["verb"])
            if fields is not None and isinstance(card.get("data"), dict):
                fields.update(card["data"])
        data = card.get("data")
        if card.get("type") == "Action.Submit" and isinstance(data, dict) and "verb" in data:
            into.add(data["verb"])
        for value in card.values():
            _emitted(value, into, fields)
    elif isinstance(card, list):
        for value in card:
            _emitted(value, into, fields)


async def _press(bot: RunningBot, counter: Counter, verb: str, aad: str, data: dict) -> Any:
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    counter.begun = 0
    response = await bot.post(body)
    begun = counter.begun
    assert response.status == 200, await response.text()
    card = (await response.json())["value"]
    _emitted(card, counter.verbs_seen, counter.data_fields)
    counter.begun = begun
    counter.check(verb)
    return card


async def _say(bot: RunningBot, counter: Counter, text: str, aad: str = DSL_AAD) -> None:
    body = as_user(activity("message_help", bot.connector_url, text=text), aad)
    counter.begun = 0
    response = await bot.post(body)
    begun = counter.begun
    assert response.status in (200, 201), await response.text()
    _emitted(bot.connector.cards(), counter.verbs_seen, counter.data_fields)
    counter.begun = begun
    counter.check(text)


async def _scalar(engine, query) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(query)).scalar()


Step = tuple[str, str, Callable[[dict], dict]]


def _steps() -> list[Step]:
    """(verb, who, data from what is known so far) in the order a school would press them."""
    return [
        (Verb.HELP, DSL_AAD, lambda k: {}),
        (Verb.INCIDENT_OPEN, TEACHER, lambda k: {"text": ""}),
        (Verb.INCIDENT_ADD, TEACHER, lambda k: {}),
        (
            Verb.INCIDENT_FORM,
            TEACHER,
            lambda k: {"key": "txn-form-0001", "op": "find", "student_query": "sam"},
        ),
        (
            Verb.INCIDENT_RECORD,
            TEACHER,
            lambda k: {
                "key": "txn-form-0001",
                "student_id": "1",
                "text": TEXT,
                "categories": "7",
                "alert_staff": str(k["staff"]["dsl"]),
            },
        ),
        (Verb.INCIDENT_ATTACH, TEACHER, lambda k: {"incident": k["incident"]}),
        (Verb.TRIAGE_SET, DSL_AAD, lambda k: {"text": "here"}),
        (Verb.TRIAGE_SHOW, DSL_AAD, lambda k: {"incident": k["incident"]}),
        (Verb.INCIDENT_SHOW, DSL_AAD, lambda k: {"incident": k["incident"], "alert": k["alert"]}),
        (Verb.ALERT_READ, DSL_AAD, lambda k: {"incident": k["incident"], "alert": k["alert"]}),
        (Verb.CASE_ASSIGN_FORM, DSL_AAD, lambda k: _case(k)),
        (Verb.CASE_ASSIGN, DSL_AAD, lambda k: _case(k)),
        (Verb.CASE_HISTORY, DSL_AAD, lambda k: {"incident": k["incident"]}),
        (Verb.ACTION_FORM, DSL_AAD, lambda k: {"incident": k["incident"]}),
        (
            Verb.ACTION_ADD,
            DSL_AAD,
            lambda k: {"incident": k["incident"], "text": PASTED_ACTION, "key": "txn-action-0001"},
        ),
        (Verb.ACTION_LIST, DSL_AAD, lambda k: {"incident": k["incident"], "offset": 0}),
        (Verb.INCIDENT_ORIGINAL, DSL_AAD, lambda k: {"incident": k["incident"], "action": 1}),
        (Verb.INCIDENT_TEXT, DSL_AAD, lambda k: {"incident": k["incident"], "page": 0}),
        (Verb.INCIDENT_EDIT_FORM, DSL_AAD, lambda k: _case(k)),
        (
            Verb.INCIDENT_EDIT,
            DSL_AAD,
            lambda k: {**_case(k), "text": TEXT + " (corrected)", "categories_1": "7"},
        ),
        (Verb.INCIDENT_LINK_FORM, DSL_AAD, lambda k: {**_case(k), "pupil_query": "zoe"}),
        (Verb.INCIDENT_LINK, DSL_AAD, lambda k: {**_case(k), "student": "2", "categories": "7"}),
        (Verb.INCIDENT_MOVE_FORM, DSL_AAD, lambda k: {**_case(k), "pupil_query": "zoe"}),
        (Verb.INCIDENT_MOVE, DSL_AAD, lambda k: {**_case(k), "student": "3"}),
        (Verb.CASE_STATUS_FORM, DSL_AAD, lambda k: _case(k)),
        (
            Verb.CASE_STATUS,
            DSL_AAD,
            lambda k: {
                **_case(k),
                "status": "Closed",
                "outcome": "No further action",
                "reason": REASON,
            },
        ),
        (Verb.INCIDENT_AUDIT, DSL_AAD, lambda k: {"incident": k["incident"]}),
        (Verb.STUDENT_OPEN, DSL_AAD, lambda k: {"text": "sam"}),
        (Verb.STUDENT_FIND, DSL_AAD, lambda k: {"text": "sam"}),
        (Verb.STUDENT_SHOW, DSL_AAD, lambda k: {"student": 3}),
        (Verb.STUDENT_EXPORT, DSL_AAD, lambda k: {"student": 3}),
        (Verb.STUDENT_AUDIT, DSL_AAD, lambda k: {"student": 3}),
        (
            Verb.GRANT_WITHDRAW,
            DSL_AAD,
            lambda k: {"incident": k["incident"], "staff": k["staff"]["tom"]},
        ),
        (Verb.DASHBOARD_OPEN, DSL_AAD, lambda k: {}),
        (Verb.DASHBOARD_SHOW, DSL_AAD, lambda k: {}),
        (Verb.SETTINGS_SHOW, TEACHER, lambda k: {}),
        (Verb.SETTINGS_SAVE, TEACHER, lambda k: {"hide_names": "true"}),
        (Verb.ELEVATION_ENROL, TEACHER, lambda k: {}),
        (Verb.ELEVATION_VERIFY, TEACHER, lambda k: {"code": "000000"}),
        (Verb.ELEVATION_RESET, DSL_AAD, lambda k: {"staff_id": str(k["staff"]["teacher"])}),
        (Verb.EXCLUSIONS_OPEN, DSL_AAD, lambda k: {}),
        (Verb.EXCLUSIONS_SHOW, DSL_AAD, lambda k: {}),
        (Verb.EXCLUSIONS_FIND, DSL_AAD, lambda k: {"pupil_query": "zoe"}),
        (
            Verb.EXCLUSION_SET,
            DSL_AAD,
            lambda k: {
                "student_id": "2",
                "staff_id": str(k["staff"]["teacher"]),
                "reason": "relative",
            },
        ),
        (Verb.EXCLUSION_LIFT, DSL_AAD, lambda k: {"exclusion": k["exclusion"], "student": 2}),
        # A concern about a pupil added by hand, then merged into the roster's by the DSL.
        (
            Verb.INCIDENT_RECORD,
            TEACHER,
            lambda k: {
                "key": "txn-form-0002",
                "new_student": "true",
                "new_first": "Sam",
                "new_last": "Taylor",
                "new_year": "8",
                "new_dob": "2014-07-27",
                "text": TEXT,
                "categories": "7",
            },
        ),
        (Verb.STUDENT_PROVISIONAL, DSL_AAD, lambda k: {}),
        (
            Verb.STUDENT_MERGE_FORM,
            DSL_AAD,
            lambda k: {"student": k["provisional"], "merge_query": "taylor"},
        ),
        (Verb.STUDENT_MERGE, DSL_AAD, lambda k: {"student": k["provisional"], "into": k["sam"]}),
        *_administration(),
    ]


def _administration() -> list[Step]:
    """The administrator keeps the set-up; the DSL team decide what touches access."""
    cat, staff = (lambda k, i: k["categories"][i]), (lambda k, name: k["people"][name])
    rights = {
        "category": 9,
        "restricted": "true",
        **{f"role_viewer_{r}": "true" for r in ("view_students", "view_incidents")},
        **{f"role_{role}_add_incidents": "true" for role in ("staff", "viewer", "administrator")},
    }
    return [
        (Verb.ADMIN_OPEN, HELEN, lambda k: {}),
        (Verb.ADMIN_SHOW, HELEN, lambda k: {}),
        (Verb.ADMIN_CATEGORIES, HELEN, lambda k: {}),
        (Verb.ADMIN_CATEGORY, HELEN, lambda k: {"category": 7}),
        (
            Verb.ADMIN_CATEGORY_SAVE,
            HELEN,
            lambda k: {"category": 7, "ver": cat(k, 7), "name": "Wellbeing", "colour": "#16A34A"},
        ),
        (
            Verb.ADMIN_CATEGORY_RETIRE,
            HELEN,
            lambda k: {"category": 4, "ver": cat(k, 4), "retire": True},
        ),
        (Verb.ADMIN_RIGHTS, HELEN, lambda k: {"category": 9}),
        (Verb.ADMIN_RIGHTS_SAVE, HELEN, lambda k: {**rights, "ver": cat(k, 9)}),
        (
            Verb.ADMIN_RIGHTS_SAVE,
            HELEN,
            lambda k: {**rights, "ver": cat(k, 9), "confirm": k["token"]},
        ),
        (Verb.ADMIN_PROPOSAL_DECLINE, DSL_AAD, lambda k: {"proposal": k["proposal"]}),
        (
            Verb.ADMIN_PROPOSAL_CONFIRM,
            DSL_AAD,
            lambda k: {"proposal": k["proposal"], "code": "123456"},
        ),
        (Verb.ADMIN_STAFF, HELEN, lambda k: {}),
        (Verb.ADMIN_STAFF_MEMBER, HELEN, lambda k: {"staff": staff(k, "aisha")[0]}),
        (
            Verb.ADMIN_STAFF_SAVE,
            HELEN,
            lambda k: {
                "staff": staff(k, "aisha")[0],
                "ver": staff(k, "aisha")[1],
                "role": "staff",
                "active": "false",
            },
        ),
        (
            Verb.ADMIN_SCOPE_SAVE,
            HELEN,
            lambda k: {
                "staff": staff(k, "daniel")[0],
                "ver": staff(k, "daniel")[1],
                "year_groups": "7,8",
            },
        ),
        (Verb.ADMIN_GROUPS, HELEN, lambda k: {}),
        (Verb.ADMIN_GROUP, HELEN, lambda k: {"group": 1}),
        (Verb.ADMIN_GROUP_SAVE, HELEN, lambda k: {"name": "Year 7 team", "members": "3"}),
        (
            Verb.ADMIN_GROUP_RETIRE,
            HELEN,
            lambda k: {**k["group"], "retire": True},
        ),
        (Verb.ADMIN_LISTS, HELEN, lambda k: {}),
        (
            Verb.ADMIN_LIST_ADD,
            HELEN,
            lambda k: {"list": "agencies", "new_agencies": "Youth Offending Team"},
        ),
        (Verb.ADMIN_LIST_REMOVE, HELEN, lambda k: {"list": "outcomes", "entry": "Early help"}),
        (Verb.ADMIN_SCHOOL, HELEN, lambda k: {}),
        (
            Verb.ADMIN_SCHOOL_SAVE,
            HELEN,
            lambda k: {
                "ver": k["school_version"],
                "name": "Kestrel Demo Academy",
                "time_zone": "Europe/London",
                "escalate_minutes": "10",
            },
        ),
        (
            Verb.ADMIN_TERM_ADD,
            HELEN,
            lambda k: {
                "term_name": "Spring 2027",
                "term_starts": "2027-01-04",
                "term_ends": "2027-03-26",
            },
        ),
        (Verb.ADMIN_TERM_REMOVE, HELEN, lambda k: {"term": k["term"]}),
        (Verb.ADMIN_TRIAGE_STOP, DSL_AAD, lambda k: {}),
        (Verb.SCHOOL_SHOW, DSL_AAD, lambda k: {}),
        (Verb.SCHOOL_SWITCH, DSL_AAD, lambda k: {"to": 1}),
    ]


async def _set_up(engine) -> dict[str, Any]:
    """The administration records' ids and versions as they are now (cards carry them)."""
    async with engine.connect() as connection:
        categories = dict(
            (await connection.execute(select(CategoryRow.id, CategoryRow.version))).all()
        )
        staff = {
            name.split()[0].lower(): (staff_id, version)
            for staff_id, name, version in await connection.execute(
                select(StaffRow.id, StaffRow.display_name, StaffRow.version)
            )
        }
        group = (
            await connection.execute(
                select(AlertGroupRow.id, AlertGroupRow.version).where(
                    AlertGroupRow.name == "Year 7 team"
                )
            )
        ).first()
        return {
            "categories": categories,
            "people": staff,
            "group": {"group": group[0], "ver": group[1]} if group else {},
            "school_version": await connection.scalar(select(SchoolRow.version)),
            "term": await connection.scalar(select(TermDateRow.id)),
            "proposal": await connection.scalar(select(AccessProposalRow.id)),
        }


def _confirm_token(card: Any) -> str:
    """The token a checked Rights change carries on its save button."""
    found: set[str] = set()
    for action in card.get("actions", []):
        if action.get("verb") == Verb.ADMIN_RIGHTS_SAVE and "confirm" in action["data"]:
            found.add(action["data"]["confirm"])
    [token] = found
    return token


def _case(known: dict) -> dict:
    return {"incident": known["incident"], "ver": known["version"]}


def test_the_walk_presses_every_verb_in_the_table():
    pressed = {verb for verb, _, _ in _steps()}
    assert pressed == set(VERBS) - {Verb.COMMAND_UNKNOWN}
    assert set(COMMAND_VERBS.values()) <= set(VERBS) | {Verb.COMMAND_UNKNOWN}


async def test_every_press_opens_one_transaction_and_every_verb_it_shows_is_routed(
    running_bot, engine, counter, demo_school
):
    known: dict[str, Any] = {"staff": {}}
    async with engine.connect() as connection:
        rows = (await connection.execute(select(StaffRow.id, StaffRow.aad_object_id))).all()
    by_aad = {aad: staff_id for staff_id, aad in rows}
    known["staff"] = {"dsl": by_aad[DSL_AAD], "teacher": by_aad[TEACHER], "tom": by_aad[TOM_AAD]}
    for verb, who, data in _steps():
        if "incident" not in known and verb not in (
            Verb.HELP,
            Verb.INCIDENT_OPEN,
            Verb.INCIDENT_ADD,
            Verb.INCIDENT_FORM,
            Verb.INCIDENT_RECORD,
        ):
            known["incident"] = await _scalar(engine, select(IncidentRow.id))
            known["alert"] = await _scalar(engine, select(AlertRow.id))
        if "incident" in known:
            known["version"] = await _scalar(
                engine, select(IncidentRow.version).where(IncidentRow.id == known["incident"])
            )
        if verb == Verb.EXCLUSION_LIFT:
            known["exclusion"] = await _scalar(engine, select(ExclusionRow.id))
        if verb in (Verb.STUDENT_MERGE_FORM, Verb.STUDENT_MERGE):
            known["provisional"] = await _scalar(
                engine, select(StudentRow.id).where(StudentRow.provisional.is_(True))
            )
            known["sam"] = await _scalar(
                engine, select(StudentRow.id).where(StudentRow.upn == "K930000522654")
            )
        if verb.startswith("admin."):
            known.update(await _set_up(engine))
        card = await _press(running_bot, counter, verb, who, data(known))
        if verb == Verb.ADMIN_RIGHTS_SAVE and "token" not in known:
            known["token"] = _confirm_token(card)
    for text in (
        "help",
        "add incident",
        "dashboard",
        "settings",
        "exclusions",
        "student sam",
        "triage off",
        "admin",
        "school",
    ):
        await _say(running_bot, counter, text)
    await _say(running_bot, counter, "what is this")
    assert counter.more_than_one == {}
    merged = select(StudentRow.merged_into).where(StudentRow.provisional.is_(True))
    assert await _scalar(engine, merged) == known["sam"]  # the walk's merge went through
    # The administration steps went through (each press did what it says, not a refusal).
    proposal = select(AccessProposalRow.decision)
    assert await _scalar(engine, proposal) == "declined"
    assert await _scalar(engine, select(AlertGroupRow.retired_at).where(AlertGroupRow.id > 2))
    assert await _scalar(engine, select(SchoolRow.escalate_minutes)) == 10
    assert await _scalar(engine, select(TermDateRow.id)) is None
    assert counter.verbs_seen <= set(VERBS), counter.verbs_seen - set(VERBS)
    # Every statement stays prepared on a pooled PostgreSQL connection, with room for the
    # paths this walk does not take (a dropped one is prepared again: one more round trip).
    assert 3 * len(counter.statements) <= PREPARED_STATEMENTS, len(counter.statements)
    # The Agents Playground's web UI cannot press a button whose data has a field named "key".
    assert "form_key" in counter.data_fields and "key" not in counter.data_fields
