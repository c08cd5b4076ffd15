"""Array form of a prepared graph: the hot path of every search runs on this, not on networkx.

``graph_arrays(G)`` converts a prepared graph once (nodes in Hilbert-curve order, edges as
arrays, CSR matrices per weight, edge geometries, a spatial index for snapping) and caches
the result for as long as ``G`` lives. What is derived later (the node points of
:func:`healthcov.nodes_frame`, the vertex key that isochrones sample along) is built on first
use and kept with the arrays, so :func:`clear_cache` forgets it too. A networkx graph costs
about 3 KB a node; these arrays about 0.8 KB a node, most of it one shapely LineString per edge.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from .._columns import GRAPH_KEY, LENGTH, TRAVEL_TIME
from .prepare import require_prepared

__all__ = ["GraphArrays", "graph_arrays", "clear_cache", "hilbert_order", "twins", "vertex_ranges"]

WEIGHTS = (TRAVEL_TIME, LENGTH)


def vertex_ranges(
    offsets: np.ndarray, edges: np.ndarray, reverse: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Where the vertices of ``edges`` sit in a vertex array with ``offsets``, edge after edge (each
    edge's run backwards where ``reverse``), and the offsets of the gathered runs."""
    lo, hi = offsets[edges], offsets[edges + 1]
    counts = hi - lo
    new = np.zeros(len(edges) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    local = np.arange(int(new[-1])) - np.repeat(new[:-1], counts)
    take = np.repeat(lo, counts) + local
    if reverse is not None:
        take = np.where(np.repeat(reverse, counts), np.repeat(hi - 1, counts) - local, take)
    return take, new


def hilbert_order(x: np.ndarray, y: np.ndarray, bits: int = 16) -> np.ndarray:
    """Indices that sort points along a Hilbert curve (neighbours in space stay near in memory)."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)
    n = 1 << bits
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    xi = ((x - x.min()) / span * (n - 1)).astype(np.int64)
    yi = ((y - y.min()) / span * (n - 1)).astype(np.int64)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        d += s * s * ((3 * rx) ^ ry)
        # rotate
        flip = ~ry
        both = flip & rx
        xi = np.where(both, s - 1 - xi, xi)
        yi = np.where(both, s - 1 - yi, yi)
        xi, yi = np.where(flip, yi, xi), np.where(flip, xi, yi)
        s >>= 1
    return np.argsort(d, kind="stable")


@dataclass
class CSR:
    """A CSR matrix keeping, for each (row, col), the best parallel edge by ``weight``."""

    matrix: sp.csr_matrix
    edge: np.ndarray  # edge index of each stored entry
    keys: np.ndarray  # row * n + col of each stored entry (sorted)


@dataclass
class GraphArrays:
    """Arrays of a prepared graph (internal node index ``0..n-1`` in spatial order)."""

    node_ids: np.ndarray
    node_index: pd.Index
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    key: np.ndarray
    length: np.ndarray
    travel_time: np.ndarray
    twin: np.ndarray  # index of the reverse edge on the same road, or -1
    geom_store: np.ndarray | None  # shapely LineStrings, one per edge (u -> v), or None: made from coords
    crs: Any
    signature: tuple[int, int]
    g_order: np.ndarray  # internal index of each node, in G.nodes order
    coords: np.ndarray | None = None  # (K, 2) vertices of every edge, u -> v, edge after edge
    offsets: np.ndarray | None = None  # (m + 1) start of each edge's vertices in ``coords``
    _csr: dict[tuple[str, bool], CSR] = field(default_factory=dict, repr=False)
    _tree: Any = field(default=None, repr=False)
    _tree_edges: np.ndarray | None = field(default=None, repr=False)
    _flat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _vertex_key: np.ndarray | None = field(default=None, repr=False)
    _points: gpd.GeoSeries | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def n(self) -> int:
        return len(self.node_ids)

    @property
    def m(self) -> int:
        return len(self.u)

    @property
    def geoms(self) -> np.ndarray:
        """Shapely LineStrings, one per edge, oriented u -> v (made from ``coords`` on first use)."""
        with self._lock:
            if self.geom_store is None:
                self.geom_store = self._make_geoms(np.arange(self.m))
            return self.geom_store

    def edge_geoms(self, edge: np.ndarray) -> np.ndarray:
        """LineStrings of the edges ``edge`` only (without building every edge's)."""
        edge = np.asarray(edge, dtype=np.int64)
        if self.geom_store is not None:
            return self.geom_store[edge]
        return self._make_geoms(edge)

    def _make_geoms(self, edge: np.ndarray) -> np.ndarray:
        assert self.coords is not None and self.offsets is not None
        take, offsets = vertex_ranges(self.offsets, edge)
        out = np.empty(len(edge), dtype=object)
        if len(edge):
            out[:] = shapely.linestrings(self.coords[take], indices=np.repeat(np.arange(len(edge)), np.diff(offsets)))
        return out

    @classmethod
    def of_edges(
        cls,
        node_ids: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        length: np.ndarray,
        travel_time: np.ndarray,
        coords: np.ndarray,
        offsets: np.ndarray,
        *,
        crs: Any,
        key: np.ndarray | None = None,
    ) -> GraphArrays:
        """Arrays of a network already in internal order (a :class:`~healthcov.Network`'s): nodes as
        given, edges sorted by tail node, vertices as ``coords`` + ``offsets``; twins found here."""
        return cls(
            node_ids=node_ids,
            node_index=pd.Index(node_ids),
            x=x,
            y=y,
            u=u,
            v=v,
            key=np.zeros(len(u), dtype=np.int64) if key is None else key,
            length=length,
            travel_time=travel_time,
            twin=twins(u, v, length, len(node_ids)),
            geom_store=None,
            crs=crs,
            signature=(len(node_ids), len(u)),
            g_order=np.arange(len(node_ids)),
            coords=coords,
            offsets=offsets,
        )

    def weight(self, name: str) -> np.ndarray:
        return self.travel_time if name == TRAVEL_TIME else self.length

    def csr(self, weight: str, reverse: bool = False) -> CSR:
        """CSR of ``weight`` (forward, or transposed for searches towards the sources)."""
        k = (weight, reverse)
        with self._lock:
            if k not in self._csr:
                self._csr[k] = self._build_csr(weight, reverse)
            return self._csr[k]

    def _build_csr(self, weight: str, reverse: bool) -> CSR:
        w = self.weight(weight)
        ok = self.u != self.v
        eidx = np.flatnonzero(ok)
        rows = (self.v if reverse else self.u)[ok]
        cols = (self.u if reverse else self.v)[ok]
        order = np.lexsort((w[ok], cols, rows))
        rows, cols, eidx = rows[order], cols[order], eidx[order]
        keys = rows.astype(np.int64) * self.n + cols
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        rows, cols, eidx, keys = rows[first], cols[first], eidx[first], keys[first]
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n), out=indptr[1:])
        mat = sp.csr_matrix((w[eidx].astype(np.float64), cols.astype(np.int32), indptr), shape=(self.n, self.n))
        return CSR(matrix=mat, edge=eidx, keys=keys)

    def tree(self) -> tuple[Any, np.ndarray]:
        """STRtree over one edge per road (a two-way road's twins share one entry)."""
        with self._lock:
            if self._tree is None:
                rep = np.flatnonzero((self.twin < 0) | (np.arange(self.m) < self.twin))
                self._tree_edges = rep
                self._tree = shapely.STRtree(self.edge_geoms(rep))
            assert self._tree_edges is not None
            return self._tree, self._tree_edges

    def flat_coords(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(coords (K, 2), offsets (m + 1), cumulative fraction of each vertex along its edge)."""
        with self._lock:
            if self._flat is None:
                if self.coords is not None and self.offsets is not None:
                    coords, offsets = self.coords, self.offsets
                else:
                    assert self.geom_store is not None
                    coords, idx = shapely.get_coordinates(self.geom_store, return_index=True)
                    offsets = np.zeros(self.m + 1, dtype=np.int64)
                    np.cumsum(np.bincount(idx, minlength=self.m), out=offsets[1:])
                seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
                seg[offsets[1:-1] - 1] = 0.0  # no length across edge boundaries
                cum = np.concatenate([[0.0], np.cumsum(seg)])
                start = cum[offsets[:-1]]
                total = cum[offsets[1:] - 1] - start
                per_vertex_start = np.repeat(start, np.diff(offsets))
                per_vertex_total = np.repeat(total, np.diff(offsets))
                with np.errstate(invalid="ignore", divide="ignore"):
                    frac = np.where(per_vertex_total > 0, (cum - per_vertex_start) / per_vertex_total, 0.0)
                # the last vertex of every edge is exactly 1 (unless degenerate)
                last = offsets[1:] - 1
                frac[last] = np.where(total > 0, 1.0, 0.0)
                self._flat = (coords, offsets, frac)
            return self._flat

    def vertex_key(self) -> np.ndarray:
        """Sorted search key of every flattened vertex (``edge * 2 + fraction along it``), built once."""
        _, offsets, cfrac = self.flat_coords()
        with self._lock:
            if self._vertex_key is None:
                self._vertex_key = np.repeat(np.arange(self.m, dtype=np.float64) * 2.0, np.diff(offsets)) + cfrac
            return self._vertex_key

    def node_points(self) -> gpd.GeoSeries:
        """The nodes as points in ``G.nodes`` order, indexed by node id (``node``), built once.

        Shared by every caller: copy before editing (:func:`healthcov.nodes_frame` does).
        """
        with self._lock:
            if self._points is None:
                o = self.g_order
                self._points = gpd.GeoSeries(
                    shapely.points(self.x[o], self.y[o]), index=pd.Index(self.node_ids[o], name="node"), crs=self.crs
                )
            return self._points

    def points_along(self, edge: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of points at fraction ``frac`` along edges ``edge`` (vectorised)."""
        coords, offsets, cfrac = self.flat_coords()
        edge = np.asarray(edge, dtype=np.int64)
        frac = np.clip(np.asarray(frac, dtype=float), 0.0, 1.0)
        # the segment of each point: its edge's first vertex when the edge is straight (two
        # vertices); else found in the global key edge * 2 + frac, monotone over the vertices
        lo, hi = offsets[edge], offsets[edge + 1] - 2
        j = hi.copy()
        bent = np.flatnonzero(hi > lo)
        if len(bent):
            q = edge[bent] * 2.0 + frac[bent]
            j[bent] = np.clip(np.searchsorted(self.vertex_key(), q, side="right") - 1, lo[bent], hi[bent])
        f0, f1 = cfrac[j], cfrac[j + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(f1 > f0, (frac - f0) / (f1 - f0), 0.0)
        t = np.clip(t, 0.0, 1.0)
        x = coords[j, 0] + t * (coords[j + 1, 0] - coords[j, 0])
        y = coords[j, 1] + t * (coords[j + 1, 1] - coords[j, 1])
        return x, y


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, GraphArrays] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def clear_cache(G: nx.MultiDiGraph | None = None) -> None:
    """Forget the cached arrays of ``G`` (or of every graph). Call it after editing ``G``.

    A :class:`~healthcov.Network` holds its arrays itself: there is nothing to forget.
    """
    if G is not None and not isinstance(G, nx.Graph):
        return
    with _CACHE_LOCK:
        if G is None:
            _CACHE.clear()
        else:
            _CACHE.pop(G, None)


def graph_arrays(G: nx.MultiDiGraph) -> GraphArrays:
    """The cached :class:`GraphArrays` of ``G`` (built on first use).

    The cache is checked against the node count and the ``G.graph["healthcov"]`` record only
    (counting edges in networkx walks the whole graph); after editing edges call
    :func:`clear_cache`.
    """
    if isinstance(getattr(G, "arrays", None), GraphArrays):  # a healthcov Network: arrays are its own form
        require_prepared(G)
        return G.arrays  # type: ignore[no-any-return]
    require_prepared(G)
    sig = (G.number_of_nodes(), id(G.graph[GRAPH_KEY]))
    with _CACHE_LOCK:
        arr = _CACHE.get(G)
        if arr is not None and arr.signature == sig:
            return arr
    arr = _build(G, sig)
    with _CACHE_LOCK:
        _CACHE[G] = arr
    return arr


def _build(G: nx.MultiDiGraph, sig: tuple[int, int]) -> GraphArrays:
    ids = list(G.nodes)
    n = len(ids)
    x0 = np.fromiter((G.nodes[i]["x"] for i in ids), float, n)
    y0 = np.fromiter((G.nodes[i]["y"] for i in ids), float, n)
    order = hilbert_order(x0, y0)
    node_ids = np.empty(n, dtype=object)
    node_ids[:] = [ids[i] for i in order]
    if all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids):
        with contextlib.suppress(OverflowError):
            node_ids = node_ids.astype(np.int64)  # ids that really are integers (not "10" strings)
    node_index = pd.Index(node_ids)
    x, y = x0[order], y0[order]
    pos = {nid: i for i, nid in enumerate(node_ids.tolist())}

    m = G.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    key = np.empty(m, dtype=object)
    length = np.empty(m, dtype=float)
    tt = np.empty(m, dtype=float)
    geoms = np.empty(m, dtype=object)
    straight = np.zeros(m, dtype=bool)
    for i, (a, b, k, d) in enumerate(G.edges(keys=True, data=True)):
        u[i] = pos[a]
        v[i] = pos[b]
        key[i] = k
        length[i] = d[LENGTH]
        tt[i] = d[TRAVEL_TIME]
        g = d.get("geometry")
        if g is None:
            straight[i] = True
        else:
            geoms[i] = g
    if straight.any():
        s = np.flatnonzero(straight)
        pts = np.empty((len(s), 2, 2))
        pts[:, 0, 0], pts[:, 0, 1] = x[u[s]], y[u[s]]
        pts[:, 1, 0], pts[:, 1, 1] = x[v[s]], y[v[s]]
        geoms[s] = shapely.linestrings(pts)
    # sort edges by tail node for locality; parallel edges by length (to the mm), so the order does not
    # depend on how the file or the graph listed them (both network forms give the same order)
    eorder = np.lexsort((np.round(length, 3), v, u))
    u, v, key, length, tt, geoms = u[eorder], v[eorder], key[eorder], length[eorder], tt[eorder], geoms[eorder]
    twin = twins(u, v, length, n)
    return GraphArrays(
        node_ids=node_ids,
        node_index=node_index,
        x=x,
        y=y,
        u=u,
        v=v,
        key=key,
        length=length,
        travel_time=tt,
        twin=twin,
        geom_store=geoms,
        crs=G.graph.get("crs"),
        signature=sig,
        g_order=np.argsort(order, kind="stable"),
    )


def twins(u: np.ndarray, v: np.ndarray, length: np.ndarray, n: int) -> np.ndarray:
    """For each edge u->v, a v->u edge of (nearly) the same length: the same road the other way."""
    m = len(u)
    twin = np.full(m, -1, dtype=np.int64)
    fwd = u.astype(np.int64) * n + v
    rev = v.astype(np.int64) * n + u
    order = np.argsort(fwd, kind="stable")
    sf = fwd[order]
    lo = np.searchsorted(sf, rev, side="left")
    hi = np.searchsorted(sf, rev, side="right")
    has = (hi > lo) & (u != v)
    # usual case: exactly one candidate
    one = has & (hi - lo == 1)
    cand = order[np.minimum(lo, m - 1)]
    close = np.abs(length[cand] - length) <= np.maximum(1.0, 0.02 * length)
    twin[one & close] = cand[one & close]
    # parallel edges: pick the candidate with the closest length
    for i in np.flatnonzero(has & (hi - lo > 1)):
        cands = order[lo[i] : hi[i]]
        j = cands[np.argmin(np.abs(length[cands] - length[i]))]
        if abs(length[j] - length[i]) <= max(1.0, 0.02 * length[i]):
            twin[i] = j
    return twin
