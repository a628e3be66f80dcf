"""Pupil search for Teams' typeahead (Input.ChoiceSet with Data.Query, dataset "students")."""

from typing import Any

from bot.turns import Turn
from cards.payloads import SearchQuery
from safeguarding.search import MAX_RESULTS
from safeguarding.services.search import students_matching

SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"


async def search(turn: Turn, value: dict[str, Any]) -> dict[str, Any]:
    """Up to 15 pupils whose names match what was typed: name, year and tutor group only."""
    query = SearchQuery.parse(value, MAX_RESULTS)
    pressed = await turn.run(students_matching, query.text, query.limit, query.offset)
    return _results(
        [
            {
                "title": f"{m.name} (Year {m.year_group}, {m.tutor_group})",
                "value": str(m.student_id),
            }
            for m in pressed.outcome
        ]
    )


def _results(results: list[dict[str, str]]) -> dict[str, Any]:
    return {"statusCode": 200, "type": SEARCH_RESPONSE, "value": {"results": results}}


def no_results() -> dict[str, Any]:
    """What a typeahead shows when the search cannot be answered: nothing."""
    return _results([])
