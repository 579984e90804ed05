"""Means and 95 % confidence half-widths over independent replications.

Each replication gives one value per figure (a ratio of its own counts); the estimate is
the mean of those values and its Student-t 95 % half-width ``t(0.975, n-1)·s/√n`` (the
convention of ``shared/simulation/reference_cases.json``). Replications where a figure is
undefined (no call answered, say) are left out of that figure's mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

#: ``t(0.975, df)`` for df = 1..30 (exact to 4 decimals).
_T975: Final = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)
_Z975: Final = 1.959963984540054

Summary = dict[str, float | None]
"""``{"mean": ..., "ci95_half_width": ...}`` (``None`` when it cannot be estimated)."""


def t975(df: int) -> float:
    """Two-sided 95 % Student-t quantile ``t(0.975, df)``.

    Beyond the table, the Cornish–Fisher expansion in ``1/df`` (Abramowitz & Stegun
    26.7.5), accurate to 1e-5 for ``df > 30``.
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def summarize(values: Sequence[float | None]) -> Summary:
    """Mean and 95 % half-width of the defined ``values`` (half-width ``None`` if n < 2)."""
    xs = [v for v in values if v is not None and not math.isnan(v)]
    n = len(xs)
    if n == 0:
        return {"mean": None, "ci95_half_width": None}
    mean = math.fsum(xs) / n
    if n < 2:
        return {"mean": mean, "ci95_half_width": None}
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    return {"mean": mean, "ci95_half_width": t975(n - 1) * math.sqrt(var / n)}
