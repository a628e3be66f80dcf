"""Pupil search for Teams' typeahead (Input.ChoiceSet with Data.Query, dataset "students")."""

from typing import Any

from bot.turns import Turn
from safeguarding.search import MAX_RESULTS, find_students

SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"


async def search(turn: Turn, value: dict[str, Any]) -> dict[str, Any]:
    """Up to 15 pupils whose names match what was typed: name, year and tutor group only."""
    if value.get("dataset") != "students":
        return _results([])
    options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
    top = options.get("top")
    limit = min(top, MAX_RESULTS) if type(top) is int and top > 0 else MAX_RESULTS
    skip = options.get("skip")
    offset = min(skip, 1000) if type(skip) is int and skip > 0 else 0  # Teams pages with skip
    matches = await find_students(
        turn.who.staff,
        str(value.get("queryText", ""))[:100],
        uow_factory=turn.services.uow_factory,
        limit=limit,
        offset=offset,
    )
    return _results(
        [
            {
                "title": f"{m.name} (Year {m.year_group}, {m.tutor_group})",
                "value": str(m.student_id),
            }
            for m in matches
        ]
    )


def _results(results: list[dict[str, str]]) -> dict[str, Any]:
    return {"statusCode": 200, "type": SEARCH_RESPONSE, "value": {"results": results}}


def no_results() -> dict[str, Any]:
    """What a typeahead shows when the search cannot be answered: nothing."""
    return _results([])
