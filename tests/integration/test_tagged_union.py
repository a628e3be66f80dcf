"""`tagged_union` (storage/repositories.py): differently shaped reads in one statement give
each part exactly the rows, values and types it would give alone, on both databases."""

from datetime import datetime

from sqlalchemy import bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CategoryRow, SchoolRow, StaffRow
from storage.repositories import plain_rows, tagged_rows
from storage.unions import tagged_union

PARTS = {
    "school": select(SchoolRow.id, SchoolRow.name, SchoolRow.created_at).where(
        SchoolRow.id == bindparam("school")
    ),
    "staff": select(StaffRow.id, StaffRow.active, StaffRow.display_name, StaffRow.role).where(
        StaffRow.school_id == bindparam("school")
    ),
    "none": select(CategoryRow.id, CategoryRow.urgent).where(false()),
}
ORDER = (StaffRow.display_name, StaffRow.id)


async def test_each_part_reads_what_it_would_read_alone(engine, demo_school):
    union = tagged_union(PARTS, order_by=ORDER)
    async with AsyncSession(engine) as session:
        parts = await tagged_rows(session, union, {"school": 1})
        alone = {
            name: [tuple(row) for row in await plain_rows(session, part, {"school": 1})]
            for name, part in {**PARTS, "staff": PARTS["staff"].order_by(*ORDER)}.items()
        }
    assert set(parts) == set(PARTS) and parts["none"] == []
    assert [tuple(row) for row in parts["school"]] == alone["school"]
    assert isinstance(parts["school"][0][2], datetime)  # typed as its column, on SQLite too
    staff = [tuple(row) for row in parts["staff"]]
    assert len(staff) > 3 and all(isinstance(row[1], bool) for row in staff)
    # in the order asked for: the staff by name, as the database orders them alone
    assert staff == alone["staff"]
