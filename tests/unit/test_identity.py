"""Mapping a Teams caller to a member of staff, and refusing (with an audit event) everyone else."""

from datetime import UTC, datetime

import pytest

from safeguarding.audit import AuditAction
from safeguarding.clock import FixedClock
from safeguarding.errors import NotRecognised
from safeguarding.identity import Caller, TenantPolicy, fingerprint
from safeguarding.school import School
from safeguarding.services.chats import note_chat
from safeguarding.services.press import Request, Rules, run_press
from safeguarding.staff import Role, StaffMember
from tests.unit.fakes import FakeUnitOfWork, Store

TENANT = "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d"
OTHER = "0badc0de-0000-4000-8000-000000000000"
DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"
LEAVER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000009"
CLOCK = FixedClock(datetime(2026, 11, 24, 10, 50, tzinfo=UTC))


@pytest.fixture
def store() -> Store:
    school = School(1, "Kestrel Demo Academy", TENANT, "Europe/London")
    return Store(
        schools=[school],
        staff=[
            StaffMember(1, 1, DSL_AAD, "Priya Raman", "p.raman@x", Role.DSL),
            StaffMember(2, 1, LEAVER_AAD, "Left Lastyear", "l@x", Role.STAFF, active=False),
        ],
    )


async def identify(store: Store, caller: Caller, allowed: frozenset[str] | None = None):
    """A press by this caller: identified in its unit of work (a refusal's event is kept)."""
    rules = Rules(tenant_policy=TenantPolicy(allowed))
    pressed = await run_press(
        lambda: FakeUnitOfWork(store), CLOCK, rules, Request(caller), note_chat
    )
    return pressed.outcome


async def test_staff_member_is_found_by_entra_object_id_within_their_tenant(store):
    who = await identify(store, Caller(TENANT, DSL_AAD, "personal"), frozenset({TENANT}))
    assert (who.staff.display_name, who.staff.role, who.school.name) == (
        "Priya Raman",
        Role.DSL,
        "Kestrel Demo Academy",
    )
    assert store.audit == []


async def test_ids_are_matched_whatever_their_case(store):
    who = await identify(store, Caller(TENANT.upper(), DSL_AAD.upper(), "personal"))
    assert who.staff.id == 1


@pytest.mark.parametrize(
    ("caller", "allowed", "reason", "school_id"),
    [
        (
            Caller(TENANT, "9e9e9e9e-0000-4000-8000-00000000dead", "personal"),
            None,
            "unknown_staff",
            1,
        ),
        (Caller(TENANT, LEAVER_AAD, "groupChat"), None, "inactive_staff", 1),
        (Caller(OTHER, DSL_AAD, "personal"), None, "tenant_not_allowed", None),
        (Caller(TENANT, DSL_AAD, "personal"), frozenset({OTHER}), "tenant_not_allowed", None),
        (Caller(TENANT, "", "channel"), None, "no_identity", None),
        (Caller("", DSL_AAD, "personal"), None, "no_identity", None),
    ],
    ids=[
        "unknown",
        "left-the-school",
        "other-tenant",
        "tenant-not-configured",
        "anonymous",
        "no-tenant",
    ],
)
async def test_everyone_else_is_refused_and_the_refusal_is_audited(
    store, caller, allowed, reason, school_id
):
    with pytest.raises(NotRecognised) as refused:
        await identify(store, caller, allowed)
    assert refused.value.reason == reason
    [event] = store.audit
    assert (event.action, event.school_id, event.detail["reason"]) == (
        AuditAction.IDENTITY_REFUSED,
        school_id,
        reason,
    )
    assert event.conversation_type == caller.conversation_type
    assert event.actor_staff_id is None and event.occurred_at == CLOCK.now()
    assert event.detail["caller"] == fingerprint(caller)
    assert caller.aad_object_id == "" or caller.aad_object_id not in str(event)


def test_fingerprint_is_stable_one_way_and_case_blind():
    a = Caller(TENANT, DSL_AAD, "personal")
    b = Caller(TENANT.upper(), DSL_AAD.upper(), "channel")
    assert fingerprint(a) == fingerprint(b) and len(fingerprint(a)) == 16
    assert DSL_AAD not in fingerprint(a)
