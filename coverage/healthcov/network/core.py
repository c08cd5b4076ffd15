"""healthcov's own form of a road network: arrays, with networkx and osmnx at the edges.

A :class:`Network` holds one travel mode's routable roads as numpy arrays
(:class:`~healthcov.network.arrays.GraphArrays`: nodes in Hilbert order, edges with length and
travel time, the vertices of every edge in one coordinate array with offsets, CSR matrices made
on first search) plus the same ``graph`` record a prepared networkx graph carries
(``net.graph["crs"]``, ``net.graph["healthcov"]``). Every search, snapping, isochrone and
assessment accepts it wherever it accepts a prepared networkx graph, without building one.

>>> import healthcov as hc
>>> net = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive", form="arrays")
>>> net.number_of_nodes() == hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive").number_of_nodes()
True
>>> G = net.to_networkx()  # osmnx-style MultiDiGraph, prepared: every healthcov function takes it too
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from .._columns import GRAPH_KEY, LENGTH, SPEED_KPH, TRAVEL_TIME
from .arrays import GraphArrays, vertex_ranges

__all__ = ["Network"]


class Network:
    """One mode's prepared road network as arrays (see the module docstring).

    Attributes
    ----------
    arrays
        The :class:`~healthcov.network.arrays.GraphArrays` every search runs on.
    graph
        ``{"crs": ..., "healthcov": {...}}``: what was read and how (as ``G.graph`` of networkx).
    edge_data
        Per-edge columns beyond length and travel time: ``highway``, ``speed_kph``, ``oneway``,
        ``reversed``, ``shaped`` (the edge has a geometry of its own) and any kept attribute.
    """

    is_healthcov_network = True

    def __init__(
        self,
        arrays: GraphArrays,
        graph: dict[str, Any],
        edge_data: dict[str, np.ndarray],
        *,
        lonlat: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.arrays = arrays
        self.graph = graph
        self.edge_data = edge_data
        self.lonlat = lonlat

    # -- the few networkx-style questions healthcov and its users ask ---------------------------
    def number_of_nodes(self) -> int:
        return self.arrays.n

    def number_of_edges(self) -> int:
        return self.arrays.m

    def __len__(self) -> int:
        return self.arrays.n

    @property
    def crs(self) -> Any:
        return self.graph["crs"]

    @property
    def mode(self) -> str:
        return str(self.graph[GRAPH_KEY]["mode"]["name"])

    def __repr__(self) -> str:
        info = self.graph[GRAPH_KEY]
        return (
            f"<healthcov.Network {self.mode}: {self.arrays.n:,} nodes, {self.arrays.m:,} edges, "
            f"{info.get('length_km', 0.0):,.1f} km of edges, {self.crs}>"
        )

    def memory_bytes(self) -> int:
        """Bytes held by the arrays (coordinates, edges, nodes; CSR matrices once built)."""
        a = self.arrays
        total = sum(x.nbytes for x in (a.x, a.y, a.u, a.v, a.length, a.travel_time, a.twin, a.key, a.g_order))
        total += a.node_ids.nbytes + (a.coords.nbytes if a.coords is not None else 0)
        total += a.offsets.nbytes if a.offsets is not None else 0
        total += sum(getattr(v, "nbytes", 0) for v in self.edge_data.values())
        return int(total)

    def edge_subnetwork(self, edges: np.ndarray) -> Network:
        """The network made of the edges ``edges`` (internal indices) and the nodes they touch.

        Node and edge order are kept (the Hilbert order and the tail-node sort stay valid); the
        record says how many nodes the whole network had (``nodes_in_file``).
        """
        a = self.arrays
        edges = np.unique(np.asarray(edges, dtype=np.int64))
        used = np.zeros(a.n, dtype=bool)
        used[a.u[edges]] = True
        used[a.v[edges]] = True
        nodes = np.flatnonzero(used)
        pos = np.full(a.n, -1, dtype=np.int64)
        pos[nodes] = np.arange(len(nodes))
        u, v = pos[a.u[edges]], pos[a.v[edges]]
        coords, offsets = a.flat_coords()[:2]
        take, new_off = vertex_ranges(offsets, edges)
        sub = GraphArrays.of_edges(
            a.node_ids[nodes],
            a.x[nodes],
            a.y[nodes],
            u,
            v,
            a.length[edges],
            a.travel_time[edges],
            coords[take],
            new_off,
            crs=a.crs,
            key=a.key[edges],
        )
        info = dict(self.graph[GRAPH_KEY])
        info.update(nodes=len(nodes), edges=len(edges), nodes_in_file=a.n, dropped_node_ids=[])
        lonlat = None if self.lonlat is None else (self.lonlat[0][nodes], self.lonlat[1][nodes])
        data = {k: col[edges] for k, col in self.edge_data.items()}
        return Network(sub, {**self.graph, GRAPH_KEY: info}, data, lonlat=lonlat)

    # -- frames and conversions ----------------------------------------------------------------
    def nodes_frame(self) -> gpd.GeoDataFrame:
        """Nodes as points (index ``node``; columns ``x``, ``y``)."""
        a = self.arrays
        pts = gpd.points_from_xy(a.x, a.y, crs=self.crs)
        return gpd.GeoDataFrame({"x": a.x, "y": a.y}, geometry=pts, index=pd.Index(a.node_ids, name="node"))

    def edges_frame(self) -> gpd.GeoDataFrame:
        """Edges as lines with ``u``, ``v`` (node ids), ``length`` (m), ``speed_kph``, ``travel_time`` (s)."""
        a = self.arrays
        cols: dict[str, Any] = {
            "u": a.node_ids[a.u],
            "v": a.node_ids[a.v],
            LENGTH: a.length,
            TRAVEL_TIME: a.travel_time,
        }
        cols.update({k: v for k, v in self.edge_data.items() if k != "shaped"})
        return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(a.geoms, crs=self.crs))

    def to_networkx(self) -> nx.MultiDiGraph:
        """The prepared osmnx-style ``MultiDiGraph`` (``x``/``y`` on nodes; ``length``, ``speed_kph``,
        ``travel_time``, ``highway``, ``oneway``, ``reversed`` and ``geometry`` where the edge had one)."""
        a = self.arrays
        G = nx.MultiDiGraph(crs=self.crs)
        ids = a.node_ids.tolist()
        if self.lonlat is None:
            G.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, x, y in zip(ids, a.x, a.y, strict=True))
        else:
            lon, lat = self.lonlat
            G.add_nodes_from(
                (i, {"x": float(x), "y": float(y), "lon": float(o), "lat": float(t)})
                for i, x, y, o, t in zip(ids, a.x, a.y, lon, lat, strict=True)
            )
        extra = {k: v for k, v in self.edge_data.items() if k not in ("shaped", SPEED_KPH)}
        shaped = self.edge_data.get("shaped", np.ones(a.m, dtype=bool))
        geoms = a.edge_geoms(np.flatnonzero(shaped))
        gi = np.cumsum(shaped) - 1
        for e in range(a.m):
            d: dict[str, Any] = {k: _plain(col[e]) for k, col in extra.items() if _present(col[e])}
            d[LENGTH] = float(a.length[e])
            d[SPEED_KPH] = float(self.edge_data[SPEED_KPH][e])
            d[TRAVEL_TIME] = float(a.travel_time[e])
            if shaped[e]:
                d["geometry"] = geoms[gi[e]]
            G.add_edge(ids[a.u[e]], ids[a.v[e]], **d)
        G.graph[GRAPH_KEY] = dict(self.graph[GRAPH_KEY])
        return G

    def save_graphml(self, path: Any) -> None:
        """Write the network as osmnx GraphML (read it back with :func:`healthcov.read_network`)."""
        import osmnx as ox

        G = self.to_networkx()
        G.graph.pop(GRAPH_KEY, None)  # a nested dict is not a GraphML value
        ox.save_graphml(G, path)

    @classmethod
    def from_networkx(cls, G: nx.MultiDiGraph) -> Network:
        """The arrays of a graph prepared by :func:`healthcov.read_network` (``form="networkx"``)."""
        from .arrays import graph_arrays

        a = graph_arrays(G)
        data: dict[str, list[Any]] = {"highway": [], SPEED_KPH: [], "oneway": [], "reversed": [], "shaped": []}
        lookup = {(u, v, k): d for u, v, k, d in G.edges(keys=True, data=True)}
        ids = a.node_ids.tolist()
        for e in range(a.m):
            d = lookup[(ids[a.u[e]], ids[a.v[e]], a.key[e])]
            data["highway"].append(d.get("highway"))
            data[SPEED_KPH].append(float(d.get(SPEED_KPH, np.nan)))
            data["oneway"].append(bool(d.get("oneway", False)))
            data["reversed"].append(bool(d.get("reversed", False)))
            data["shaped"].append(d.get("geometry") is not None)
        cols = {k: np.asarray(v, dtype=object if k == "highway" else None) for k, v in data.items()}
        return cls(a, dict(G.graph), cols)


def _present(v: Any) -> bool:
    if v is None:
        return False
    return not (isinstance(v, float) and v != v)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
