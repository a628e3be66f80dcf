"""Counting sends in moving windows, as Teams does, to check a limit was kept."""


def most_in_any(moments: list[float], window: float) -> int:
    """The most moments that fall inside any one window of this length."""
    return max((sum(1 for t in moments if s <= t < s + window) for s in moments), default=0)
