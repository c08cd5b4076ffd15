"""Noding of road line layers: make roads that meet share a node, vectorised with shapely 2.

Bureau line layers often draw two crossing streets as two long lines with no shared vertex, or
end a street 0.5 m short of the road it joins. Read as they are, such roads never connect and
end up outside the largest strongly connected component. :func:`node_lines`

1. **joins dangling ends**: a line end that no other line shares, lying within
   ``snap_tolerance_m`` of another line, is moved onto it (onto that line's end when the
   nearest point is within the tolerance of it, else onto a new vertex that splits the line);
2. **splits lines where they cross or touch** (a point where two lines meet that is not an end
   of both), unless the crossing is *separated*: the two lines have different ``layer``
   values, or the point is inside a line flagged as a bridge or tunnel (roads still join at the
   ends of a bridge);
3. with ``node_crossings="auto"`` (the default) step 2 is skipped when the layer is already
   noded — at most :data:`NODED_SHARE` of the pairs of lines that meet do so away from a shared
   end, as in OSM-derived layers, whose remaining crossings are over- and underpasses.

Everything is done on coordinate arrays (an STRtree query for candidate pairs, vectorised
intersections, one sort to cut lines), so a layer of 100,000 lines is noded in seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import InputError

log = logging.getLogger(__name__)

__all__ = [
    "node_lines",
    "Noded",
    "NODED_SHARE",
    "DEFAULT_SNAP_TOLERANCE_M",
    "grade_separation",
    "unique_inverse",
    "QUERY_CHUNK",
]

#: default tolerance (metres) within which a dangling line end is joined to another line
DEFAULT_SNAP_TOLERANCE_M = 1.0
#: ``node_crossings="auto"``: a layer where at most this share of meeting line pairs meet away
#: from a shared end is taken as already noded (its other crossings are grade-separated)
NODED_SHARE = 0.05
#: lines queried against the STRtree at a time when looking for crossings (bounds the
#: candidate-pair arrays of a province layer; the result does not depend on it)
QUERY_CHUNK = 200_000
#: points this close (metres) to a line's end are at that end
_END_EPS_M = 0.01

BRIDGE_NAMES = ("bridge", "is_bridge", "brunnel", "桥梁", "桥", "是否桥梁")
TUNNEL_NAMES = ("tunnel", "is_tunnel", "隧道", "是否隧道")
LAYER_NAMES = ("layer", "z_level", "zlevel", "z_order", "层", "层级", "高程层")
_FALSE = {"", "no", "false", "0", "0.0", "f", "n", "none", "nan", "null", "否", "无", "非"}


@dataclass
class Noded:
    """Result of :func:`node_lines`: the pieces, the input row of each, and what was done."""

    geometry: np.ndarray
    parent: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


def grade_separation(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per row: the ``layer`` value (0 where missing) and whether it is a bridge or tunnel.

    Columns are found by name (``layer``/``z_level``/``层``; ``bridge``/``tunnel``/``桥梁``/``隧道``,
    any case); a flag is true unless it reads as no/false/0/否 or is empty. Returns the columns used.
    """
    lower = {str(c).strip().lower(): c for c in df.columns}
    used: list[str] = []
    flag = np.zeros(len(df), dtype=bool)
    for name in BRIDGE_NAMES + TUNNEL_NAMES:
        if name in lower:
            col = df[lower[name]]
            text = col.astype(str).str.strip().str.lower()
            flag |= (col.notna() & ~text.isin(_FALSE)).to_numpy()
            used.append(str(lower[name]))
    level = np.zeros(len(df))
    for name in LAYER_NAMES:
        if name in lower:
            level = pd.to_numeric(df[lower[name]], errors="coerce").fillna(0.0).to_numpy(dtype=float)
            used.append(str(lower[name]))
            break
    return level, flag, used


def node_lines(
    geoms: Any,
    *,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    node_crossings: bool | str = "auto",
    level: np.ndarray | None = None,
    bridge: np.ndarray | None = None,
) -> Noded:
    """Node LineStrings in a metric CRS (see the module docstring for the rules).

    Parameters
    ----------
    geoms
        Array of LineStrings (metres), one per road row.
    snap_tolerance_m
        Dangling ends within this distance of another line are joined to it (0 turns it off).
    node_crossings
        ``True`` splits every non-separated crossing, ``False`` none, ``"auto"`` decides from
        the layer (already-noded layers keep their crossings as grade separations).
    level, bridge
        Per-row ``layer`` value and bridge/tunnel flag (see :func:`grade_separation`).

    Examples
    --------
    >>> import shapely
    >>> out = node_lines(shapely.linestrings([[(0, 5), (10, 5)], [(5, 0), (5, 10)]]))
    >>> len(out.geometry), out.parent.tolist(), out.stats["crossings_noded"]
    (4, [0, 0, 1, 1], 1)
    """
    geoms = np.asarray(geoms, dtype=object)
    if geoms.ndim != 1 or not _all_lines(geoms):
        kinds = sorted({type(g).__name__ for g in geoms.ravel()})
        msg = f"node_lines needs a sequence of shapely LineStrings (explode MultiLineStrings first); got {kinds}"
        raise InputError(msg)
    n = len(geoms)
    level = np.zeros(n) if level is None else np.asarray(level, dtype=float)
    bridge = np.zeros(n, dtype=bool) if bridge is None else np.asarray(bridge, dtype=bool)
    mode = node_crossings if isinstance(node_crossings, str) else bool(node_crossings)
    if mode not in (True, False, "auto"):
        msg = f"node_crossings must be True, False or 'auto', got {node_crossings!r}"
        raise ValueError(msg)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    first = np.searchsorted(idx, np.arange(n), side="left")
    last = np.searchsorted(idx, np.arange(n), side="right") - 1
    stats: dict[str, Any] = {"snap_tolerance_m": float(snap_tolerance_m), "node_crossings": mode}
    splits = [np.empty((0, 4))]
    trees = _Trees()  # one STRtree per geometry array: built once when snapping moves no line
    if snap_tolerance_m > 0 and n > 1:
        new, snap_splits, stats["dangles_joined"] = _join_dangles(geoms, coords, first, last, snap_tolerance_m, trees)
        splits.append(snap_splits)
        geoms = _rebuilt(geoms, coords, new, idx)
        coords = new
    else:
        stats["dangles_joined"] = 0
    ends = np.hstack([coords[first], coords[last]])
    cross, meet_pairs, separated = (
        _crossings(geoms, ends, level, bridge, trees) if n > 1 and mode is not False else (None, 0, 0)
    )
    stats.update({"line_pairs_meeting": meet_pairs, "crossings_separated": separated})
    n_cross = 0 if cross is None else len(np.unique(cross[:, 4]))
    already = mode == "auto" and n_cross <= NODED_SHARE * max(meet_pairs, 1) and meet_pairs > 0
    if cross is not None and mode is not False and not already:
        splits.append(cross[:, :4])
        stats["crossings_noded"] = n_cross
        stats["crossings_left"] = 0
    else:
        stats["crossings_noded"] = 0
        stats["crossings_left"] = n_cross if mode is not False else None  # not looked for
        if n_cross and mode == "auto":
            log.info(
                "the line layer is already noded (%d of %d meeting pairs meet away from a shared end): "
                "%d crossings are kept as over/underpasses; pass node_crossings=True to join them",
                n_cross,
                meet_pairs,
                n_cross,
            )
    pieces, parent = _split(coords, idx, first, last, np.vstack(splits), geoms)
    stats["pieces_added"] = int(len(pieces) - n)
    # rows whose ends met within the tolerance (or that had no length) collapse to a point
    stats["rows_collapsed"] = int(n - (np.count_nonzero(np.diff(parent)) + 1 if len(parent) else 0))  # parent sorted
    return Noded(pieces, parent, stats)


class _Trees:
    """The STRtree of a geometry array, built on first use and kept while the array is the same."""

    def __init__(self) -> None:
        self.geoms: np.ndarray | None = None
        self.tree: shapely.STRtree | None = None

    def of(self, geoms: np.ndarray) -> shapely.STRtree:
        if self.tree is None or self.geoms is not geoms:
            self.geoms, self.tree = geoms, shapely.STRtree(geoms)
        return self.tree


def _all_lines(geoms: np.ndarray) -> bool:
    """Every item is a shapely LineString (or LinearRing), checked in one call."""
    try:
        types = shapely.get_type_id(geoms)
    except TypeError:  # not geometries at all
        return False
    return bool(np.isin(types, (1, 2)).all())


def _rebuilt(geoms: np.ndarray, old: np.ndarray, new: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``geoms`` with the lines whose vertices moved (``old`` → ``new``) made again; the rest kept."""
    moved = (old != new).any(axis=1)
    if not moved.any():
        return geoms
    lines = np.unique(idx[moved])
    take = np.isin(idx, lines)
    out = geoms.copy()
    out[lines] = shapely.linestrings(new[take], indices=np.searchsorted(lines, idx[take]))
    return out


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_inverse=True, return_counts=True)`` of a 1-D
    integer array, by one stable sort (numpy ≥ 2.3 hashes instead: 2-3× slower on millions)."""
    values = np.asarray(values).ravel()
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    counts = np.diff(np.append(starts, len(values)))
    return ordered[starts], order[starts], inverse, counts


def point_keys(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One integer per distinct point on a 1 cm grid (0, 1, …) and how often each occurs."""
    cm = np.round(np.asarray(xy, dtype=float) * 100.0).astype(np.int64)
    if len(cm) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    cm -= cm.min(axis=0)
    span = int(cm[:, 1].max()) + 1
    if int(cm[:, 0].max()) < np.iinfo(np.int64).max // span:
        _, _, key, counts = unique_inverse(cm[:, 0] * span + cm[:, 1])
    else:  # a layer more than ~30,000 km across: slower, but exact
        _, key, counts = np.unique(cm, axis=0, return_inverse=True, return_counts=True)
    return key.ravel(), counts


def _join_dangles(
    geoms: np.ndarray, coords: np.ndarray, first: np.ndarray, last: np.ndarray, tol: float, trees: _Trees
) -> tuple[np.ndarray, np.ndarray, int]:
    """Move dangling ends within ``tol`` of another line onto it; return split points (line, m, x, y)."""
    n = len(geoms)
    end_pos = np.concatenate([first, last])  # row in coords of each line end
    end_line = np.concatenate([np.arange(n), np.arange(n)])
    key, counts = point_keys(coords[end_pos])
    # a line's "road": its two end keys, unordered (a two-way road drawn as two rows is one road)
    lo, hi = np.minimum(key[:n], key[n:]), np.maximum(key[:n], key[n:])
    n_keys = len(counts)
    road = unique_inverse(lo.astype(np.int64) * n_keys + hi)[2]  # numbered in (lo, hi) order
    key_road = np.sort(key.astype(np.int64) * (int(road.max()) + 1) + road[end_line])
    key_road = key_road[np.r_[True, key_road[1:] != key_road[:-1]]]  # np.unique, by one sort
    roads_at_key = np.bincount(key_road // (int(road.max()) + 1), minlength=n_keys)  # distinct roads per key
    dangling = np.flatnonzero((roads_at_key[key] == 1) & (lo != hi)[end_line])
    none = (coords, np.empty((0, 4)), 0)
    if len(dangling) == 0:
        return none
    pts = shapely.points(coords[end_pos[dangling]])
    qi, li = trees.of(geoms).query(pts, predicate="dwithin", distance=tol)
    own = end_line[dangling[qi]]
    other_key = np.where(dangling[qi] < n, key[n + own], key[own])  # key of the dangling line's other end
    # not the line's own road, nor a road it already meets at its other end (a short spur would fold back)
    # (and not a line it already touches: a spur leaving a road mid-way and running beside it)
    ok = (road[li] != road[own]) & (key[li] != other_key) & (key[n + li] != other_key)
    ok &= ~shapely.intersects(geoms[own], geoms[li])
    qi, li = qi[ok], li[ok]
    if len(qi) == 0:
        return none
    dist = shapely.distance(pts[qi], geoms[li])
    order = np.lexsort((li, dist, qi))
    qi, li = qi[order], li[order]
    first_of = np.r_[True, qi[1:] != qi[:-1]]
    qi, li = qi[first_of], li[first_of]  # nearest other line per dangling end
    end = dangling[qi]
    m = shapely.line_locate_point(geoms[li], pts[qi])
    total = shapely.length(geoms[li])
    at_start, at_end = m <= tol, m >= total - tol
    interior = ~(at_start | at_end)
    # ends joined to ends: one target point per group of ends (a shared end wins over a dangling one)
    target_pos = np.where(at_start, first[li], last[li])
    new = coords.copy()
    _move_end_groups(new, end_pos, key, counts, end[~interior], target_pos[~interior])
    onto = shapely.get_coordinates(shapely.line_interpolate_point(geoms[li[interior]], m[interior]))
    new[end_pos[end[interior]]] = onto
    split = np.column_stack([li[interior], m[interior], onto]) if interior.any() else np.empty((0, 4))
    return new, split, len(end)


def _move_end_groups(
    coords: np.ndarray, end_pos: np.ndarray, key: np.ndarray, counts: np.ndarray, ends: np.ndarray, target: np.ndarray
) -> None:
    """Group dangling ends with the ends they are joined to; move each group onto one point (in place)."""
    if len(ends) == 0:
        return
    k = int(key.max()) + 1
    key_of_pos = np.full(len(coords), -1, dtype=np.int64)
    key_of_pos[end_pos] = key
    a, b = key[ends], key_of_pos[target]
    _, comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(k, k)), directed=False)
    involved = np.unique(np.concatenate([a, b]))
    # representative per group: a key shared by several line ends if any, else the smallest key
    order = np.lexsort((involved, ~(counts[involved] > 1)))
    rep_of_comp = np.full(k, -1, dtype=np.int64)
    ranked = involved[order]
    _, first_in_comp = np.unique(comp[ranked], return_index=True)
    rep_of_comp[comp[ranked[first_in_comp]]] = ranked[first_in_comp]
    key_xy = np.empty((k, 2))
    key_xy[key] = coords[end_pos]
    move = np.isin(key, involved)
    coords[end_pos[move]] = key_xy[rep_of_comp[comp[key[move]]]]


def _crossings(
    geoms: np.ndarray, ends: np.ndarray, level: np.ndarray, bridge: np.ndarray, trees: _Trees
) -> tuple[np.ndarray | None, int, int]:
    """Split points (line, m, x, y, pair) where lines meet away from a shared end and are not separated.

    ``ends`` holds each line's two end coordinates. Pairs that already share an end are
    counted as meeting and not searched further (an overlay per pair is the costly step).
    """
    key = point_keys(ends.reshape(-1, 2))[0].reshape(-1, 2)
    i, j, n_shared = _meeting_pairs(geoms, ends, trees.of(geoms), key)
    if len(i) == 0:
        return None, n_shared, 0
    inter = shapely.intersection(geoms[i], geoms[j])
    parts, which = shapely.get_parts(inter, return_index=True)
    is_point = shapely.get_type_id(parts) == 0
    meet_pairs = n_shared + len(np.unique(which[is_point]))
    parts, which = parts[is_point], which[is_point]
    a, b = i[which], j[which]
    ma, mb = shapely.line_locate_point(geoms[a], parts), shapely.line_locate_point(geoms[b], parts)
    in_a = (ma > _END_EPS_M) & (ma < shapely.length(geoms[a]) - _END_EPS_M)
    in_b = (mb > _END_EPS_M) & (mb < shapely.length(geoms[b]) - _END_EPS_M)
    away = in_a | in_b
    sep = (level[a] != level[b]) | (bridge[a] & in_a) | (bridge[b] & in_b)
    separated = len(np.unique(which[away & sep]))
    use = away & ~sep
    if not use.any():
        return None, meet_pairs, separated
    xy = shapely.get_coordinates(parts[use])
    pair = which[use].astype(float)
    rows_a = np.column_stack([a[use], ma[use], xy, pair])[in_a[use]]
    rows_b = np.column_stack([b[use], mb[use], xy, pair])[in_b[use]]
    return np.vstack([rows_a, rows_b]), meet_pairs, separated


def _meeting_pairs(
    geoms: np.ndarray, ends: np.ndarray, tree: shapely.STRtree, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs i < j of lines that intersect without sharing an end (by ``key``), in
    ``tree.query(geoms, predicate="intersects")`` order, and the number that share one.

    Queried a block of lines at a time (the result is grouped by query line, so the blocks
    concatenate to the same order), and the pairs sharing an end — nearly all of them in a
    noded layer — are only counted, so a province layer's candidate arrays stay small.
    """
    found_i, found_j = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    n_shared = 0
    chunk = max(int(QUERY_CHUNK), 1)
    for start in range(0, len(geoms), chunk):
        i, j = tree.query(geoms[start : start + chunk])  # envelopes meet
        i = i + start
        keep = i < j
        i, j = _intersecting(geoms, ends, i[keep], j[keep])
        ki, kj = key[i], key[j]
        shared = (ki[:, :1] == kj).any(axis=1) | (ki[:, 1:] == kj).any(axis=1)
        n_shared += int(shared.sum())
        found_i.append(i[~shared])
        found_j.append(j[~shared])
    return np.concatenate(found_i), np.concatenate(found_j), n_shared


def _intersecting(geoms: np.ndarray, ends: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (in their order) whose lines intersect: lines with an identical end do; the rest are tested.

    Equal to ``STRtree.query(predicate="intersects")``, with the exact test run only on the
    few pairs that do not share an end vertex (in a noded layer most candidate pairs do).
    """
    ei, ej = ends[i], ends[j]
    same_end = np.zeros(len(i), dtype=bool)
    for a in (slice(0, 2), slice(2, 4)):
        for b in (slice(0, 2), slice(2, 4)):
            same_end |= (ei[:, a] == ej[:, b]).all(axis=1)
    hit = same_end.copy()
    test = np.flatnonzero(~same_end)
    hit[test] = shapely.intersects(geoms[i[test]], geoms[j[test]])
    return i[hit], j[hit]


def _split(
    coords: np.ndarray, idx: np.ndarray, first: np.ndarray, last: np.ndarray, splits: np.ndarray, geoms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cut lines at split points (line, m, x, y); return the pieces and the line of each.

    ``geoms`` are the lines as they are (``coords`` by ``idx``): returned as they are when
    nothing is cut.
    """
    n = len(first)
    if len(splits) == 0:
        if shapely.has_z(geoms).any():  # pieces are 2D, as the coordinates they are made of
            return shapely.linestrings(coords, indices=idx), np.arange(n)
        return geoms, np.arange(n)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    seg = np.r_[0.0, seg]
    seg[first] = 0.0
    cum = np.cumsum(seg)
    m_vertex = cum - cum[first][idx]
    total = m_vertex[last]
    line = splits[:, 0].astype(np.int64)
    m = splits[:, 1]
    ok = (m > _END_EPS_M) & (m < total[line] - _END_EPS_M)
    s = pd.DataFrame({"line": line[ok], "m": m[ok], "x": splits[ok, 2], "y": splits[ok, 3]})
    s = s.loc[~s.assign(cm=np.round(s["m"], 2)).duplicated(["line", "cm"])].sort_values(["line", "m"])
    n_split = np.bincount(s["line"].to_numpy(), minlength=n)
    offset = np.r_[0, np.cumsum(n_split + 1)[:-1]]
    # vertices and split points in one table, ordered along each line
    v_line, s_line = idx, s["line"].to_numpy()
    all_line = np.r_[v_line, s_line, s_line]
    all_m = np.r_[m_vertex, s["m"].to_numpy(), s["m"].to_numpy()]
    all_xy = np.vstack([coords, s[["x", "y"]].to_numpy(), s[["x", "y"]].to_numpy()])
    kind = np.r_[np.zeros(len(v_line)), np.ones(len(s)), np.full(len(s), 2.0)]  # 1 ends a piece, 2 starts one
    order = np.lexsort((kind, all_m, all_line))
    all_line, kind, all_xy = all_line[order], kind[order], all_xy[order]
    starts = np.cumsum(kind == 2)
    line_start = np.searchsorted(all_line, np.arange(n), side="left")
    local = starts - np.r_[0, starts][line_start][all_line]
    piece = offset[all_line] + local
    dup = np.r_[False, (piece[1:] == piece[:-1]) & (all_xy[1:] == all_xy[:-1]).all(axis=1)]
    piece, all_xy = piece[~dup], all_xy[~dup]
    sizes = np.bincount(piece, minlength=int(offset[-1] + n_split[-1] + 1))
    good = sizes >= 2
    keep = good[piece]
    pieces = shapely.linestrings(all_xy[keep], indices=np.searchsorted(np.flatnonzero(good), piece[keep]))
    parent = np.repeat(np.arange(n), n_split + 1)[good]
    return pieces, parent
