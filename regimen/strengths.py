"""Whole units of a product's strengths that make a dose: exactly (tablets, capsules), covering it
with the least left over (vials), or the whole-unit total nearest to it (rounding to strengths).
Amounts are worked in micrograms, so strengths and doses are whole numbers."""

from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["covering", "exact", "nearest_combination"]

_GRID = 1000  # work in micrograms so strengths and doses are whole numbers


@lru_cache(maxsize=4096)
def exact(strengths: tuple[float, ...], amount: float) -> list[tuple[float, int]] | None:
    """The fewest units of the given strengths that add up to exactly ``amount``, or None."""
    target = round(amount * _GRID)
    units = [round(s * _GRID) for s in strengths]
    step = math.gcd(*units)
    if target % step:
        return None
    best = _fewest([u // step for u in units], target // step)
    return None if best is None else _pack(strengths, best)


@lru_cache(maxsize=4096)
def covering(strengths: tuple[float, ...], amount: float) -> list[tuple[float, int]]:
    """Whole units covering ``amount`` with the least left over, then the fewest units."""
    units = [round(s * _GRID) for s in strengths]
    step = math.gcd(*units)
    scaled = [u // step for u in units]
    need = math.ceil(round(amount * _GRID) / step)
    for total in range(need, need + max(scaled) + 1):
        best = _fewest(scaled, total)
        if best is not None:
            return _pack(strengths, best)
    raise AssertionError("unreachable: the largest strength alone covers the remainder")


def nearest_combination(strengths: tuple[float, ...], amount: float) -> float:
    """The whole-unit total nearest to ``amount`` (the lower one on a tie)."""
    units = [round(s * _GRID) for s in strengths]
    step = math.gcd(*units)
    scaled = [u // step for u in units]
    exact = amount * _GRID / step
    below = next((t for t in range(math.floor(exact), 0, -1) if _fewest(scaled, t) is not None), None)
    above = sum(s * n for s, n in covering(strengths, amount))
    if below is None:
        return above
    below_mg = below * step / _GRID
    return below_mg if amount - below_mg <= above - amount else above


def _fewest(units: list[int], target: int) -> list[int] | None:
    """Counts per unit size summing to ``target`` with the fewest units (small coin-change DP)."""
    if target > 200_000:  # keep the table small: fall back to greedy on very large doses
        return None
    inf = target + 1
    best = [0] + [inf] * target
    pick = [-1] * (target + 1)
    for value in range(1, target + 1):
        for index, unit in enumerate(units):
            if unit <= value and best[value - unit] + 1 < best[value]:
                best[value], pick[value] = best[value - unit] + 1, index
    if best[target] >= inf:
        return None
    counts = [0] * len(units)
    value = target
    while value:
        counts[pick[value]] += 1
        value -= units[pick[value]]
    return counts


def _pack(strengths: tuple[float, ...], counts: list[int]) -> list[tuple[float, int]]:
    return sorted(((s, n) for s, n in zip(strengths, counts, strict=True) if n), reverse=True)
