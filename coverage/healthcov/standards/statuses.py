"""The plans' facility statuses (现有, 续建, 规划新建, 谋划, 迁建, 合并) and the scenarios built from them.

A vocabulary shared by the engine (which facilities count) and :mod:`healthcov.scenarios` (which
builds scenario tables); it imports nothing from either.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..errors import InputError

__all__ = ["STATUSES", "STATUS_ALIASES", "SCENARIOS", "normalize_status"]

#: the plans' status ladder, in order of certainty
STATUSES = ("existing", "under_construction", "planned", "proposed", "relocated", "merged")
STATUS_ALIASES = {
    "现有": "existing",
    "现状": "existing",
    "已建": "existing",
    "现有核定": "existing",
    "续建": "under_construction",
    "在建": "under_construction",
    "规划": "planned",
    "规划新建": "planned",
    "新建": "planned",
    "规划扩建": "planned",
    "规划改扩建": "planned",
    "规划改建": "planned",
    "新(改扩)建": "planned",
    "谋划": "proposed",
    "谋划新建": "proposed",
    "谋划类": "proposed",
    "预留": "proposed",
    "预留用地": "proposed",
    "迁建": "relocated",
    "规划迁建": "relocated",
    "谋划迁建": "relocated",
    "合并": "merged",
    "撤并": "merged",
    "整合": "merged",
}

#: which statuses count in each named scenario (relocated rows are the NEW sites; see scenario_facilities)
SCENARIOS: Mapping[str, tuple[str, ...]] = {
    "existing": ("existing", "merged"),
    "committed": ("existing", "under_construction"),
    "plan": ("existing", "under_construction", "planned", "relocated"),
    "plan_and_proposed": ("existing", "under_construction", "planned", "relocated", "proposed"),
}


def normalize_status(values: pd.Series) -> pd.Series:
    """Status codes from English codes or the plans' Chinese words; unknown values are an error that lists them."""
    s = values.fillna("existing").astype(str).str.strip()
    low = s.str.lower().str.replace(" ", "_").str.replace("-", "_")
    out = low.where(low.isin(STATUSES), s.map(STATUS_ALIASES))
    bad = out.isna()
    if bad.any():
        msg = (
            f"unknown facility status {sorted(set(s[bad]))}: use {', '.join(STATUSES)} "
            f"or the plans' words ({', '.join(sorted(STATUS_ALIASES))})"
        )
        raise InputError(msg)
    return out.astype(str)
