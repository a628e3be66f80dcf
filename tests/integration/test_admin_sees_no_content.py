"""An administrator never sees an incident, a pupil's record, a chronology, an audit history or a
file: every verb that shows details, pressed over HTTP as the demo administrator Helen Carter
with real ids (an incident she was even named on, and one she recorded herself), answers with
nothing of the pupil or the concern.

DETAIL_VERBS and NO_DETAILS between them must name every verb in bot/verbs.py: a new verb fails
`test_every_verb_is_weighed_for_what_it_shows` until it is put in one of them.
"""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.verbs import VERBS
from cards.verbs import Verb as V
from storage.models import AlertRow, IncidentGrantRow, IncidentRow, StaffRow
from tests.support.activities import DSL_AAD, TEACHER_AAD
from tests.support.pressing import HELEN_AAD, all_text, press

MARKER = "MARKER-admin-never-sees"
PUPIL = "Amara"  # demo pupil 1, Amara Okafor (Tom Okafor, a colleague, shares the surname)

Known = dict[str, int]
DETAIL_VERBS: dict[str, Callable[[Known], dict]] = {
    V.INCIDENT_SHOW: lambda k: {"incident": k["incident"]},
    V.INCIDENT_AUDIT: lambda k: {"incident": k["incident"]},
    V.INCIDENT_ORIGINAL: lambda k: {"incident": k["incident"]},
    V.INCIDENT_TEXT: lambda k: {"incident": k["incident"], "page": 0},
    # Pupils added by hand and their merge: names (to merge them), never a concern.
    V.STUDENT_PROVISIONAL: lambda k: {},
    V.STUDENT_MERGE_FORM: lambda k: {"student": 1, "merge_query": "amara"},
    V.STUDENT_MERGE: lambda k: {"student": 1, "into": 2},
    V.STUDENT_AUDIT: lambda k: {"student": 1},
    V.CASE_HISTORY: lambda k: {"incident": k["incident"]},
    V.CASE_ASSIGN_FORM: lambda k: {"incident": k["incident"], "ver": 1},
    V.CASE_STATUS_FORM: lambda k: {"incident": k["incident"], "ver": 1},
    V.INCIDENT_EDIT_FORM: lambda k: {"incident": k["incident"], "ver": 1},
    V.INCIDENT_MOVE_FORM: lambda k: {"incident": k["incident"], "ver": 1, "pupil_query": "amara"},
    V.INCIDENT_LINK_FORM: lambda k: {"incident": k["incident"], "ver": 1, "pupil_query": "amara"},
    V.ACTION_FORM: lambda k: {"incident": k["incident"]},
    V.ACTION_LIST: lambda k: {"incident": k["incident"], "offset": 0},
    V.STUDENT_FIND: lambda k: {"text": "amara"},
    V.STUDENT_SHOW: lambda k: {"student": 1},
    V.STUDENT_EXPORT: lambda k: {"student": 1},
    V.TRIAGE_SHOW: lambda k: {"incident": k["incident"]},
    V.EXCLUSIONS_SHOW: lambda k: {},
    V.EXCLUSIONS_FIND: lambda k: {"pupil_query": "amara"},
    V.DASHBOARD_SHOW: lambda k: {},
    V.DASHBOARD_OPEN: lambda k: {},
    V.GRANT_WITHDRAW: lambda k: {"incident": k["incident"], "staff": k["helen"]},
    V.INCIDENT_ATTACH: lambda k: {"incident": k["incident"]},
    V.ALERT_READ: lambda k: {"alert": 1},
}
# Verbs that show no record's details to anyone: forms to fill in, personal settings, the
# triage channel's choice, and administration (the subject of these tests: it shows set-up only).
NO_DETAILS = {
    V.HELP,
    V.INCIDENT_OPEN,
    V.INCIDENT_ADD,
    V.INCIDENT_FORM,
    V.INCIDENT_RECORD,
    V.CASE_ASSIGN,
    V.CASE_STATUS,
    V.INCIDENT_EDIT,
    V.INCIDENT_MOVE,
    V.INCIDENT_LINK,
    V.ACTION_ADD,
    V.STUDENT_OPEN,
    V.SETTINGS_SHOW,
    V.SETTINGS_SAVE,
    V.ELEVATION_ENROL,
    V.ELEVATION_VERIFY,
    V.ELEVATION_RESET,
    V.EXCLUSIONS_OPEN,
    V.EXCLUSION_SET,
    V.EXCLUSION_LIFT,
    V.TRIAGE_SET,
    V.SCHOOL_SHOW,  # the names of one's own schools
    V.SCHOOL_SWITCH,
    *(verb for verb in V if verb.value.startswith("admin.")),
}


def test_every_verb_is_weighed_for_what_it_shows():
    assert set(DETAIL_VERBS) | NO_DETAILS == set(VERBS)
    assert not set(DETAIL_VERBS) & NO_DETAILS


@pytest.fixture
async def known(running_bot, engine) -> Known:
    """A concern James recorded about Amara naming Helen among those to alert, and one Helen
    recorded herself; the ids her forged buttons carry."""
    async with engine.connect() as connection:
        staff = dict((await connection.execute(select(StaffRow.display_name, StaffRow.id))).all())
    for who, key in ((TEACHER_AAD, "never-sees-0001"), (HELEN_AAD, "never-sees-0002")):
        card = await press(
            running_bot,
            "incident.record",
            who,
            form_key=key,
            student_id="1",
            text=f"{MARKER} said she was frightened to go home",
            categories="7",
            alert_staff=f"{staff['Helen Carter']},{staff['Priya Raman']}",
        )
        assert "Recorded as K-" in all_text(card), all_text(card)
    async with engine.connect() as connection:
        ids = list(await connection.scalars(select(IncidentRow.id).order_by(IncidentRow.id)))
    return {"incident": ids[0], "own": ids[1], "helen": staff["Helen Carter"]}


@pytest.mark.parametrize("verb", sorted(DETAIL_VERBS))
async def test_the_administrator_sees_nothing_of_a_pupil_or_a_concern(running_bot, known, verb):
    for incident in (known["incident"], known["own"]):
        data = DETAIL_VERBS[verb]({**known, "incident": incident})
        card = await press(running_bot, verb, HELEN_AAD, **data)
        shown = all_text(card)
        assert MARKER not in shown and PUPIL not in shown, shown


async def test_the_dsl_sees_the_same_concern_so_the_check_above_can_fail(running_bot, known):
    card = await press(running_bot, V.INCIDENT_SHOW, DSL_AAD, incident=known["incident"])
    assert MARKER in all_text(card) and PUPIL in all_text(card)


async def test_alerting_an_administrator_neither_alerts_nor_grants(running_bot, engine, known):
    async with engine.connect() as connection:
        alerted = set(await connection.scalars(select(AlertRow.staff_id)))
        granted = set(await connection.scalars(select(IncidentGrantRow.staff_id)))
    assert known["helen"] not in alerted | granted
