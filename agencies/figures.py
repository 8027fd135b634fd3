"""Shared arithmetic of published figures (the SafeLives return, the panel's and the annual report's)."""

from __future__ import annotations


def percentage(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`, rounded half up to one decimal (None for a whole of 0).

    Integer arithmetic, so that 1 of 16 is 6.3 and not the 6.2 that float rounding of 6.25 gives.
    """
    if whole == 0:
        return None
    tenths = (2000 * part + whole) // (2 * whole)
    return tenths / 10
