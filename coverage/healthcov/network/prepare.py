"""Turn any road graph into a routable, projected, mode-specific graph."""

from __future__ import annotations

import logging
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from .._columns import GRAPH_KEY, LENGTH, SPEED_KPH, TRAVEL_TIME
from ..crs import parse_crs
from ..errors import CRSError, EmptyInputError, NetworkError, describe_ids
from .hygiene import check_lengths, dropped_summary, road_km, warn_dropped, warn_unknown_classes
from .modes import TravelMode, clean_class, known_classes
from .raw import metric_target, raise_bad_nodes

log = logging.getLogger(__name__)

__all__ = [
    "prepare_graph",
    "graph_info",
    "require_prepared",
    "require_roads",
    "is_network",
    "utm_crs_for",
    "NODING_KEY",
]

#: ``G.graph`` key under which line-layer readers leave their noding statistics for prepare_graph
NODING_KEY = "healthcov_noding"


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS84 / UTM CRS of the zone containing (lon, lat) (EPSG:32651 for most of Zhejiang)."""
    zone = int((lon + 180.0) // 6.0) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(epsg)


def graph_info(G: nx.MultiDiGraph) -> dict[str, Any]:
    """What healthcov recorded about ``G`` (mode, speeds, CRS, dropped components)."""
    return dict(G.graph.get(GRAPH_KEY, {}))


def is_network(obj: Any) -> bool:
    """Whether ``obj`` is one road network (a networkx graph or a :class:`~healthcov.Network`), not a dict of them."""
    return isinstance(obj, nx.Graph) or getattr(obj, "is_healthcov_network", False) is True


def require_prepared(G: Any, what: str = "G") -> None:
    """Raise a clear error unless ``G`` came out of :func:`healthcov.read_network`."""
    arrays_first = getattr(G, "is_healthcov_network", False) is True
    if not (isinstance(G, nx.MultiDiGraph) or arrays_first) or GRAPH_KEY not in G.graph:
        msg = (
            f"{what} is not a network prepared by healthcov: pass it through "
            "healthcov.read_network(G_or_path, mode=...) first, which projects it to metres and "
            "adds travel times for the mode"
        )
        raise NetworkError(msg)


def _check_node_coordinates(G: nx.MultiDiGraph) -> None:
    """Node ``x``/``y`` must be finite numbers (numeric text such as ``"120.15"`` is converted)."""
    bad = []
    for n, d in G.nodes(data=True):
        try:
            x, y = float(d["x"]), float(d["y"])
        except (TypeError, ValueError):
            bad.append(n)
            continue
        if not (np.isfinite(x) and np.isfinite(y)):
            bad.append(n)
            continue
        d["x"], d["y"] = x, y
    if bad:
        raise_bad_nodes(G, bad)


def _project(G: nx.MultiDiGraph, to_crs: Any = None) -> nx.MultiDiGraph:
    crs = G.graph.get("crs")
    if crs is None:
        msg = "the road graph has no 'crs' in G.graph: set G.graph['crs'] (e.g. 'epsg:4326') first"
        raise CRSError(msg)
    src = parse_crs(crs, "G.graph['crs']")
    xs = np.fromiter((d["x"] for _, d in G.nodes(data=True)), float, G.number_of_nodes())
    ys = np.fromiter((d["y"] for _, d in G.nodes(data=True)), float, G.number_of_nodes())
    dst = metric_target(src, to_crs, xs, ys)
    if dst is src:  # already in metres
        G.graph["crs"] = src.to_string()
        return G
    if src == dst:
        return G
    tr = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    px, py = tr.transform(xs, ys)
    for (_, d), x, y in zip(G.nodes(data=True), px, py, strict=True):
        d["lon"], d["lat"] = d["x"], d["y"]
        d["x"], d["y"] = float(x), float(y)
    for _, _, d in G.edges(data=True):
        geom = d.get("geometry")
        if geom is not None:
            c = np.asarray(geom.coords)
            gx, gy = tr.transform(c[:, 0], c[:, 1])
            d["geometry"] = LineString(np.column_stack([gx, gy]))
    G.graph["crs"] = dst.to_string()
    return G


def require_roads(G: nx.MultiDiGraph, source: str | None) -> None:
    """A clear error for a road graph without nodes or edges (both network forms raise it)."""
    if G.number_of_nodes() == 0 or not any(True for _ in G.edges()):
        msg = f"the road network {source or ''} has no {'nodes' if G.number_of_nodes() == 0 else 'edges'}".replace(
            "  ", " "
        )
        raise EmptyInputError(msg + ": check the file, the area, or the mode's road classes")


def prepare_graph(
    G: nx.MultiDiGraph,
    mode: TravelMode,
    *,
    to_crs: Any = None,
    source: str | None = None,
    largest_component: bool = True,
    length_column: str | None = None,
    recompute_length: bool = False,
) -> nx.MultiDiGraph:
    """Project ``G``, add ``speed_kph``/``length``/``travel_time`` for ``mode``, keep the largest SCC.

    ``G`` is consumed (modified in place); callers pass a copy they own. Edge lengths are
    read from ``length_column`` (default ``length``, metres) and checked against the geometry
    (:func:`~healthcov.network.hygiene.check_lengths`); ``recompute_length=True`` measures them
    all from the geometry. Road classes the mode does not know, and the road length dropped
    outside the largest strongly connected component, are warned about and recorded in
    ``G.graph["healthcov"]`` (``unknown_classes_km``, ``dropped_km``, ``dropped_share``), as is
    the mode (``G.graph["healthcov"]["mode"]["name"]``).
    """
    require_roads(G, source)
    missing_xy = [n for n, d in G.nodes(data=True) if "x" not in d or "y" not in d]
    if missing_xy:
        msg = f"road graph nodes {describe_ids(missing_xy)} have no 'x'/'y' coordinates"
        raise NetworkError(msg)
    _check_node_coordinates(G)
    G = _project(G, to_crs)
    info: dict[str, Any] = {"mode": mode.describe(), "crs": G.graph["crs"], "source": source}
    info["noding"] = G.graph.pop(NODING_KEY, None)
    info.update(_set_speeds(G, mode, source, length_column or LENGTH, recompute_length))
    info["reverse_edges_added"] = _add_reverse_edges(G) if not mode.oneway else 0

    if not any(True for _ in G.edges()):
        msg = f"the road network {source or ''} has no edges usable by mode {mode.name!r}"
        raise EmptyInputError(msg + f" (removed classes: {info['classes_removed_by_mode']}): choose another mode")
    nodes_before = G.number_of_nodes()
    if largest_component:
        info.update(_keep_largest_scc(G, source, info["noding"]))
    else:
        isolated = [n for n in G.nodes if G.degree(n) == 0]
        G.remove_nodes_from(isolated)
        info.update({"components": None, "nodes_before_scc": nodes_before, "dropped_nodes": len(isolated)})
    info["nodes"] = G.number_of_nodes()
    info["edges"] = G.number_of_edges()
    info["length_km"] = float(sum(d[LENGTH] for _, _, d in G.edges(data=True)) / 1000.0)
    G.graph[GRAPH_KEY] = info
    return G


def _set_speeds(
    G: nx.MultiDiGraph, mode: TravelMode, source: str | None, length_column: str, recompute_length: bool
) -> dict[str, Any]:
    """Set ``speed_kph``, checked ``length`` and ``travel_time`` on every edge; drop edges the mode may not use."""
    nodes = G.nodes
    drop: list[tuple[Any, Any, Any]] = []
    removed_classes: dict[str, int] = {}
    kept: list[dict[str, Any]] = []
    kph_list: list[float] = []
    attr_len: list[float] = []
    geom_len: list[float] = []
    shaped: list[bool] = []
    classes: list[list[str]] = []
    ends: list[tuple[Any, Any]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        hw = d.get("highway", "unclassified")
        kph = mode.speed_for(hw, d.get("maxspeed"))
        if kph is None:
            drop.append((u, v, k))
            key = str(min(map(str, hw)) if isinstance(hw, list) and hw else hw)  # lists: osmnx builds them from a set
            removed_classes[key] = removed_classes.get(key, 0) + 1
            continue
        kept.append(d)
        kph_list.append(kph)
        attr_len.append(_as_float(None if recompute_length else d.get(length_column)))
        geom = d.get("geometry")
        shaped.append(geom is not None)
        geom_len.append(
            float(geom.length)
            if geom is not None
            else float(np.hypot(nodes[u]["x"] - nodes[v]["x"], nodes[u]["y"] - nodes[v]["y"]))
        )
        classes.append([clean_class(c) for c in (hw if isinstance(hw, (list, tuple, set)) else [hw])])
        ends.append((u, v))
    G.remove_edges_from(drop)
    lengths, length_info = check_lengths(
        np.asarray(attr_len, dtype=float),
        np.asarray(geom_len, dtype=float),
        column="geometry" if recompute_length else length_column,
        source=source,
        has_geometry=np.asarray(shaped, dtype=bool),
        stacklevel=5,
    )
    for d, length, kph in zip(kept, lengths.tolist(), kph_list, strict=True):
        d[LENGTH] = length
        d[SPEED_KPH] = kph
        d[TRAVEL_TIME] = length / (kph / 3.6)
    unknown = _unknown_classes(classes, ends, lengths, known_classes(mode))
    warn_unknown_classes(unknown, mode.name, mode.fallback_kph, source, stacklevel=5)
    return {
        "edges_removed_by_mode": len(drop),
        "classes_removed_by_mode": removed_classes,
        "unknown_classes_km": unknown,
        "fallback_kph": mode.fallback_kph,
        **length_info,
    }


def _unknown_classes(
    classes: list[list[str]], ends: list[tuple[Any, Any]], lengths: np.ndarray, known: frozenset[str]
) -> dict[str, float]:
    """Road km (two-way roads once) per class not in ``known``, largest first."""
    rows = [(c, i) for i, cs in enumerate(classes) for c in cs if c not in known]
    if not rows:
        return {}
    ids: dict[Any, int] = {}
    edge = np.array([i for _, i in rows])
    u = np.array([ids.setdefault(ends[i][0], len(ids)) for i in edge])
    v = np.array([ids.setdefault(ends[i][1], len(ids)) for i in edge])
    cls = np.array([c for c, _ in rows], dtype=object)
    km = {}
    for c, sel in pd.Series(np.arange(len(rows))).groupby(cls).groups.items():
        sel = np.asarray(sel)
        km[str(c)] = round(road_km(u[sel], v[sel], lengths[edge[sel]]), 3)
    return dict(sorted(km.items(), key=lambda kv: -kv[1]))


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _add_reverse_edges(G: nx.MultiDiGraph) -> int:
    """Add the missing reverse of every edge (modes that ignore one-way streets)."""
    to_add = []
    for u, v, _k, d in G.edges(keys=True, data=True):
        if u == v:
            continue
        if not G.has_edge(v, u) or _truthy(d.get("oneway")):
            rd = dict(d)
            geom = d.get("geometry")
            if geom is not None:
                rd["geometry"] = LineString(list(geom.coords)[::-1])
            rd["reversed"] = not bool(d.get("reversed", False))
            rd["healthcov_reverse"] = True
            to_add.append((v, u, rd))
    for v, u, rd in to_add:
        G.add_edge(v, u, **rd)
    return len(to_add)


def _keep_largest_scc(G: nx.MultiDiGraph, source: str | None, noding: dict[str, Any] | None) -> dict[str, Any]:
    """Remove everything outside the largest strongly connected component; say what went."""
    nodes_before = G.number_of_nodes()
    nodes = list(G.nodes)
    idx = {n: i for i, n in enumerate(nodes)}
    m = G.number_of_edges()  # walks the adjacency once (networkx counts edges by iterating)
    flat = np.fromiter((c for u, v, d in G.edges(data=True) for c in (idx[u], idx[v], d[LENGTH])), np.float64, 3 * m)
    rows, cols, length_m = flat[0::3].astype(np.int64), flat[1::3].astype(np.int64), flat[2::3]
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    n_comp, labels = connected_components(A, directed=True, connection="strong")
    sizes = np.bincount(labels)
    big = int(np.argmax(sizes))
    keep_mask = labels == big
    summary = dropped_summary(rows, cols, length_m, keep_mask, len(nodes))
    others = np.sort(np.delete(sizes, big))[::-1]
    dropped = [nodes[i] for i in np.flatnonzero(~keep_mask)]
    dropped_xy = [(round(G.nodes[n]["x"], 2), round(G.nodes[n]["y"], 2)) for n in dropped]
    G.remove_nodes_from(dropped)
    warn_dropped(summary, int(n_comp), source, noding=noding, stacklevel=5)
    return {
        "components": int(n_comp),
        "nodes_before_scc": int(nodes_before),
        "dropped_node_ids": [_plain(n) for n in dropped],
        "dropped_node_xy": dropped_xy,
        "dropped_component_sizes": [int(s) for s in others[:20]],
        **summary,
    }


def _plain(n: Any) -> Any:
    return n.item() if isinstance(n, np.generic) else n


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "-1")
    return bool(v) if v is not None else False
