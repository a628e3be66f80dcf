"""A Bot Connector token's lifetime: exp and nbf required, five minutes' skew either way."""

import pytest

from bot.adapter import TOKEN_SKEW_SECONDS, token_lifetime_problem

NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"nbf": NOW - 60}, "no exp or nbf"),
        ({"exp": NOW + 60}, "no exp or nbf"),
        ({"exp": True, "nbf": NOW}, "no exp or nbf"),
        ({"exp": NOW - TOKEN_SKEW_SECONDS - 1, "nbf": NOW - 3600}, "expired"),
        ({"exp": NOW + 3600, "nbf": NOW + TOKEN_SKEW_SECONDS + 1}, "not valid yet"),
    ],
)
def test_tokens_without_a_current_lifetime_are_refused(claims, problem):
    assert problem in token_lifetime_problem(claims, NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": NOW + 3600, "nbf": NOW - 60},
        {"exp": NOW - TOKEN_SKEW_SECONDS, "nbf": NOW - 3600},
        {"exp": NOW + 3600.5, "nbf": NOW + TOKEN_SKEW_SECONDS},
    ],
)
def test_tokens_within_their_lifetime_and_the_skew_are_accepted(claims):
    assert token_lifetime_problem(claims, NOW) is None
