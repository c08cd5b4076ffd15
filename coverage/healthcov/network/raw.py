"""Roads as read, before a travel mode applies: one topology, shared by every mode.

A reader turns its file into a :class:`RawNetwork` once — node coordinates, one row per road
piece between two nodes with its vertices, class, speed tag and one-way flags — and
:func:`healthcov.network.build.prepare_arrays` makes a routable
:class:`~healthcov.Network` of it for each mode. Nothing here is networkx: the vertices of every
row sit in one ``(K, 2)`` array with offsets, and the projection to metres is one vectorised
pyproj call over all node and vertex coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import pyproj

from .._columns import LENGTH
from ..crs import parse_crs, utm_crs_for
from ..errors import CRSError, NetworkError, describe_ids

__all__ = ["RawNetwork", "raw_from_networkx", "raise_bad_nodes", "metric_target", "ONEWAY_TRUE"]

#: ``oneway`` attribute values read as one-way (osmnx keeps booleans; GraphML gives text)
ONEWAY_TRUE = ("true", "yes", "1", "-1")


@dataclass
class RawNetwork:
    """One topology of roads, in the CRS they were read in (see the module docstring).

    Rows run ``u -> v`` (positions into the node arrays); ``coords[offsets[i]:offsets[i + 1]]``
    are row ``i``'s vertices from ``u`` to ``v``, ends included. ``forward``/``backward`` mark a
    row one-way along or against its direction; ``directed=True`` says each row is already one
    travel direction (osmnx graphs, directed line layers), so two-way reading adds no reverse.
    ``shaped`` marks rows that had a geometry of their own (the rest run straight node to node).
    """

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    crs: str
    u: np.ndarray
    v: np.ndarray
    coords: np.ndarray
    offsets: np.ndarray
    highway: np.ndarray
    forward: np.ndarray
    backward: np.ndarray
    length: np.ndarray
    shaped: np.ndarray
    directed: bool
    maxspeed: np.ndarray | None = None
    attrs: dict[str, np.ndarray] = field(default_factory=dict)
    noding: dict[str, Any] | None = None
    lonlat: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n(self) -> int:
        return len(self.node_ids)

    @property
    def rows(self) -> int:
        return len(self.u)

    def geometric_length(self) -> np.ndarray:
        """Length (in CRS units) of every row's polyline."""
        seg = np.hypot(np.diff(self.coords[:, 0]), np.diff(self.coords[:, 1]))
        if len(seg) == 0:
            return np.zeros(self.rows)
        seg[self.offsets[1:-1] - 1] = 0.0  # no length across row boundaries
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        return np.asarray(cum[self.offsets[1:] - 1] - cum[self.offsets[:-1]], dtype=float)

    def project(self, to_crs: Any = None) -> RawNetwork:
        """The same roads in metres: ``to_crs``, or the local UTM zone when the CRS is geographic.

        One pyproj call transforms the nodes and one all the vertices (osmnx projects edge by edge).
        """
        src = parse_crs(self.crs, "G.graph['crs']")
        dst = metric_target(src, to_crs, self.x, self.y)
        if src == dst:
            return replace(self, crs=dst.to_string())
        tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
        px, py = tr.transform(self.x, self.y)
        cx, cy = tr.transform(self.coords[:, 0], self.coords[:, 1])
        lonlat = (self.x, self.y) if src.is_geographic else None
        return replace(
            self,
            x=np.asarray(px, dtype=float),
            y=np.asarray(py, dtype=float),
            coords=np.column_stack([cx, cy]),
            crs=dst.to_string(),
            lonlat=lonlat,
        )


def metric_target(src: pyproj.CRS, to_crs: Any, x: np.ndarray, y: np.ndarray) -> pyproj.CRS:
    """The metric CRS a network in ``src`` goes to: ``to_crs``; else ``src`` itself when it is in
    metres, or the UTM zone of the median node (``x``, ``y`` in ``src``) when it is geographic."""
    if to_crs is None:
        if not src.is_geographic:
            if src.axis_info and src.axis_info[0].unit_name not in ("metre", "meter"):
                msg = f"the road graph's CRS {src.to_string()} is not in metres: pass to_crs= a metric CRS"
                raise CRSError(msg)
            return src
        return utm_crs_for(float(np.median(x)), float(np.median(y)))
    dst = parse_crs(to_crs, "to_crs")
    if dst.is_geographic:
        msg = f"to_crs={to_crs!r} is geographic (degrees): pass a metric CRS such as 'EPSG:32651'"
        raise CRSError(msg)
    return dst


def _node_xy(G: nx.MultiDiGraph) -> tuple[list[Any], np.ndarray, np.ndarray]:
    ids = list(G.nodes)
    missing = [n for n in ids if "x" not in G.nodes[n] or "y" not in G.nodes[n]]
    if missing:
        msg = f"road graph nodes {describe_ids(missing)} have no 'x'/'y' coordinates"
        raise NetworkError(msg)
    xs = np.empty(len(ids))
    ys = np.empty(len(ids))
    bad = []
    for i, n in enumerate(ids):
        d = G.nodes[n]
        try:
            xs[i], ys[i] = float(d["x"]), float(d["y"])
        except (TypeError, ValueError):
            bad.append(n)
    finite = np.isfinite(xs) & np.isfinite(ys)
    bad += [ids[i] for i in np.flatnonzero(~finite) if ids[i] not in bad]
    if bad:
        raise_bad_nodes(G, bad)
    return ids, xs, ys


def raise_bad_nodes(G: nx.MultiDiGraph, bad: list[Any]) -> None:
    """The error for graph nodes without usable coordinates (both network forms raise it)."""
    shown = ", ".join(f"{n!r} ({G.nodes[n]['x']!r}, {G.nodes[n]['y']!r})" for n in bad[:5])
    more = f" … ({len(bad)} nodes in all)" if len(bad) > 5 else ""
    msg = (
        f"road graph nodes {shown}{more} have no usable 'x'/'y' coordinates (NaN, infinite or text): "
        "fix or remove those nodes; routing through them would give wrong lengths"
    )
    raise NetworkError(msg)


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ONEWAY_TRUE
    return bool(v) if v is not None else False


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def raw_from_networkx(G: nx.MultiDiGraph, *, length_column: str = LENGTH, keep: tuple[str, ...] = ()) -> RawNetwork:
    """The :class:`RawNetwork` of an unprepared graph (osmnx, GraphML): one row per edge.

    Rows are directed (an osmnx graph already holds both directions of a two-way street);
    ``oneway`` truthy marks a row one-way. Attributes named in ``keep`` (e.g. ``name``,
    ``osmid``) travel with the rows to :meth:`Network.to_networkx`.
    """
    if G.graph.get("crs") is None:
        msg = "the road graph has no 'crs' in G.graph: set G.graph['crs'] (e.g. 'epsg:4326') first"
        raise CRSError(msg)
    ids, xs, ys = _node_xy(G)
    pos = {n: i for i, n in enumerate(ids)}
    m = G.number_of_edges()
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    hw = np.empty(m, dtype=object)
    ms = np.empty(m, dtype=object)
    fwd = np.zeros(m, dtype=bool)
    length = np.empty(m)
    shaped = np.zeros(m, dtype=bool)
    counts = np.empty(m, dtype=np.int64)
    parts: list[np.ndarray] = []
    attrs = {k: np.empty(m, dtype=object) for k in keep}
    for i, (a, b, d) in enumerate(G.edges(data=True)):
        u[i], v[i] = pos[a], pos[b]
        hw[i] = d.get("highway", "unclassified")
        ms[i] = d.get("maxspeed")
        fwd[i] = _truthy(d.get("oneway"))
        length[i] = _as_float(d.get(length_column))
        geom = d.get("geometry")
        if geom is not None:
            c = np.asarray(geom.coords, dtype=float)[:, :2]
            shaped[i] = True
        else:
            c = np.array([[xs[u[i]], ys[u[i]]], [xs[v[i]], ys[v[i]]]])
        parts.append(c)
        counts[i] = len(c)
        for k in keep:
            attrs[k][i] = d.get(k)
    offsets = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    node_ids = np.empty(len(ids), dtype=object)
    node_ids[:] = ids
    return RawNetwork(
        node_ids=node_ids,
        x=xs,
        y=ys,
        crs=str(G.graph["crs"]),
        u=u,
        v=v,
        coords=np.concatenate(parts) if parts else np.zeros((0, 2)),
        offsets=offsets,
        highway=hw,
        forward=fwd,
        backward=np.zeros(m, dtype=bool),
        length=length,
        shaped=shaped,
        directed=True,
        maxspeed=ms,
        attrs=attrs,
    )
