"""SQLAlchemy 2 typed models, one module per noun; every table is imported here so that
`Base.metadata` (Alembic, the tests) knows them all."""

from storage.models.access import (
    AccessProposalRow,
    CategoryRoleRightsRow,
    CategoryStaffRightsRow,
    ExclusionRow,
    SecondFactorRow,
    StaffScopeRow,
)
from storage.models.alerts import (
    AlertRow,
    ChatAddressRow,
    SendRow,
    TypedWordsRow,
)
from storage.models.audit import (
    AuditChainHeadRow,
    AuditEventRow,
)
from storage.models.base import NAMING, ROLES, Base
from storage.models.casework import (
    ActionCategoryRow,
    ActionRow,
    CaseEventRow,
    IncidentVersionRow,
)
from storage.models.imports import DirectorySyncRow, ImportRunRow
from storage.models.incidents import (
    AttachmentRow,
    AttachWindowRow,
    BodyMapMarkerRow,
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
)
from storage.models.school import (
    AgencyRow,
    AlertGroupMemberRow,
    AlertGroupRow,
    CategoryAlertGroupRow,
    CategoryRow,
    ClosingOutcomeRow,
    SchoolRow,
    StaffRow,
    StudentNameTokenRow,
    StudentRow,
    TermDateRow,
    WorkingSchoolRow,
)
from storage.models.triage import TriageChannelRow, TriagePostRow

__all__ = [
    "AccessProposalRow",
    "ActionCategoryRow",
    "ActionRow",
    "AgencyRow",
    "AlertGroupMemberRow",
    "AlertGroupRow",
    "AlertRow",
    "AttachWindowRow",
    "AttachmentRow",
    "AuditChainHeadRow",
    "AuditEventRow",
    "Base",
    "BodyMapMarkerRow",
    "CaseEventRow",
    "CategoryAlertGroupRow",
    "CategoryRoleRightsRow",
    "CategoryRow",
    "CategoryStaffRightsRow",
    "ChatAddressRow",
    "SendRow",
    "ClosingOutcomeRow",
    "ExclusionRow",
    "ImportRunRow",
    "DirectorySyncRow",
    "IncidentCategoryRow",
    "IncidentGrantRow",
    "IncidentRow",
    "IncidentStudentRow",
    "IncidentVersionRow",
    "NAMING",
    "ROLES",
    "SchoolRow",
    "SecondFactorRow",
    "StaffRow",
    "StaffScopeRow",
    "StudentNameTokenRow",
    "StudentRow",
    "TermDateRow",
    "WorkingSchoolRow",
    "TriageChannelRow",
    "TriagePostRow",
    "TypedWordsRow",
]
