"""Teams-shaped activity JSON, from the recorded fixtures in tests/fixtures/activities."""

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "activities"
DEMO_TENANT = "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d"
DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"
TEACHER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000003"
STRANGER_AAD = "9e9e9e9e-0000-4000-8000-00000000dead"
OTHER_TENANT = "0badc0de-0000-4000-8000-000000000000"


def activity(fixture: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """A fixture activity pointed at `service_url`, with top-level or dotted-path changes."""
    body = copy.deepcopy(json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8")))
    body["serviceUrl"] = service_url
    for path, value in changes.items():
        target = body
        *parents, last = path.split("__")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return body


def as_user(
    body: dict[str, Any], aad_object_id: str, tenant_id: str = DEMO_TENANT
) -> dict[str, Any]:
    """The same activity sent by someone else (in another tenant, if given)."""
    body = copy.deepcopy(body)
    body["from"]["aadObjectId"] = aad_object_id
    body["from"]["id"] = f"29:{aad_object_id}"
    body["conversation"]["tenantId"] = tenant_id
    body["channelData"]["tenant"]["id"] = tenant_id
    return body
