"""What each button carries, typed: parsed strictly once (bot/verbs.py), built by the cards.

Ids are references, never permissions: the use case loads the record and decides. A payload that
does not parse is refused where it is parsed, before any use case runs.

Teams merges a card's inputs into the pressed button's data, so a form's payload keeps every
input by name (`values`) for the domain's form readers; ids and versions are taken out here.

One module per family of buttons; every payload type is importable from here.
"""

from cards.payloads.admin import (
    CategoryChange,
    CategoryRef,
    CategoryRetire,
    GroupChange,
    GroupRef,
    GroupRetire,
    ListEntry,
    ProposalRef,
    RightsChange,
    RightsPick,
    SchoolChange,
    StaffChange,
    StaffRef,
    TermRef,
)
from cards.payloads.base import (
    DASHBOARD,
    MAX_ID,
    TRIAGE,
    AlertRef,
    CaseRef,
    IncidentRef,
    NoIds,
    Page,
    Payload,
    StudentRef,
    chosen_id,
    code_of,
    offset_of,
    record_id,
)
from cards.payloads.casework import (
    Assignee,
    PupilChoice,
)
from cards.payloads.forms import (
    FORM_FIELD,
    ActionsPage,
    FormData,
    NewForm,
    OriginalPart,
    SearchQuery,
    TextPage,
    form_values,
)
from cards.payloads.pupils import (
    GrantRef,
    MergeChoice,
    RecordPage,
    Words,
)
from cards.payloads.settings import (
    AlertId,
    CodeEntry,
    ColleagueRef,
    ExclusionForm,
    ExclusionRef,
    Pages,
    SchoolChoice,
    SettingsForm,
)

__all__ = [
    "CategoryChange",
    "CategoryRef",
    "CategoryRetire",
    "GroupChange",
    "GroupRef",
    "GroupRetire",
    "ListEntry",
    "ProposalRef",
    "RightsChange",
    "RightsPick",
    "SchoolChange",
    "StaffChange",
    "StaffRef",
    "TermRef",
    "DASHBOARD",
    "TRIAGE",
    "ActionsPage",
    "TextPage",
    "AlertId",
    "AlertRef",
    "Assignee",
    "CaseRef",
    "CodeEntry",
    "ColleagueRef",
    "ExclusionForm",
    "ExclusionRef",
    "FORM_FIELD",
    "FormData",
    "GrantRef",
    "IncidentRef",
    "MAX_ID",
    "MergeChoice",
    "NewForm",
    "NoIds",
    "OriginalPart",
    "Page",
    "Pages",
    "Payload",
    "PupilChoice",
    "RecordPage",
    "SchoolChoice",
    "SearchQuery",
    "SettingsForm",
    "StudentRef",
    "Words",
    "chosen_id",
    "code_of",
    "form_values",
    "offset_of",
    "record_id",
]
