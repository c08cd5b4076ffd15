"""Turn any road graph into a routable, projected, mode-specific graph."""

from __future__ import annotations

import logging
from typing import Any

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from .._columns import GRAPH_KEY, LENGTH, SPEED_KPH, TRAVEL_TIME
from ..errors import CRSError, EmptyInputError, NetworkError, describe_ids
from .modes import TravelMode

log = logging.getLogger(__name__)

__all__ = ["prepare_graph", "graph_info", "require_prepared", "utm_crs_for"]


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS84 / UTM CRS of the zone containing (lon, lat) (EPSG:32651 for most of Zhejiang)."""
    zone = int((lon + 180.0) // 6.0) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(epsg)


def graph_info(G: nx.MultiDiGraph) -> dict[str, Any]:
    """What healthcov recorded about ``G`` (mode, speeds, CRS, dropped components)."""
    return dict(G.graph.get(GRAPH_KEY, {}))


def require_prepared(G: Any, what: str = "G") -> None:
    """Raise a clear error unless ``G`` came out of :func:`healthcov.read_network`."""
    if not isinstance(G, nx.MultiDiGraph) or GRAPH_KEY not in G.graph:
        msg = (
            f"{what} is not a network prepared by healthcov: pass it through "
            "healthcov.read_network(G_or_path, mode=...) first, which projects it to metres and "
            "adds travel times for the mode"
        )
        raise NetworkError(msg)


def _project(G: nx.MultiDiGraph, to_crs: Any = None) -> nx.MultiDiGraph:
    crs = G.graph.get("crs")
    if crs is None:
        msg = "the road graph has no 'crs' in G.graph: set G.graph['crs'] (e.g. 'epsg:4326') first"
        raise CRSError(msg)
    src = pyproj.CRS.from_user_input(crs)
    xs = np.fromiter((d["x"] for _, d in G.nodes(data=True)), float, G.number_of_nodes())
    ys = np.fromiter((d["y"] for _, d in G.nodes(data=True)), float, G.number_of_nodes())
    if to_crs is None:
        if not src.is_geographic:
            if src.axis_info and src.axis_info[0].unit_name not in ("metre", "meter"):
                msg = f"the road graph's CRS {src.to_string()} is not in metres: pass to_crs= a metric CRS"
                raise CRSError(msg)
            G.graph["crs"] = src.to_string()
            return G
        lon, lat = float(np.median(xs)), float(np.median(ys))
        dst = utm_crs_for(lon, lat)
    else:
        dst = pyproj.CRS.from_user_input(to_crs)
        if dst.is_geographic:
            msg = f"to_crs={to_crs!r} is geographic (degrees): pass a metric CRS such as 'EPSG:32651'"
            raise CRSError(msg)
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


def prepare_graph(
    G: nx.MultiDiGraph,
    mode: TravelMode,
    *,
    to_crs: Any = None,
    source: str | None = None,
    largest_component: bool = True,
) -> nx.MultiDiGraph:
    """Project ``G``, add ``speed_kph``/``length``/``travel_time`` for ``mode``, keep the largest SCC.

    ``G`` is consumed (modified in place); callers pass a copy they own.
    """
    if G.number_of_nodes() == 0 or not any(True for _ in G.edges()):
        msg = f"the road network {source or ''} has no {'nodes' if G.number_of_nodes() == 0 else 'edges'}".replace(
            "  ", " "
        )
        raise EmptyInputError(msg + ": check the file, the area, or the mode's road classes")
    missing_xy = [n for n, d in G.nodes(data=True) if "x" not in d or "y" not in d]
    if missing_xy:
        msg = f"road graph nodes {describe_ids(missing_xy)} have no 'x'/'y' coordinates"
        raise NetworkError(msg)
    G = _project(G, to_crs)
    nodes = G.nodes

    # speeds per mode; drop edges the mode may not use
    drop: list[tuple[Any, Any, Any]] = []
    removed_classes: dict[str, int] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        kph = mode.speed_for(d.get("highway", "unclassified"), d.get("maxspeed"))
        if kph is None:
            drop.append((u, v, k))
            hw = d.get("highway")
            key = str(hw[0] if isinstance(hw, list) else hw)
            removed_classes[key] = removed_classes.get(key, 0) + 1
            continue
        length = d.get(LENGTH)
        try:
            length = float(length)
        except (TypeError, ValueError):
            length = float("nan")
        if not np.isfinite(length) or length < 0:
            geom = d.get("geometry")
            length = (
                float(geom.length)
                if geom is not None
                else float(np.hypot(nodes[u]["x"] - nodes[v]["x"], nodes[u]["y"] - nodes[v]["y"]))
            )
        d[LENGTH] = length
        d[SPEED_KPH] = kph
        d[TRAVEL_TIME] = length / (kph / 3.6)
    G.remove_edges_from(drop)

    added_reverse = 0
    if not mode.oneway:
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
        added_reverse = len(to_add)

    isolated = [n for n in G.nodes if G.degree(n) == 0]
    if not any(True for _ in G.edges()):
        msg = f"the road network {source or ''} has no edges usable by mode {mode.name!r}"
        raise EmptyInputError(msg + f" (removed classes: {removed_classes}): choose another mode")

    info: dict[str, Any] = {
        "mode": mode.describe(),
        "crs": G.graph["crs"],
        "source": source,
        "edges_removed_by_mode": len(drop),
        "classes_removed_by_mode": removed_classes,
        "reverse_edges_added": int(added_reverse),
    }
    nodes_before = G.number_of_nodes()
    if largest_component:
        keep, n_comp, dropped_sizes = _largest_scc(G)
        dropped = [n for n in G.nodes if n not in keep]
        G.remove_nodes_from(dropped)
        info.update(
            {
                "components": int(n_comp),
                "nodes_before_scc": int(nodes_before),
                "dropped_nodes": len(dropped),
                "dropped_node_ids": [_plain(n) for n in dropped],
                "dropped_component_sizes": dropped_sizes,
            }
        )
        if dropped:
            log.info(
                "kept the largest strongly connected component: %d of %d nodes (%d components; %d nodes dropped)",
                G.number_of_nodes(),
                nodes_before,
                n_comp,
                len(dropped),
            )
    else:
        G.remove_nodes_from(isolated)
        info.update({"components": None, "nodes_before_scc": nodes_before, "dropped_nodes": len(isolated)})
    info["nodes"] = G.number_of_nodes()
    info["edges"] = G.number_of_edges()
    info["length_km"] = float(sum(d[LENGTH] for _, _, d in G.edges(data=True)) / 1000.0)
    G.graph[GRAPH_KEY] = info
    return G


def _plain(n: Any) -> Any:
    return n.item() if isinstance(n, np.generic) else n


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "-1")
    return bool(v) if v is not None else False


def _largest_scc(G: nx.MultiDiGraph) -> tuple[set[Any], int, list[int]]:
    nodes = list(G.nodes)
    idx = {n: i for i, n in enumerate(nodes)}
    m = G.number_of_edges()  # walks the adjacency once (networkx counts edges by iterating)
    pairs = np.fromiter((c for u, v in G.edges() for c in (idx[u], idx[v])), np.int64, 2 * m)
    rows, cols = pairs[0::2], pairs[1::2]
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    n_comp, labels = connected_components(A, directed=True, connection="strong")
    sizes = np.bincount(labels)
    big = int(np.argmax(sizes))
    keep = {nodes[i] for i in np.flatnonzero(labels == big)}
    others = np.sort(np.delete(sizes, big))[::-1]
    return keep, int(n_comp), [int(s) for s in others[:20]]
