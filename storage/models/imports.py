"""Imports of the roster: one row per run (a file imported, or later a sync from Graph)."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class ImportRunRow(Base):
    """What one import changed, the first rows it rejected (where and why: never a name), or
    why it failed; the dashboard's import status reads the newest of each kind."""

    __tablename__ = "import_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('import', 'sync')", name="kind"),
        Index(None, "school_id", "kind", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    kind: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # oneroster, sds, mis (graph)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    leavers: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)  # the first rejected lines
    failure: Mapped[str | None] = mapped_column(String(300), nullable=True)


class DirectorySyncRow(Base):
    """The scheduled sync of one tenant's staff from Microsoft Entra: when it is next due, the
    process that holds it now (a lease, so one process at a time syncs), and since when it has
    been failing and whether the administrators were told (once per failure)."""

    __tablename__ = "directory_syncs"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
