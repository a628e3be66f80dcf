"""Every verb Kestrel has refuses a forged request, plainly and audited.

FORGERIES must name every verb in bot/verbs.py: a new verb without a forged-request case here
fails `test_every_verb_has_a_forged_request_case`.
"""

import pytest
from sqlalchemy import select

from bot.verbs import VERBS
from storage.models import AuditEventRow
from tests.support.activities import OTHER_TENANT, STRANGER_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import texts

NOT_AVAILABLE = "That record is not available."
PUPIL_NOT_AVAILABLE = "That pupil is not available. Choose the pupil again."
NOT_SET_UP = "You are not set up in Kestrel. Please ask your administrator to add you."

# verb -> (who sends it, data they forge, what they must see, the audit action it must leave)
FORGERIES = {
    "help": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "incident.add": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "incident.open": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    # A teacher sending a pupil id that is not theirs to see (another school's, or none at all).
    "incident.form": (
        TEACHER_AAD,
        {"op": "link", "link_pick": "99999", "key": "forged-key-0001"},
        PUPIL_NOT_AVAILABLE,
        "access.refused",
    ),
    "incident.record": (
        TEACHER_AAD,
        {"student_id": "99999", "categories": "1", "text": "x", "key": "forged-key-0002"},
        PUPIL_NOT_AVAILABLE,
        "access.refused",
    ),
    # A teacher opening the attach window on an incident that is not theirs.
    "incident.attach": (TEACHER_AAD, {"incident": 99999}, NOT_AVAILABLE, "access.refused"),
    # A teacher opening an incident by id (one that does not exist answers the same).
    "incident.show": (TEACHER_AAD, {"incident": 99999}, NOT_AVAILABLE, "access.refused"),
    # A teacher replaying the DSL team's oversight buttons.
    "incident.audit": (TEACHER_AAD, {"incident": 1}, NOT_AVAILABLE, "access.refused"),
    # A teacher asking for a pasted email's original on an incident they cannot see.
    "incident.original": (
        TEACHER_AAD,
        {"incident": 1, "action": 1},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "student.audit": (TEACHER_AAD, {"student": 1}, NOT_AVAILABLE, "access.refused"),
    "grant.withdraw": (TEACHER_AAD, {"incident": 1, "staff": 6}, NOT_AVAILABLE, "access.refused"),
    # A teacher replaying the DSL team's case buttons (the version is right; the person is not).
    "case.assign": (TEACHER_AAD, {"incident": 1, "ver": 1}, NOT_AVAILABLE, "access.refused"),
    "case.assign_form": (TEACHER_AAD, {"incident": 1, "ver": 1}, NOT_AVAILABLE, "access.refused"),
    "case.status_form": (TEACHER_AAD, {"incident": 1, "ver": 1}, NOT_AVAILABLE, "access.refused"),
    "case.status": (
        TEACHER_AAD,
        {
            "incident": 1,
            "ver": 1,
            "status": "Closed",
            "outcome": "No further action",
            "reason": "x",
        },
        NOT_AVAILABLE,
        "access.refused",
    ),
    "case.history": (TEACHER_AAD, {"incident": 1}, NOT_AVAILABLE, "access.refused"),
    "incident.edit_form": (TEACHER_AAD, {"incident": 1, "ver": 1}, NOT_AVAILABLE, "access.refused"),
    "incident.edit": (
        TEACHER_AAD,
        {"incident": 1, "ver": 1, "text": "rewritten", "categories_1": "7"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "incident.move_form": (
        TEACHER_AAD,
        {"incident": 1, "ver": 1, "pupil_query": "sam"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "incident.move": (
        TEACHER_AAD,
        {"incident": 1, "ver": 1, "student": "2"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "incident.link_form": (TEACHER_AAD, {"incident": 1, "ver": 1}, NOT_AVAILABLE, "access.refused"),
    "incident.link": (
        TEACHER_AAD,
        {"incident": 1, "ver": 1, "student": "2", "categories": "7"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    # A teacher adding an action to an incident they cannot see.
    "action.form": (TEACHER_AAD, {"incident": 1}, NOT_AVAILABLE, "access.refused"),
    "action.list": (TEACHER_AAD, {"incident": 1, "offset": 0}, NOT_AVAILABLE, "access.refused"),
    "incident.text": (TEACHER_AAD, {"incident": 1, "page": 1}, NOT_AVAILABLE, "access.refused"),
    "action.add": (
        TEACHER_AAD,
        {"incident": 1, "text": "x", "key": "forged-key-0003"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    # A teacher (who may record but not browse records) opening a pupil's record.
    "student.open": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "student.find": (TEACHER_AAD, {"text": "sam"}, NOT_AVAILABLE, "access.refused"),
    "student.show": (TEACHER_AAD, {"student": 1}, NOT_AVAILABLE, "access.refused"),
    "student.export": (TEACHER_AAD, {"student": 1}, NOT_AVAILABLE, "access.refused"),
    # A teacher replaying the DSL team's and administrators' merge buttons (and pupil 1 is on
    # the roster: not one added by hand, whoever asks).
    "student.provisional": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "student.merge_form": (TEACHER_AAD, {"student": 1}, NOT_AVAILABLE, "access.refused"),
    "student.merge": (TEACHER_AAD, {"student": 1, "into": 2}, NOT_AVAILABLE, "access.refused"),
    # A teacher marking someone else's alert (or one that does not exist) as read.
    "alert.read": (TEACHER_AAD, {"alert": 99999}, NOT_AVAILABLE, "access.refused"),
    "dashboard.show": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "dashboard.open": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "settings.show": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "settings.save": (STRANGER_AAD, {"hide_names": "true"}, NOT_SET_UP, "identity.refused"),
    "elevation.enrol": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "elevation.verify": (STRANGER_AAD, {"code": "123456"}, NOT_SET_UP, "identity.refused"),
    # A teacher replaying the DSL's reset button with a colleague's id.
    "elevation.reset": (TEACHER_AAD, {"staff_id": "1"}, NOT_AVAILABLE, "access.refused"),
    "exclusions.open": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    # A teacher replaying the DSL's exclusion buttons.
    "exclusions.show": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "exclusions.find": (TEACHER_AAD, {"pupil_query": "zoe"}, NOT_AVAILABLE, "access.refused"),
    "exclusion.set": (
        TEACHER_AAD,
        {"student_id": "1", "staff_id": "3", "reason": "relative"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "exclusion.lift": (
        TEACHER_AAD,
        {"exclusion": 1, "student": 1},
        NOT_AVAILABLE,
        "access.refused",
    ),
    # A teacher choosing the triage channel, and opening a post's view of an unknown incident.
    "triage.set": (
        TEACHER_AAD,
        {"text": "here"},
        "The triage channel is chosen by the DSL team.",
        "access.refused",
    ),
    "triage.show": (TEACHER_AAD, {"incident": 99999}, NOT_AVAILABLE, "access.refused"),
    # Administration: a stranger typing `admin`; a teacher replaying an administrator's buttons
    # (ids of this school: the person is wrong, not the record).
    "admin.open": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    "admin.show": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.categories": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.category": (TEACHER_AAD, {"category": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.category_save": (
        TEACHER_AAD,
        {"name": "Forged", "colour": "#000000"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.category_retire": (
        TEACHER_AAD,
        {"category": 1, "ver": 1, "retire": True},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.rights": (TEACHER_AAD, {"category": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.rights_save": (
        TEACHER_AAD,
        {"category": 1, "ver": 1, "role_staff_view_incidents": "true", "confirm": "x" * 16},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.proposal_confirm": (
        TEACHER_AAD,
        {"proposal": 1, "code": "123456"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.proposal_decline": (TEACHER_AAD, {"proposal": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.staff": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.staff_member": (TEACHER_AAD, {"staff": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.staff_save": (
        TEACHER_AAD,
        {"staff": 3, "ver": 1, "role": "dsl", "active": "true"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.scope_save": (
        TEACHER_AAD,
        {"staff": 1, "ver": 1, "year_groups": "7"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.groups": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.group": (TEACHER_AAD, {"group": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.group_save": (
        TEACHER_AAD,
        {"group": 1, "ver": 1, "name": "DSL team", "members": "3"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.group_retire": (
        TEACHER_AAD,
        {"group": 1, "ver": 1, "retire": True},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.lists": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.list_add": (
        TEACHER_AAD,
        {"list": "agencies", "new_agencies": "Forged"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.list_remove": (
        TEACHER_AAD,
        {"list": "outcomes", "entry": "No further action"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.school": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "admin.school_save": (
        TEACHER_AAD,
        {"ver": 1, "name": "Forged", "time_zone": "UTC"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.term_add": (
        TEACHER_AAD,
        {"term_name": "Forged", "term_starts": "2027-01-04", "term_ends": "2027-03-26"},
        NOT_AVAILABLE,
        "access.refused",
    ),
    "admin.term_remove": (TEACHER_AAD, {"term": 1}, NOT_AVAILABLE, "access.refused"),
    "admin.triage_stop": (TEACHER_AAD, {}, NOT_AVAILABLE, "access.refused"),
    "school.show": (STRANGER_AAD, {}, NOT_SET_UP, "identity.refused"),
    # A teacher of one school choosing to work in a school that is not theirs.
    "school.switch": (TEACHER_AAD, {"to": 99999}, NOT_AVAILABLE, "access.refused"),
}


def test_every_verb_has_a_forged_request_case():
    assert set(FORGERIES) == set(VERBS)


@pytest.mark.parametrize("verb", sorted(FORGERIES))
async def test_forged_request_is_refused_plainly_and_audited(running_bot, engine, verb):
    sender, data, expected, audited = FORGERIES[verb]
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), sender)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await running_bot.post(body)
    card = (await response.json())["value"]
    assert response.status == 200
    assert expected in " ".join(texts(card))
    async with engine.connect() as connection:
        actions = list(await connection.scalars(select(AuditEventRow.action)))
    assert audited in actions


@pytest.mark.parametrize("verb", sorted(FORGERIES))
async def test_the_same_verb_from_another_tenant_is_refused(running_bot, verb):
    body = as_user(
        activity("invoke_action_execute", running_bot.connector_url), TEACHER_AAD, OTHER_TENANT
    )
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1}}
    response = await running_bot.post(body)
    assert NOT_SET_UP in " ".join(texts((await response.json())["value"]))
