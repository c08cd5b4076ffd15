"""Response-time sensitivity: activation delay × free-flow / peak-hour speed, per area.

No plan fixes the activation delay or the speed at which ambulances drive at peak hour; the
verdicts use one delay (``activation_delay_min``, or the stations' own) and free-flow times.
This table shows what the mean response would be under other assumptions: for each delay of
``sensitivity_delays_min`` (default 3 and 5 minutes) and each speed (free flow, and peak =
``peak_speed_factor`` × free-flow speed, so drive times / factor), per area and for all areas
together: mean and 90th-percentile response, share of residents within the limit, verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .prepare import Context

__all__ = ["SENSITIVITY_COLUMNS", "sensitivity_rows", "response_sensitivity"]

SENSITIVITY_COLUMNS = [
    "rule_id",
    "area_code",
    "area_name",
    "activation_delay_min",
    "speed",
    "speed_factor",
    "limit_min",
    "mean_min",
    "p90_min",
    "share_within",
    "verdict",
]


def _stats(resp: np.ndarray, w: np.ndarray, limit: float) -> tuple[float, float, float, str]:
    ok = np.isfinite(resp) & (w > 0)
    total = float(w.sum())
    if not ok.any() or total <= 0:
        return float("nan"), float("nan"), float("nan"), "not_applicable" if total <= 0 else "fail"
    v, ww = resp[ok], w[ok]
    mean = float(np.average(v, weights=ww))
    order = np.argsort(v)
    cw = np.cumsum(ww[order])
    p90 = float(v[order][np.searchsorted(cw, 0.9 * cw[-1])])
    share = float(w[resp < limit].sum()) / total
    unreached = float(w[~np.isfinite(resp)].sum())
    verdict = "fail" if mean >= limit else ("pass" if unreached == 0 else "partial")
    return mean, p90, share, verdict


def sensitivity_rows(
    rule_id: str, drive_min: np.ndarray, groups: list[tuple[Any, str, np.ndarray]], ctx: Context, limit: float
) -> list[dict[str, Any]]:
    """Rows of the table for one rule: ``drive_min`` per demand point; ``groups`` = (code, name, point mask)."""
    o = ctx.options
    pop = ctx.pop
    out = []
    for code, name, m in groups:
        w = pop[m]
        for delay in o.sensitivity_delays_min:
            for speed, factor in (("free_flow", 1.0), ("peak", float(o.peak_speed_factor))):
                resp = float(delay) + drive_min[m] / factor
                mean, p90, share, verdict = _stats(resp, w, limit)
                out.append(
                    dict(
                        zip(
                            SENSITIVITY_COLUMNS,
                            (rule_id, code, name, float(delay), speed, factor, limit, mean, p90, share, verdict),
                            strict=True,
                        )
                    )
                )
    return out


def response_sensitivity(
    rule_id: str, area: Any, ctx: Context, drive_min: np.ndarray, limit: float
) -> list[dict[str, Any]]:
    """The rows of a response row: its area, or (``area`` None: the jurisdiction) every area and all of them."""
    from .rowfacts import jurisdiction_name
    from .vocabulary import ALL

    if area is not None:
        groups = [(area["area_code"], area["area_name"], ctx.in_area(area["area_code"]))]
    else:
        groups = [(a["area_code"], a["area_name"], ctx.in_area(a["area_code"])) for _, a in ctx.areas.iterrows()]
        groups.append((ALL, jurisdiction_name(ctx), ctx.assigned))
    return sensitivity_rows(rule_id, drive_min, groups, ctx, limit)
