"""Casework: an incident, a pupil's chronology and its PDF export, for a pupil with 500 entries
in a school of 100,000 incidents and 300,000 actions.

The school has 20 staff (the DSL is id 1), 2,000 pupils and four unrestricted categories. Pupil 1
is the bench pupil: 250 incidents are about them (one every 400th incident, each with a linked
second pupil) and 250 actions are on those incidents (one each, ten on the incident viewed, none
on the nine after it), 500 chronology entries. The other incidents are about the other pupils
(every fourth with a linked pupil) and carry the other actions, three or four each.

Every incident happened within the last 360 days of the bench's fixed clock, so none is historic
and the DSL reads all of them without elevation (no second factor is set up).

Only the bench pupil's incidents and actions have their own ciphertexts (600 to 1,500
characters of text, sealed to the row as storage seals them). Every other row shares one
ciphertext of the same size sealed to another context: it keeps the tables their real size, and
decrypting it fails, so a service that decrypted anything beyond the bench pupil's rows would stop
the bench rather than time work it should not do.

Timed, each as one press (the DSL identified in its unit of work, as the bot runs it): opening
the incident with ten actions (open_incident); the record's first chronology page and the page at
offset 490 (open_pupil); the export (export_chronology of all 500 entries, in the export link's
press), chronology_pdf on it, and both together (what the export link serves). First call, then
the median of --rounds more (the export ones --export-rounds); peak memory is the tracemalloc
peak of one more call (tracing slows Python down, so that call is not timed). chronology_pdf's
peak is taken inside the export + pdf call, above what the exported record holds (rendering under
tracemalloc takes half a minute).
Pages and entries are checked (the pupil's own entries, in order, 500 in all, texts decrypted)
so a broken setup cannot report fast but wrong numbers; the notes give queries per call.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import bench_school, postgres_database
from bench.history import (
    CATEGORIES,
    DSL,
    FIRST,
    NOW,
    ON_PUPIL,
    PUPIL,
    PUPILS,
    STAFF,
    VIEWED,
    ZONE,
    every,
    history_batches,
    insert_batch,
)
from cards.chronology_pdf import ExportFacts, chronology_pdf
from safeguarding.chronology import ChronologyFilter, PupilRecord
from safeguarding.clock import FixedClock
from safeguarding.identity import Caller
from safeguarding.services.links import LinkHolder
from safeguarding.services.press import Request, Rules, UseCase, run_press
from safeguarding.services.pupils import export_chronology, open_pupil
from safeguarding.services.viewing import open_incident
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import upgrade
from storage.uow import unit_of_work_factory


async def school(engine: AsyncEngine) -> None:
    """The school, its staff (the DSL is id 1), pupils and categories."""
    await bench_school(
        engine, staff=STAFF, pupils=PUPILS, categories=CATEGORIES, at=FIRST, dsl=DSL, time_zone=ZONE
    )


async def history(
    engine: AsyncEngine, keyring: Keyring, incidents: int, actions: int
) -> list[tuple]:
    """Incidents with their pupils, categories and actions; the bench pupil's chronology keys
    (happened at, incident, action or 0), in the order the chronology shows them."""
    chronology: list[tuple] = []
    for batch in history_batches(keyring, incidents, actions, chronology):
        async with engine.begin() as connection:
            await insert_batch(connection, batch)
    async with engine.begin() as connection:  # fresh statistics, as autovacuum would keep them
        await connection.execute(text("ANALYZE"))
    return sorted(chronology)


MB = 1024 * 1024
SET_ASIDE: list[int] = []  # peaks of a traced call's earlier phases (its peak was reset since)


async def timed(
    call: Callable[[], Awaitable], rounds: int, queries: list[int], *, trace: bool = True
) -> tuple[object, float, float, float | None, int]:
    """(first result, first ms, median ms of `rounds` more, peak MB, queries per call)."""
    start = time.perf_counter()
    first = await call()
    first_ms = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(rounds):
        before = queries[0]
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
        per_call = queries[0] - before
    peak = None
    if trace:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        await call()
        peak = (max([tracemalloc.get_traced_memory()[1], *SET_ASIDE]) - base) / MB
        tracemalloc.stop()
        SET_ASIDE.clear()
    return first, first_ms, statistics.median(times), peak, per_call


def check_page(record: PupilRecord, expected: list[tuple], offset: int) -> None:
    """Ten of the bench pupil's entries, the right ones in order, their own texts decrypted."""
    assert (record.total, record.offset, record.held_back) == (len(expected), offset, 0)
    keys = [(e.happened_at, e.incident.id, e.action.id if e.action else 0) for e in record.entries]
    assert keys == expected[offset : offset + len(keys)], "entries out of order or not the pupil's"
    for entry in record.entries:
        assert PUPIL in {p.student.id for p in entry.incident.pupils}
        marker = (
            f"[action {entry.action.id}]" if entry.action else f"[incident {entry.incident.id}]"
        )
        assert entry.text.startswith(marker) and len(entry.text) >= 600


async def measure(
    url: str, incidents: int, actions: int, rounds: int, export_rounds: int
) -> tuple[float, list[tuple]]:
    """Seconds to build the school, and (operation, first, median, peak MB, notes) rows."""
    engine = create_engine(url)
    await upgrade(engine)
    keyring, clock = Keyring.parse(new_key_spec("b")), FixedClock(NOW)
    start = time.perf_counter()
    await school(engine)
    expected = await history(engine, keyring, incidents, actions)
    built = time.perf_counter() - start
    assert len(expected) == 2 * ON_PUPIL
    queries = [0]

    def count(*_args) -> None:
        queries[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    rows = []
    with tempfile.TemporaryDirectory() as files:
        uow_factory = unit_of_work_factory(
            engine, clock, keyring, files, audit_keys=AuditKeys.parse(new_key_spec("b"))
        )
        async with uow_factory() as uow:
            dsl = await uow.staff.by_id(1, DSL)
            tenant = (await uow.schools.by_id(1)).tenant_id
        as_dsl = Request(Caller(tenant, dsl.aad_object_id, "personal"))

        async def press(use_case: UseCase, *args):
            pressed = await run_press(uow_factory, clock, Rules(), as_dsl, use_case, *args)
            return pressed.outcome.view

        viewed = every(incidents) * VIEWED

        async def view():
            return await press(open_incident, viewed)

        shown, *result, per_call = await timed(view, rounds, queries)
        assert shown.facts.id == viewed and shown.text.startswith(f"[incident {viewed}]")
        assert len(shown.actions) == 10
        assert all(a.text.startswith(f"[action {a.id}]") for a in shown.actions)
        rows.append(("open_incident", *result, f"{per_call} queries; 10 actions"))

        for offset in (0, len(expected) - 10):

            async def page(offset=offset):
                return await press(open_pupil, PUPIL, ChronologyFilter(), offset)

            record, *result, per_call = await timed(page, rounds, queries)
            check_page(record, expected, offset)
            rows.append(
                (
                    f"record, offset {offset}",
                    *result,
                    f"{per_call} queries; {len(record.entries)} of {record.total}",
                )
            )

        async def export():
            holder, chosen = LinkHolder(DSL, 1), ChronologyFilter()
            pressed = await run_press(
                uow_factory, clock, Rules(), holder, export_chronology, PUPIL, chosen
            )
            return pressed.outcome.view, pressed.who.staff, pressed.who.school

        (record, staff, found), *result, per_call = await timed(export, export_rounds, queries)
        check_page(record, expected, 0)
        assert len(record.entries) == len(expected)
        rows.append(("export", *result, f"{per_call} queries; {len(record.entries)} entries"))
        facts = ExportFacts(found.name, staff.display_name, clock.now())

        async def render():
            return chronology_pdf(record, facts)

        # Its peak is taken once, inside the export + pdf call below.
        pdf, *result, _ = await timed(render, export_rounds, queries, trace=False)
        pages = len(PdfReader(BytesIO(pdf)).pages)
        assert pages > len(expected) // 10
        rendering = ["chronology_pdf", *result, f"{len(pdf) / 1024:.0f} KB, {pages} pages"]
        held: list[float] = []

        async def link():
            exported, who, school_ = await export()
            if tracemalloc.is_tracing():  # the rendering's own peak, above the record
                held.append(tracemalloc.get_traced_memory()[0])
                SET_ASIDE.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()
            pdf = chronology_pdf(exported, ExportFacts(school_.name, who.display_name, NOW))
            if tracemalloc.is_tracing():
                rendering[3] = (tracemalloc.get_traced_memory()[1] - held[-1]) / MB
            return pdf

        pdf, *result, per_call = await timed(link, export_rounds, queries)
        assert len(PdfReader(BytesIO(pdf)).pages) == pages
        rows.append(tuple(rendering))
        rows.append(("export + pdf", *result, f"{per_call} queries; what the export link does"))
    await engine.dispose()
    return built, rows


async def main(
    backends: list[str], incidents: int, actions: int, rounds: int, export_rounds: int
) -> None:
    results = []
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/b.db"
                results.append(
                    (backend, *await measure(url, incidents, actions, rounds, export_rounds))
                )
        else:
            async with postgres_database() as url:
                results.append(
                    (backend, *await measure(url, incidents, actions, rounds, export_rounds))
                )
    for backend, built, rows in results:
        print(
            f"\n{backend}: pupil with {2 * ON_PUPIL} entries, {incidents:,} incidents and "
            f"{actions:,} actions (built in {built:.0f} s); median of {rounds} rounds "
            f"({export_rounds} for the export), after the first"
        )
        print(f"{'operation':<20}{'first ms':>10}{'median ms':>11}{'peak MB':>9}  notes")
        for operation, first, median, peak, notes in rows:
            print(f"{operation:<20}{first:>10.1f}{median:>11.1f}{peak:>9.1f}  {notes}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--export-rounds", type=int, default=5)
    args = parser.parse_args()
    if (
        args.incidents < 2 * ON_PUPIL
        or args.actions < ON_PUPIL
        or min(args.rounds, args.export_rounds) < 1
    ):
        parser.error("needs at least 500 incidents, 250 actions and one round")
    asyncio.run(main(args.backends, args.incidents, args.actions, args.rounds, args.export_rounds))
