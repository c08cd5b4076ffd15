"""Checks a road network must pass before routing: what is dropped, unknown classes, edge lengths.

Each check returns plain numbers (recorded in ``G.graph["healthcov"]``) and warns or raises
when a result would otherwise be silently wrong:

- :class:`DisconnectedRoadsWarning`: more than :data:`DROPPED_WARN_SHARE` of the road length
  lies outside the largest strongly connected component and is dropped (below it: an INFO log).
- :class:`UnknownRoadClassWarning`: road classes the mode's speed table does not know, with
  their km and the fallback speed they get.
- :class:`EdgeLengthWarning` / :class:`EdgeLengthError`: edge lengths that contradict the
  geometry (0, negative, NaN, shorter than the straight line, or in kilometres).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import (  # defined in healthcov.errors; importable from here as before
    DisconnectedRoadsWarning,
    EdgeLengthError,
    EdgeLengthWarning,
    IslandSnapWarning,
    TextEncodingWarning,
    UnknownRoadClassWarning,
)

log = logging.getLogger(__name__)

__all__ = [
    "DisconnectedRoadsWarning",
    "IslandSnapWarning",
    "UnknownRoadClassWarning",
    "EdgeLengthWarning",
    "EdgeLengthError",
    "TextEncodingWarning",
    "DROPPED_WARN_SHARE",
    "dropped_summary",
    "warn_dropped",
    "warn_unknown_classes",
    "check_lengths",
]

#: share of road length dropped outside the largest strongly connected component above which
#: :func:`healthcov.read_network` warns (below it, it logs at INFO level)
DROPPED_WARN_SHARE = 0.01

#: median of attribute length / geometric length outside [1/5, 5]: the lengths are in another unit
_UNIT_RATIO = 5.0
#: an edge may not be shorter than this share of its geometry (projection differences are < 0.5 %)
_SHORT_RATIO = 0.9
#: geometric lengths below this (metres) are not checked: two nodes a few cm apart may be one
_MIN_CHECK_M = 1.0


def road_km(u: np.ndarray, v: np.ndarray, length_m: np.ndarray) -> float:
    """Road length in km counting a two-way road once (edges u→v and v→u of the same length)."""
    if len(u) == 0:
        return 0.0
    a, b = np.minimum(u, v), np.maximum(u, v)
    keys = np.column_stack([a, b, np.round(np.nan_to_num(length_m), 1)])
    # a one-way pair a→b and b→a of equal length counts once too: it is one road on the map
    _, first = np.unique(keys, axis=0, return_index=True)
    return float(np.nansum(length_m[first]) / 1000.0)


def dropped_summary(
    u: np.ndarray,
    v: np.ndarray,
    length_m: np.ndarray,
    keep_node: np.ndarray,
    n_nodes: int,
    *,
    km: Callable[[np.ndarray, np.ndarray, np.ndarray], float] | None = None,
) -> dict[str, Any]:
    """Road km, share and nodes outside the kept component (``keep_node`` is per node index).

    ``km`` measures road km (default :func:`road_km`; the arrays form passes its faster twin).
    """
    km = km or road_km
    kept_edge = keep_node[u] & keep_node[v]
    total_km = km(u, v, length_m)
    kept_km = km(u[kept_edge], v[kept_edge], length_m[kept_edge])
    dropped_km = max(total_km - kept_km, 0.0)
    return {
        "road_km_before_scc": round(total_km, 3),
        "dropped_km": round(dropped_km, 3),
        "dropped_share": round(dropped_km / total_km, 5) if total_km > 0 else 0.0,
        "dropped_nodes": int(n_nodes - int(keep_node.sum())),
    }


def warn_dropped(
    summary: dict[str, Any],
    n_comp: int,
    source: str | None,
    *,
    noding: dict[str, Any] | None = None,
    stacklevel: int = 4,
) -> None:
    """Warn (above :data:`DROPPED_WARN_SHARE`) or log what lies outside the largest component."""
    if summary["dropped_nodes"] == 0:
        return
    what = f"the road network {source}" if source else "the road network"
    left = (noding or {}).get("crossings_left")
    hint = (
        f" This line layer looked already noded, so {left:,} crossings without a shared vertex were taken as "
        "over/underpasses: if they are junctions, pass node_crossings=True."
        if left
        else ""
    )
    msg = (
        f"{what}: {summary['dropped_km']:.1f} km of {summary['road_km_before_scc']:.1f} km of road "
        f"({summary['dropped_share']:.1%}) and {summary['dropped_nodes']:,} nodes lie outside the largest strongly "
        f"connected component ({n_comp:,} components) and were dropped: points near them snap to the kept roads. "
        "Usual causes: roads that cross or meet without a shared vertex (line layers are noded; see "
        "snap_tolerance_m= and node_crossings=), a clipped area, or one-way errors. "
        "G.graph['healthcov'] lists the dropped nodes; largest_component=False keeps everything." + hint
    )
    if summary["dropped_share"] > DROPPED_WARN_SHARE:
        warnings.warn(msg, DisconnectedRoadsWarning, stacklevel=stacklevel)
    else:
        log.info(msg)


def warn_unknown_classes(
    unknown_km: dict[str, float], mode_name: str, fallback_kph: float, source: str | None, *, stacklevel: int = 4
) -> None:
    """Warn once listing every unknown class, its km and the fallback speed it was given."""
    if not unknown_km:
        return
    listed = "; ".join(f"{c!r} {km:.1f} km" for c, km in list(unknown_km.items())[:12])
    if len(unknown_km) > 12:
        listed += f"; … ({len(unknown_km)} classes in all)"
    what = f"the road network {source}" if source else "the road network"
    msg = (
        f"{what}: road classes not in the {mode_name!r} speed table got the fallback speed "
        f"{fallback_kph:g} km/h: {listed}. Map them with speeds={{'<class>': km/h}} (or fix the text "
        "encoding if they look garbled: encoding='gb18030'); G.graph['healthcov']['unknown_classes_km'] lists them"
    )
    warnings.warn(msg, UnknownRoadClassWarning, stacklevel=stacklevel)


def check_lengths(
    length_m: np.ndarray,
    geom_m: np.ndarray,
    *,
    column: str,
    source: str | None,
    has_geometry: np.ndarray | None = None,
    stacklevel: int = 4,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Compare edge lengths with their geometric lengths; return usable lengths and a summary.

    ``length_m`` is the attribute (NaN where missing), ``geom_m`` the length of the edge's
    geometry (or of the straight line between its nodes; ``has_geometry`` says which).
    Missing, negative or zero lengths, and lengths shorter than the edge's own geometry, are
    replaced by the geometric length with an :class:`EdgeLengthWarning` (an edge without a
    geometry may be shorter than the straight line: node positions are often approximate, as in
    CBEngine networks); a median ratio far from 1 raises :class:`EdgeLengthError`.
    """
    what = f"the road network {source}" if source else "the road network"
    length_m = np.asarray(length_m, dtype=float)
    geom_m = np.asarray(geom_m, dtype=float)
    shaped = np.ones(len(length_m), dtype=bool) if has_geometry is None else np.asarray(has_geometry, dtype=bool)
    missing = ~np.isfinite(length_m) | (length_m < 0)
    checkable = ~missing & (geom_m >= _MIN_CHECK_M)
    summary: dict[str, Any] = {"length_column": column, "lengths_checked": int(checkable.sum())}
    if checkable.any():
        ratio = length_m[checkable] / geom_m[checkable]
        med = float(np.median(ratio))
        summary["length_ratio_median"] = round(med, 4)
        if not 1 / _UNIT_RATIO <= med <= _UNIT_RATIO:
            unit = " (kilometres?)" if 0.0005 <= med <= 0.002 else " (feet?)" if 2.5 <= med <= 4 else ""
            msg = (
                f"{what}: edge lengths in {column!r} are a median {med:.4g} × the length of their geometry"
                f"{unit}, so they are not metres and every travel time would be wrong. Convert {column!r} to "
                "metres, pass length_column='<a column in metres>', or recompute_length=True to measure "
                "every edge from its geometry"
            )
            raise EdgeLengthError(msg)
    bad = missing | (checkable & shaped & (length_m < _SHORT_RATIO * geom_m))
    bad |= (length_m == 0) & (geom_m >= _MIN_CHECK_M)
    summary["lengths_recomputed"] = int(bad.sum())
    if missing.all():
        log.info("%s: no edge has %r; every length is measured from the geometry", what, column)
    elif bad.any():
        n_missing = int(missing.sum())
        n_short = int(bad.sum()) - n_missing
        warnings.warn(
            f"{what}: {int(bad.sum()):,} of {len(length_m):,} edges had a {column!r} that cannot be right "
            f"({n_missing:,} missing, negative or NaN; {n_short:,} zero or shorter than the road's own geometry) "
            "and were measured from their geometry instead. Check the column, or pass recompute_length=True",
            EdgeLengthWarning,
            stacklevel=stacklevel,
        )
    return np.where(bad, geom_m, length_m), summary
