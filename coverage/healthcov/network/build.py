"""A routable :class:`~healthcov.Network` for one travel mode, made from a :class:`RawNetwork` in arrays.

:func:`prepare_arrays` is the arrays-first twin of :func:`healthcov.network.prepare.prepare_graph`
and records the same facts in ``net.graph["healthcov"]`` (mode, speeds, lengths checked, classes
removed or unknown, road km dropped outside the largest strongly connected component), so the
two give the same nodes, edges and travel times (``tests/test_network_arrays.py`` compares them
on every shared dataset). Every step is a numpy operation over all rows at once; the only
Python loop is over the distinct (road class, speed tag) pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._columns import GRAPH_KEY
from ..errors import EmptyInputError
from .arrays import GraphArrays, hilbert_order, vertex_ranges
from .core import Network
from .hygiene import check_lengths, dropped_summary, warn_dropped, warn_unknown_classes
from .modes import TravelMode, clean_class, known_classes
from .noding import unique_inverse
from .raw import RawNetwork, raw_from_networkx

__all__ = [
    "prepare_arrays",
    "network_from_graph",
    "row_speeds",
    "Edges",
    "fast_road_km",
    "fast_dropped_summary",
    "sorted_isin",
]


class Edges:
    """Directed edges under construction: the row each comes from and whether it runs against it."""

    def __init__(self, row: np.ndarray, rev: np.ndarray, u: np.ndarray, v: np.ndarray, oneway: np.ndarray) -> None:
        self.row, self.rev, self.u, self.v, self.oneway = row, rev, u, v, oneway
        self.added = np.zeros(len(row), dtype=bool)  # a reverse added for a mode that ignores one-way

    def take(self, sel: np.ndarray) -> Edges:
        out = Edges(self.row[sel], self.rev[sel], self.u[sel], self.v[sel], self.oneway[sel])
        out.added = self.added[sel]
        return out

    def extend(self, other: Edges) -> Edges:
        out = Edges(
            np.concatenate([self.row, other.row]),
            np.concatenate([self.rev, other.rev]),
            np.concatenate([self.u, other.u]),
            np.concatenate([self.v, other.v]),
            np.concatenate([self.oneway, other.oneway]),
        )
        out.added = np.concatenate([self.added, other.added])
        return out


def sorted_isin(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """``np.isin(values, among)`` for integer arrays by one sort and a binary search (numpy's
    isin hashes ``among`` first, several times slower on millions of keys)."""
    keys = np.sort(among)
    if len(keys) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return np.asarray(keys[pos] == values)


def fast_road_km(u: np.ndarray, v: np.ndarray, length_m: np.ndarray) -> float:
    """:func:`healthcov.network.hygiene.road_km` (a two-way road counted once), without ``np.unique(axis=0)``.

    The same groups (unordered node pair, length to 0.1 m), the same first edge of each group in
    the same (lexicographic) order, so the same sum to the last bit; one stable sort of integer
    keys instead of a sort of float rows (12 s → 1 s for 4M edges).
    """
    if len(u) == 0:
        return 0.0
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    r = np.round(np.nan_to_num(length_m), 1)
    order = _pair_length_order(a, b, np.round(np.nan_to_num(length_m) * 10.0))
    if order is None:
        order = np.lexsort((r, b, a))
    a, b, r = a[order], b[order], r[order]
    new = np.empty(len(order), dtype=bool)
    new[0] = True
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (r[1:] != r[:-1])
    return float(np.nansum(length_m[order[new]]) / 1000.0)


def _pair_length_order(a: np.ndarray, b: np.ndarray, r10: np.ndarray) -> np.ndarray | None:
    """Stable order by (a, b, r10) as one int64 key (None when the values do not fit one).

    ``np.round(x, 1)`` is ``rint(x * 10) / 10``: ``r10`` orders and groups the lengths alike.
    """
    if not (np.isfinite(r10).all() and np.abs(r10).max() < 2**52):
        return None
    span = int(b.max()) + 1
    if int(a.max()) >= np.iinfo(np.int64).max // span:
        return None
    pair = a * span + b
    lo = int(r10.min())
    width = int(r10.max()) - lo + 1
    if int(pair.max()) >= np.iinfo(np.int64).max // width:  # number the pairs densely first
        uniq, _, pair, _ = unique_inverse(pair)
        if len(uniq) >= np.iinfo(np.int64).max // width:
            return None
    key = pair.astype(np.int64) * width + (r10.astype(np.int64) - lo)
    return np.argsort(key, kind="stable")


def fast_dropped_summary(
    u: np.ndarray, v: np.ndarray, length_m: np.ndarray, keep_node: np.ndarray, n_nodes: int
) -> dict[str, Any]:
    """:func:`healthcov.network.hygiene.dropped_summary` with :func:`fast_road_km` (same numbers)."""
    return dropped_summary(u, v, length_m, keep_node, n_nodes, km=fast_road_km)


def _hashable(values: np.ndarray) -> np.ndarray:
    """Lists (osmnx keeps a list when simplification merged classes) as tuples, so they factorize."""
    out = values.copy()
    if values.dtype != object:
        return out
    for i in np.flatnonzero([isinstance(h, list) for h in values]):
        out[i] = tuple(values[i])
    return out


def _factorize_classes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of road classes (NaN kept as a value); lists made tuples only when there are any."""
    try:
        return pd.factorize(values, use_na_sentinel=False)
    except TypeError:  # unhashable: osmnx lists
        return pd.factorize(_hashable(values), use_na_sentinel=False)


def row_speeds(raw: RawNetwork, mode: TravelMode) -> np.ndarray:
    """km/h of every row for ``mode`` (NaN where the mode may not use it), one call per distinct class."""
    hw_codes, hw_uniq = _factorize_classes(raw.highway)
    if mode.use_maxspeed and raw.maxspeed is not None:
        ms = np.array([None if (x is None or x != x) else str(x) for x in raw.maxspeed], dtype=object)
        ms_codes, ms_uniq = pd.factorize(ms, use_na_sentinel=False)
    else:
        ms_codes, ms_uniq = np.zeros(raw.rows, dtype=np.int64), np.array([None], dtype=object)
    pair = hw_codes.astype(np.int64) * len(ms_uniq) + ms_codes
    codes, uniq = pd.factorize(pair)
    speeds = np.empty(len(uniq))
    for j, p in enumerate(uniq):
        h = hw_uniq[p // len(ms_uniq)]
        kph = mode.speed_for(list(h) if isinstance(h, tuple) else h, ms_uniq[p % len(ms_uniq)])
        speeds[j] = np.nan if kph is None else kph
    return speeds[codes]


def _removed_classes(raw: RawNetwork, dropped_rows: np.ndarray, per_row: np.ndarray) -> dict[str, int]:
    """Edges removed per class (a merged class list counts under its smallest name), one key per distinct value."""
    if len(dropped_rows) == 0:
        return {}
    codes, uniq = _factorize_classes(raw.highway[dropped_rows])
    counts = np.bincount(codes, weights=per_row[dropped_rows], minlength=len(uniq))
    out: dict[str, int] = {}
    for h, c in zip(uniq, counts, strict=True):
        key = str(min(map(str, h)) if isinstance(h, (list, tuple)) and len(h) else h)  # lists come from a set
        out[key] = out.get(key, 0) + int(c)
    return out


def _directed_edges(raw: RawNetwork, rows: np.ndarray) -> Edges:
    """The travel directions of ``rows``: as the line/graph readers add them (see the module docstring)."""
    if raw.directed:
        return Edges(rows, np.zeros(len(rows), bool), raw.u[rows], raw.v[rows], raw.forward[rows] | raw.backward[rows])
    fwd, back = raw.forward[rows], raw.backward[rows]
    along = rows[~back]
    against = rows[back | ~fwd]  # one-way against the row, or the other direction of a two-way road
    e1 = Edges(along, np.zeros(len(along), bool), raw.u[along], raw.v[along], raw.forward[along])
    e2 = Edges(against, np.ones(len(against), bool), raw.v[against], raw.u[against], raw.backward[against])
    return e1.extend(e2)


def _add_reverse(e: Edges, n: int) -> tuple[Edges, np.ndarray]:
    """Modes that ignore one-way streets: the missing reverse of every edge (and of every one-way one)."""
    keys = e.u.astype(np.int64) * n + e.v
    rev_keys = e.v.astype(np.int64) * n + e.u
    has_rev = sorted_isin(rev_keys, keys)
    need = (e.u != e.v) & (~has_rev | e.oneway)
    add = e.take(need)
    add.u, add.v, add.rev = add.v, add.u, ~add.rev
    add.added = np.ones(len(add.row), dtype=bool)
    return e.extend(add), need


def _scc(u: np.ndarray, v: np.ndarray, n: int) -> tuple[int, np.ndarray]:
    A = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    n_comp, labels = connected_components(A, directed=True, connection="strong")
    return int(n_comp), labels


def _keep_nodes(
    raw: RawNetwork, e: Edges, length: np.ndarray, largest: bool, source: str | None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Nodes kept (the largest strongly connected component, or every node with an edge) and the record."""
    n = raw.n
    if not largest:
        deg = np.bincount(e.u, minlength=n) + np.bincount(e.v, minlength=n)
        keep = deg > 0
        return keep, {"components": None, "nodes_before_scc": n, "dropped_nodes": int((~keep).sum())}
    n_comp, labels = _scc(e.u, e.v, n)
    sizes = np.bincount(labels)
    big = int(np.argmax(sizes))
    keep = labels == big
    summary = fast_dropped_summary(e.u, e.v, length, keep, n)
    others = np.sort(np.delete(sizes, big))[::-1]
    gone = np.flatnonzero(~keep)
    warn_dropped(summary, n_comp, source, noding=raw.noding, stacklevel=6)
    return keep, {
        "components": n_comp,
        "nodes_before_scc": n,
        "dropped_node_ids": [_plain(i) for i in raw.node_ids[gone]],
        "dropped_node_xy": [(round(float(a), 2), round(float(b), 2)) for a, b in zip(raw.x[gone], raw.y[gone])],
        "dropped_component_sizes": [int(s) for s in others[:20]],
        **summary,
    }


def _plain(n: Any) -> Any:
    return n.item() if isinstance(n, np.generic) else n


def _unknown(raw: RawNetwork, e: Edges, length: np.ndarray, mode: TravelMode) -> dict[str, float]:
    """Road km per class the mode does not know (two-way roads once), largest first.

    The classes are cleaned once per distinct road-class value; an edge whose (merged) value
    names an unknown class twice counts twice, as in the networkx form.
    """
    known = known_classes(mode)
    codes, uniq = _factorize_classes(raw.highway)
    per_key: list[list[str]] = []
    for h in uniq:
        names = h if isinstance(h, (list, tuple)) else [h]
        per_key.append([c for c in (clean_class(x) for x in names) if c not in known])
    classes = sorted({c for cs in per_key for c in cs})
    if not classes:
        return {}
    edge_key = codes[e.row]
    km = {}
    for c in classes:
        times = np.array([cs.count(c) for cs in per_key], dtype=np.int64)[edge_key]
        s = np.repeat(np.arange(len(edge_key)), times)
        km[str(c)] = round(fast_road_km(e.u[s], e.v[s], length[s]), 3)
    return dict(sorted(km.items(), key=lambda kv: -kv[1]))


def _edge_coords(raw: RawNetwork, row: np.ndarray, rev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of each edge (reversed where the edge runs against its row), gathered in one pass."""
    take, offsets = vertex_ranges(raw.offsets, row, rev)
    return raw.coords[take], offsets


def prepare_arrays(
    raw: RawNetwork,
    mode: TravelMode,
    *,
    source: str | None = None,
    largest_component: bool = True,
    length_column: str = "length",
    recompute_length: bool = False,
) -> Network:
    """A routable :class:`Network` of ``raw`` for ``mode`` (``raw`` already projected to metres)."""
    kph_row = row_speeds(raw, mode)
    usable = np.isfinite(kph_row)
    e_all = _directed_edges(raw, np.arange(raw.rows))
    per_row = np.bincount(e_all.row, minlength=raw.rows)
    info: dict[str, Any] = {"mode": mode.describe(), "crs": raw.crs, "source": source, "noding": raw.noding}
    e = e_all.take(usable[e_all.row])
    geom_len = raw.geometric_length()[e.row]
    attr = np.full(len(e.row), np.nan) if recompute_length else raw.length[e.row]
    lengths, length_info = check_lengths(
        attr,
        geom_len,
        column="geometry" if recompute_length else length_column,
        source=source,
        has_geometry=raw.shaped[e.row],
        stacklevel=5,
    )
    unknown = _unknown(raw, e, lengths, mode)
    warn_unknown_classes(unknown, mode.name, mode.fallback_kph, source, stacklevel=5)
    info.update(
        {
            "edges_removed_by_mode": int(per_row[~usable].sum()),
            "classes_removed_by_mode": _removed_classes(raw, np.flatnonzero(~usable), per_row),
            "unknown_classes_km": unknown,
            "fallback_kph": mode.fallback_kph,
            **length_info,
        }
    )
    info["reverse_edges_added"] = 0
    if not mode.oneway:
        e, need = _add_reverse(e, raw.n)
        lengths = np.concatenate([lengths, lengths[need]])
        info["reverse_edges_added"] = int(need.sum())
    if len(e.row) == 0:
        msg = f"the road network {source or ''} has no edges usable by mode {mode.name!r}"
        raise EmptyInputError(msg + f" (removed classes: {info['classes_removed_by_mode']}): choose another mode")
    keep, scc = _keep_nodes(raw, e, lengths, largest_component, source)
    info.update(scc)
    sel = keep[e.u] & keep[e.v]
    e, lengths = e.take(sel), lengths[sel]
    return _network(raw, e, lengths, kph_row[e.row], keep, info)


def _network(
    raw: RawNetwork, e: Edges, lengths: np.ndarray, kph: np.ndarray, keep: np.ndarray, info: dict[str, Any]
) -> Network:
    kept = np.flatnonzero(keep)
    order = hilbert_order(raw.x[kept], raw.y[kept])
    nodes = kept[order]  # raw node position of each internal node
    new_pos = np.full(raw.n, -1, dtype=np.int64)
    new_pos[nodes] = np.arange(len(nodes))
    u, v = new_pos[e.u], new_pos[e.v]
    eorder = np.lexsort((np.round(lengths, 3), v, u))  # as graph_arrays: parallel edges by length (mm)
    u, v, lengths, kph = u[eorder], v[eorder], lengths[eorder], kph[eorder]
    e = e.take(eorder)
    coords, offsets = _edge_coords(raw, e.row, e.rev)
    tt = lengths / (kph / 3.6)
    node_ids = raw.node_ids[nodes]
    if node_ids.dtype == object and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in node_ids):
        node_ids = node_ids.astype(np.int64)
    info["nodes"] = len(nodes)
    info["edges"] = len(u)
    info["length_km"] = float(lengths.sum() / 1000.0)
    arr = GraphArrays.of_edges(node_ids, raw.x[nodes], raw.y[nodes], u, v, lengths, tt, coords, offsets, crs=raw.crs)
    edge_data = {
        "highway": raw.highway[e.row],
        "speed_kph": kph,
        "oneway": e.oneway,
        "reversed": e.rev,
        "shaped": raw.shaped[e.row],
        **{k: col[e.row] for k, col in raw.attrs.items()},
    }
    if raw.maxspeed is not None:
        edge_data["maxspeed"] = raw.maxspeed[e.row]
    graph = {"crs": raw.crs, GRAPH_KEY: info}
    lonlat = None if raw.lonlat is None else (raw.lonlat[0][nodes], raw.lonlat[1][nodes])
    return Network(arr, graph, edge_data, lonlat=lonlat)


def network_from_graph(
    G: Any,
    mode: TravelMode,
    *,
    to_crs: Any = None,
    source: str | None = None,
    largest_component: bool = True,
    length_column: str | None = None,
    recompute_length: bool = False,
) -> Network:
    """:func:`prepare_arrays` of an unprepared networkx graph (what the readers parse today)."""
    from .prepare import NODING_KEY, require_roads

    require_roads(G, source)
    raw = raw_from_networkx(G, length_column=length_column or "length")
    raw.noding = G.graph.get(NODING_KEY)
    return prepare_arrays(
        raw.project(to_crs),
        mode,
        source=source,
        largest_component=largest_component,
        length_column=length_column or "length",
        recompute_length=recompute_length,
    )
