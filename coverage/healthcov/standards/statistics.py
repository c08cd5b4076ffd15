"""Area-level statistics as the supply of ratio rules (``assess(..., statistics=df)``).

The table (see :func:`healthcov.read_statistics`) has one row per ``area_code`` and resource
columns (``beds``, ``doctors``, ``nurses``, ``ambulances``…). A ratio rule whose resource the
facility table lacks takes its supply from here: per area from the area's row, for the
jurisdiction as the sum over all areas (unknown when an area has no value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..io.statistics import check_statistics

if TYPE_CHECKING:
    from .prepare import Context

__all__ = ["prepared_statistics", "statistics_supply"]


def prepared_statistics(statistics: Any, areas: pd.DataFrame) -> pd.DataFrame | None:
    """The statistics checked against the areas' codes (an unknown code is an error naming it)."""
    if statistics is None:
        return None
    codes = areas["area_code"].astype(str)
    return check_statistics(statistics, "statistics", known_codes=codes).set_index("area_code")


def statistics_supply(ctx: Context, resource: str, area_code: Any) -> float | None:
    """The resource of one area (``None`` for the jurisdiction: all areas), or ``None`` when unknown."""
    st = ctx.facts.get("statistics")
    if st is None or resource not in st.columns:
        return None
    codes = ctx.areas["area_code"].astype(str) if area_code is None else pd.Series([str(area_code)])
    vals = st[resource].reindex(codes.to_numpy())
    if vals.isna().any():
        return None
    return float(vals.sum())
