"""OSM XML and ``.osm.pbf`` straight to a :class:`~healthcov.network.raw.RawNetwork` with pyosmium.

:func:`osm_topology` gives the topology osmnx builds with ``graph_from_xml(path, simplify=True,
retain_all=True)`` (osmnx 2.1) — the same nodes, the same simplified edges, lengths, classes and
one-way flags — without networkx or osmnx: pyosmium (libosmium, C++) parses the file, the ways
become arrays, and osmnx's rules run on those arrays:

* **edges**: each way joins its consecutive nodes (repeated consecutive nodes dropped). A way is
  one-way when its ``oneway`` tag is ``yes``/``true``/``1``/``-1``/``reverse``/``T``/``F`` (case
  as written) or it is ``junction=roundabout``; ``-1``/``reverse``/``T`` run against the drawn
  order. Two-way ways get both directions. Lengths are great-circle metres between the nodes
  (osmnx's haversine, earth radius 6,371,009 m).
* **simplification**: a node is an endpoint when it has a self-loop, no incoming or no outgoing
  edge, or not (exactly two neighbours and 2 or 4 edges); every chain from an endpoint through
  non-endpoints to the next endpoint becomes one edge whose length is the sum, whose vertices are
  the chain's nodes and whose ``highway``/``maxspeed`` are the one value its pieces share or a
  list of their distinct values (osmnx's rule, so :meth:`TravelMode.speed_for` averages the same
  classes). Components that are only a ring of non-endpoints are left out, as osmnx does.

The chains are followed on arrays (degree counts with ``np.bincount``, one numpy step per chain
position for all chains at once); the only Python loop is pyosmium's, over the ways.

``ways="highway"`` (default) reads the ways with a ``highway`` tag and their nodes — a road
network. ``ways="all"`` reads every way and every node of the file, as ``graph_from_xml`` does
(buildings, land use or railways in the file then become edges of class ``unclassified``): use
it to reproduce osmnx exactly on files that hold more than roads. On a file of roads only (an
Overpass ``way[highway]`` download, such as the shared Shanghai network) both give osmnx's
topology.

Coordinates are read to 1e-7 degrees (about 1 cm; libosmium's fixed precision, which is also the
precision OSM stores): files written with more decimals are rounded to it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import ClippedExtractWarning, EmptyNetworkError, NetworkError, describe_ids
from ..network.raw import RawNetwork
from ._common import existing_path

__all__ = ["ClippedExtractWarning", "osm_topology", "osm_raw", "osm_networkx", "raw_to_networkx", "OSM_SUFFIXES"]

#: file names read as OSM data (XML, compressed XML, PBF)
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.xml", ".pbf")
#: ``oneway`` tag values osmnx reads as one-way (case-sensitive, as osmnx compares them)
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
#: ``oneway`` values that run against the way's drawn order
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
#: osmnx's earth radius for great-circle lengths (``osmnx.distance.EARTH_RADIUS_M``)
EARTH_RADIUS_M = 6_371_009
#: what ``ways=`` accepts
WAYS = ("highway", "all")
#: libosmium's fixed-point coordinate scale and its "no location" value
_SCALE = 10_000_000
_UNDEFINED = 2_147_483_647


@dataclass
class _Parsed:
    """The file's ways as arrays: the node refs of every way in one array, and per-way tags."""

    refs: np.ndarray  # int64 node id of every way node, ways one after another
    x_fixed: np.ndarray  # lon * 1e7 of every way node (from the node location cache)
    y_fixed: np.ndarray
    counts: np.ndarray  # nodes per way
    way_ids: np.ndarray
    highway: np.ndarray  # object: tag value or None
    maxspeed: np.ndarray
    oneway: np.ndarray  # bool: osmnx's _is_path_one_way
    reverse: np.ndarray  # bool: one-way against the drawn order
    node_ids: np.ndarray | None = None  # ways="all": every node of the file, in file order
    node_x: np.ndarray | None = None
    node_y: np.ndarray | None = None


def _osm_file(path: Path) -> Any:
    import osmium

    name = path.name.lower()
    if name.endswith(".pbf"):
        fmt = "pbf"
    elif name.endswith(".bz2"):
        fmt = "osm.bz2"
    elif name.endswith(".gz"):
        fmt = "osm.gz"
    else:
        fmt = "osm"
    return osmium.io.File(str(path), fmt)


def _parse(path: Path, ways: str) -> _Parsed:
    """One pass of pyosmium over the file; node locations come from libosmium's location cache."""
    import osmium
    from osmium.filter import EntityFilter, KeyFilter

    keep_all = ways == "all"
    fp = osmium.FileProcessor(_osm_file(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    if not keep_all:
        fp = fp.with_filter(EntityFilter(osmium.osm.WAY)).with_filter(KeyFilter("highway"))
    refs: list[int] = []
    xs: list[int] = []
    ys: list[int] = []
    counts, wids, hws, mss, ones, revs = [], [], [], [], [], []
    nids: list[int] = []
    nxs: list[int] = []
    nys: list[int] = []
    for obj in fp:
        if isinstance(obj, osmium.osm.Node):
            loc = obj.location
            nids.append(obj.id)
            nxs.append(loc.x)
            nys.append(loc.y)
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        nodes = obj.nodes
        for nd in nodes:  # one NodeRef per way node: pyosmium has no bulk accessor
            loc = nd.location
            refs.append(nd.ref)
            xs.append(loc.x)  # fixed-point lon * 1e7; 2**31 - 1 when the file lacks the node
            ys.append(loc.y)
        counts.append(len(nodes))
        wids.append(obj.id)
        tags = obj.tags
        hws.append(tags.get("highway"))
        mss.append(tags.get("maxspeed"))
        ow = tags.get("oneway")
        one = ow in ONEWAY_VALUES or tags.get("junction") == "roundabout"
        ones.append(one)
        revs.append(one and ow in REVERSED_VALUES)
    return _Parsed(
        refs=np.asarray(refs, dtype=np.int64),
        x_fixed=np.asarray(xs, dtype=np.int64),
        y_fixed=np.asarray(ys, dtype=np.int64),
        counts=np.asarray(counts, dtype=np.int64),
        way_ids=np.asarray(wids, dtype=np.int64),
        highway=_objects(hws),
        maxspeed=_objects(mss),
        oneway=np.asarray(ones, dtype=bool),
        reverse=np.asarray(revs, dtype=bool),
        node_ids=np.asarray(nids, dtype=np.int64) if keep_all else None,
        node_x=np.asarray(nxs, dtype=np.int64) if keep_all else None,
        node_y=np.asarray(nys, dtype=np.int64) if keep_all else None,
    )


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (tag values or None), whatever they hold."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _late_nodes(path: Path, p: _Parsed) -> None:
    """Locations of way nodes the file gives after the ways (Overpass ``out; >; out skel;``), by a
    second pass over the nodes of those ids only; what is still missing is a clipped extract."""
    import osmium
    from osmium.filter import IdFilter

    lacking = p.x_fixed == _UNDEFINED
    wanted = _unique(p.refs[lacking])[0]
    ids: list[int] = []
    xs: list[int] = []
    ys: list[int] = []
    for node in osmium.FileProcessor(_osm_file(path), osmium.osm.NODE).with_filter(IdFilter(wanted.tolist())):
        if isinstance(node, osmium.osm.Node):
            ids.append(node.id)
            xs.append(node.location.x)
            ys.append(node.location.y)
    if not ids:
        return
    got, first, _ = _unique(np.asarray(ids, dtype=np.int64))
    at = np.minimum(np.searchsorted(got, p.refs[lacking]), len(got) - 1)
    hit = got[at] == p.refs[lacking]
    rows = np.flatnonzero(lacking)[hit]
    p.x_fixed[rows] = np.asarray(xs, dtype=np.int64)[first][at[hit]]
    p.y_fixed[rows] = np.asarray(ys, dtype=np.int64)[first][at[hit]]


def _read(path: Path, ways: str) -> _Parsed:
    """:func:`_parse` with libosmium's errors (truncated file, not OSM data) as a :class:`NetworkError`."""
    try:
        parsed = _parse(path, ways)
        if parsed.node_ids is None and (parsed.x_fixed == _UNDEFINED).any():
            _late_nodes(path, parsed)
    except Exception as exc:  # libosmium raises RuntimeError/ValueError subclasses with its own text
        kind = "OSM .pbf file" if path.name.lower().endswith(".pbf") else "OSM XML file"
        msg = (
            f"cannot read the road network {str(path)!r}: it is not a complete {kind} ({type(exc).__name__}: "
            f"{exc}). Download or export it again (a truncated or renamed file gives this)"
        )
        raise NetworkError(msg) from exc
    if len(parsed.way_ids) == 0:
        what = "ways" if ways == "all" else "ways with a highway tag"
        msg = (
            f"the OSM file {str(path)!r} has no {what}: there is no road to route on. Check that it is the "
            "road extract (an Overpass query for way[highway], or a .pbf of the area)"
        )
        raise EmptyNetworkError(msg)
    return parsed


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted unique values, the index of each one's first occurrence, and each value's position
    among them: ``np.unique(return_index=True, return_inverse=True)`` by one stable sort (numpy
    2.4's hash-based unique of int64 was ~10x slower here on 500k values)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(len(values), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], order[new], inverse


@dataclass
class _WayNodes:
    """The node table (ids, lon, lat) and, per way node, its position in it, its way and whether the file has it."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    pos: np.ndarray  # -1 where the file lacks the node
    way: np.ndarray
    found: np.ndarray
    clipped: dict[str, Any] | None  # what was cut, when ways reach beyond the extract


def _way_nodes(p: _Parsed) -> _WayNodes:
    """Way nodes with osmnx's consecutive repeats dropped, and the table of the nodes they use."""
    way = np.repeat(np.arange(len(p.counts)), p.counts)
    refs, xf, yf = p.refs, p.x_fixed, p.y_fixed
    repeat = np.zeros(len(refs), dtype=bool)
    repeat[1:] = (refs[1:] == refs[:-1]) & (way[1:] == way[:-1])  # osmnx drops consecutive duplicates
    refs, xf, yf, way = refs[~repeat], xf[~repeat], yf[~repeat], way[~repeat]
    if p.node_ids is not None:  # ways="all": every node of the file, in file order
        ids, nx_f, ny_f = p.node_ids, p.node_x, p.node_y
        order = np.argsort(ids, kind="stable")
        at = np.clip(np.searchsorted(ids[order], refs), 0, max(len(ids) - 1, 0))
        found = ids[order][at] == refs if len(ids) else np.zeros(len(refs), dtype=bool)
        pos = np.where(found, order[at] if len(ids) else -1, -1)
    else:
        found = xf != _UNDEFINED  # the location cache had no such node
        ids, first, inv = _unique(refs[found])
        nx_f, ny_f = xf[found][first], yf[found][first]
        pos = np.full(len(refs), -1, dtype=np.int64)
        pos[found] = inv.ravel()
    clipped = None
    if not found.all():
        missing = np.unique(refs[~found])
        ways_hit = np.unique(p.way_ids[way[~found]])
        clipped = {
            "ways_cut": len(ways_hit),
            "missing_nodes": len(missing),
            "way_ids": describe_ids(ways_hit.tolist()),
            "node_ids": describe_ids(missing.tolist()),
        }
    lon = np.asarray(nx_f, dtype=np.int64) / _SCALE  # one IEEE division: the float osmnx parses from 7 decimals
    lat = np.asarray(ny_f, dtype=np.int64) / _SCALE
    return _WayNodes(np.asarray(ids, dtype=np.int64), lon, lat, pos, way, found, clipped)


def _warn_clipped(path: Path, clipped: dict[str, Any]) -> None:
    warnings.warn(
        f"the OSM file {path.name!r} is a clipped extract: {clipped['ways_cut']:,} ways (ways {clipped['way_ids']}) "
        f"use {clipped['missing_nodes']:,} nodes that are not in the file (nodes {clipped['node_ids']}). Those "
        "ways are cut where their nodes are missing, so routes end at the edge of the extract (no straight "
        "line is drawn across the gap). To keep whole ways, cut the extract again with "
        "'osmium extract --strategy complete_ways' or an Overpass query ending in '(._;>;);'",
        ClippedExtractWarning,
        stacklevel=3,
    )


def _edges(p: _Parsed, wn: _WayNodes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed edges (u, v, way) in the order osmnx's ``_add_paths`` adds them.

    Way by way: the forward edges in path order (a way one-way against its drawing runs from its
    last node back), then, for a two-way way, each edge reversed in the same order.
    """
    pos, way, found = wn.pos, wn.way, wn.found
    # segment i joins way nodes i and i + 1 (of one way, both in the file)
    seg = np.flatnonzero((way[1:] == way[:-1]) & found[1:] & found[:-1])
    a, b, w = pos[seg], pos[seg + 1], way[seg]
    rev = p.reverse[w]
    two = ~p.oneway[w]
    fu, fv = np.where(rev, b, a), np.where(rev, a, b)
    fseq = np.where(rev, -seg, seg)
    u = np.concatenate([fu, fv[two]])
    v = np.concatenate([fv, fu[two]])
    ew = np.concatenate([w, w[two]])
    block = np.concatenate([np.zeros(len(seg), dtype=np.int64), np.ones(int(two.sum()), dtype=np.int64)])
    seq = np.concatenate([fseq, seg[two]])
    order = np.lexsort((seq, block, ew))
    return u[order], v[order], ew[order]


def great_circle_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine metres, written as ``osmnx.distance.great_circle`` is (same operations, same floats)."""
    y1 = np.deg2rad(lat1)
    y2 = np.deg2rad(lat2)
    delta_y = y2 - y1
    x1 = np.deg2rad(lon1)
    x2 = np.deg2rad(lon2)
    delta_x = x2 - x1
    h = np.sin(delta_y / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(delta_x / 2) ** 2
    h = np.minimum(1, h)
    arc = 2 * np.arcsin(np.sqrt(h))
    dist = arc * EARTH_RADIUS_M
    return np.asarray(np.where(np.isnan(dist), 0.0, dist), dtype=float)


@dataclass
class _Adjacency:
    """Degrees and neighbours of a directed multigraph on ``n`` nodes, as osmnx's ``_is_endpoint`` sees them."""

    endpoint: np.ndarray
    nbr0: np.ndarray  # the two neighbours of a node with exactly two (else -1)
    nbr1: np.ndarray
    arcs: np.ndarray  # sorted unique u * n + v of the edges


def _adjacency(u: np.ndarray, v: np.ndarray, n: int) -> _Adjacency:
    indeg = np.bincount(v, minlength=n)
    outdeg = np.bincount(u, minlength=n)
    deg = indeg + outdeg
    loop = np.zeros(n, dtype=bool)
    loop[u[u == v]] = True
    other = u != v
    a = np.concatenate([u[other], v[other]]).astype(np.int64)
    b = np.concatenate([v[other], u[other]]).astype(np.int64)
    pairs = _unique(a * n + b)[0]
    pa, pb = pairs // n, pairs % n
    nb = np.bincount(pa, minlength=n)
    two = (nb == 2) & ((deg == 2) | (deg == 4))
    endpoint = loop | (indeg == 0) | (outdeg == 0) | ~two
    first = np.searchsorted(pa, np.arange(n))
    nbr0 = np.full(n, -1, dtype=np.int64)
    nbr1 = np.full(n, -1, dtype=np.int64)
    sel = np.flatnonzero(nb == 2)
    nbr0[sel], nbr1[sel] = pb[first[sel]], pb[first[sel] + 1]
    arcs = _unique(u.astype(np.int64) * n + v)[0]
    return _Adjacency(endpoint, nbr0, nbr1, arcs)


def _has_arc(adj: _Adjacency, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    keys = a.astype(np.int64) * n + b
    at = np.minimum(np.searchsorted(adj.arcs, keys), len(adj.arcs) - 1)
    return np.asarray(adj.arcs[at] == keys, dtype=bool)


def _chains(adj: _Adjacency, n: int) -> tuple[np.ndarray, np.ndarray]:
    """osmnx's ``_build_path`` for every (endpoint, non-endpoint successor) pair at once.

    A non-endpoint has exactly two neighbours, so the walk from ``prev`` into ``cur`` goes on to
    ``cur``'s other neighbour when ``cur`` has an edge to it, and stops there when it is an
    endpoint (the start included: a loop closes). When ``cur`` has no edge onward (a one-way
    street turning two-way with duplicated edges) osmnx stops at ``cur`` and so does this.
    Returns the chains' nodes one after another and each chain's offsets.
    """
    arcs_u, arcs_v = adj.arcs // n, adj.arcs % n
    start = adj.endpoint[arcs_u] & ~adj.endpoint[arcs_v]
    prev, cur = arcs_u[start], arcs_v[start]
    m = len(prev)
    ids = np.arange(m)
    chain_parts, node_parts, step_parts = [ids, ids], [prev, cur], [np.zeros(m, np.int64), np.ones(m, np.int64)]
    step = 1
    while len(ids):
        nxt = np.where(adj.nbr0[cur] == prev, adj.nbr1[cur], adj.nbr0[cur])
        go = _has_arc(adj, cur, nxt, n)
        ids, prev, cur = ids[go], cur[go], nxt[go]
        step += 1
        chain_parts.append(ids)
        node_parts.append(cur)
        step_parts.append(np.full(len(ids), step, dtype=np.int64))
        more = ~adj.endpoint[cur]
        ids, prev, cur = ids[more], prev[more], cur[more]
    chain = np.concatenate(chain_parts)
    order = np.lexsort((np.concatenate(step_parts), chain))
    offsets = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(chain, minlength=m), out=offsets[1:])
    return np.concatenate(node_parts)[order], offsets


def _merge_values(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per chain: the one value its edges share, else a list of the distinct ones (osmnx's rule), else None.

    ``values`` holds each chain edge's value (None when the way had no such tag), chains one
    after another. osmnx keeps ``list(set(values))``; the list is built the same way here so
    that, in one process, the two orders agree.
    """
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    starts = offsets[:-1]
    present = np.add.reduceat((codes >= 0).astype(np.int64), starts)
    big = np.iinfo(np.int64).max
    lo = np.minimum.reduceat(np.where(codes >= 0, codes, big), starts)
    hi = np.maximum.reduceat(codes, starts)
    out = np.empty(len(starts), dtype=object)
    out[:] = None
    one = (present > 0) & (lo == hi)
    out[one] = np.asarray(uniq, dtype=object)[lo[one]]
    for i in np.flatnonzero((present > 0) & (lo != hi)):
        vals = [uniq[c] for c in codes[offsets[i] : offsets[i + 1]] if c >= 0]
        out[i] = list(set(vals))
    return out


@dataclass
class _Topology:
    """The simplified graph: kept nodes, and rows (original edges, then one per chain)."""

    keep: np.ndarray  # node mask
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    highway: np.ndarray
    maxspeed: np.ndarray
    oneway: np.ndarray
    vertex_nodes: np.ndarray  # node positions of every row's vertices, rows one after another
    offsets: np.ndarray
    shaped: np.ndarray


def _simplify(p: _Parsed, u: np.ndarray, v: np.ndarray, ew: np.ndarray, length: np.ndarray, n: int) -> _Topology:
    """osmnx's ``simplify_graph`` (osmnx 2.1, ``remove_rings=True``) on edge arrays."""
    adj = _adjacency(u, v, n)
    nodes, offs = _chains(adj, n)
    pair_first = np.ones(len(nodes), dtype=bool)
    pair_first[offs[1:] - 1] = False  # the last node of a chain starts no edge
    ca, cb = nodes[:-1][pair_first[:-1]], nodes[1:][pair_first[:-1]]
    # each chain step takes the first edge added between its two nodes (osmnx: next(iter(...)))
    keys = u.astype(np.int64) * n + v
    ukeys, first_edge, _ = _unique(keys)
    e = first_edge[np.searchsorted(ukeys, ca.astype(np.int64) * n + cb)]
    counts = np.diff(offs) - 1
    e_offs = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=e_offs[1:])
    removed = np.zeros(n, dtype=bool)
    inner = np.ones(len(nodes), dtype=bool)
    inner[offs[:-1]] = False
    inner[offs[1:] - 1] = False
    removed[nodes[inner]] = True
    c_u, c_v = nodes[offs[:-1]], nodes[offs[1:] - 1]
    kept = ~removed[u] & ~removed[v]
    starts = e_offs[:-1]
    merged_len = np.add.reduceat(length[e], starts) if len(e) else np.zeros(0)
    t = _Topology(
        keep=~removed,
        u=np.concatenate([u[kept], c_u]),
        v=np.concatenate([v[kept], c_v]),
        length=np.concatenate([length[kept], merged_len]),
        highway=np.concatenate([p.highway[ew[kept]], _merge_values(p.highway[ew[e]], e_offs)]),
        maxspeed=np.concatenate([p.maxspeed[ew[kept]], _merge_values(p.maxspeed[ew[e]], e_offs)]),
        oneway=np.concatenate([p.oneway[ew[kept]], np.logical_or.reduceat(p.oneway[ew[e]], starts)]),
        vertex_nodes=np.concatenate([np.column_stack([u[kept], v[kept]]).ravel(), nodes]),
        offsets=np.concatenate([np.arange(int(kept.sum())) * 2, 2 * int(kept.sum()) + offs]),
        shaped=np.concatenate([np.zeros(int(kept.sum()), dtype=bool), np.ones(len(c_u), dtype=bool)]),
    )
    row_ok = t.keep[t.u] & t.keep[t.v]  # a chain ending on a node another chain removed goes with it
    return _remove_rings(_take_rows(t, row_ok), n)


def _take_rows(t: _Topology, sel: np.ndarray) -> _Topology:
    counts = np.diff(t.offsets)
    vsel = np.repeat(sel, counts)
    offsets = np.zeros(int(sel.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[sel], out=offsets[1:])
    return _Topology(
        keep=t.keep,
        u=t.u[sel],
        v=t.v[sel],
        length=t.length[sel],
        highway=t.highway[sel],
        maxspeed=t.maxspeed[sel],
        oneway=t.oneway[sel],
        vertex_nodes=t.vertex_nodes[vsel],
        offsets=offsets,
        shaped=t.shaped[sel],
    )


def _remove_rings(t: _Topology, n: int) -> _Topology:
    """Leave out weakly connected components in which no node is an endpoint (osmnx's ``_remove_rings``)."""
    endpoint = _adjacency(t.u, t.v, n).endpoint
    graph = coo_matrix((np.ones(len(t.u)), (t.u, t.v)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=True, connection="weak")
    has_end = np.bincount(label, weights=(endpoint & t.keep).astype(float), minlength=label.max() + 1) > 0
    t.keep = t.keep & has_end[label]
    return _take_rows(t, t.keep[t.u] & t.keep[t.v])


def osm_topology(path: Any, *, ways: str = "highway") -> RawNetwork:
    """The roads of an OSM file as a :class:`RawNetwork` (WGS84), simplified as osmnx simplifies them.

    Reads ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.xml`` and ``.osm.pbf`` with pyosmium; see the
    module docstring for the rules (they are osmnx 2.1's ``graph_from_xml(path, simplify=True,
    retain_all=True)``). Rows are directed (a two-way street has a row each way), like an osmnx
    graph's edges; :func:`healthcov.network.build.prepare_arrays` makes a routable network of it
    for each travel mode without reading the file again.

    Parameters
    ----------
    path
        The OSM file.
    ways
        ``"highway"`` (default): ways with a ``highway`` tag and the nodes they use.
        ``"all"``: every way and node of the file, exactly as osmnx's ``graph_from_xml``.

    Raises
    ------
    NetworkError
        The file is truncated or not OSM data, or it holds no roads
        (:class:`~healthcov.EmptyNetworkError`).

    Warns
    -----
    ClippedExtractWarning
        Ways use nodes the file lacks (an extract cut with osmium's default "simple" strategy):
        each such way is cut where its nodes are missing (osmnx stops with an error there), and
        ``raw.noding["clipped_extract"]`` counts the ways cut and the nodes missing.
    """
    if ways not in WAYS:
        msg = f"ways={ways!r} is not one of {WAYS}: 'highway' reads the roads, 'all' every way as osmnx does"
        raise NetworkError(msg)
    path = existing_path(path, "OSM road network")
    if not path.name.lower().endswith(OSM_SUFFIXES):
        msg = f"{path.name!r} is not an OSM file: osm_topology reads {', '.join(OSM_SUFFIXES)}"
        raise NetworkError(msg)
    p = _read(path, ways)
    wn = _way_nodes(p)
    if wn.clipped is not None:
        _warn_clipped(path, wn.clipped)
    ids, lon, lat = wn.ids, wn.lon, wn.lat
    u, v, ew = _edges(p, wn)
    length = great_circle_m(lat[u], lon[u], lat[v], lon[v])
    t = _simplify(p, u, v, ew, length, len(ids))
    if len(t.u) == 0 and not t.keep.any():
        msg = f"the OSM file {str(path)!r} has no roads left after simplification (only isolated rings)"
        raise EmptyNetworkError(msg)
    raw = _raw(t, ids, lon, lat)
    if wn.clipped is not None:
        raw.noding = {"clipped_extract": {k: wn.clipped[k] for k in ("ways_cut", "missing_nodes")}}
    return raw


def _raw(t: _Topology, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> RawNetwork:
    kept = np.flatnonzero(t.keep)
    new = np.full(len(ids), -1, dtype=np.int64)
    new[kept] = np.arange(len(kept))
    highway = t.highway.copy()
    # a way without a highway tag (ways="all"): the class healthcov gives such an osmnx edge
    highway[np.array([h is None for h in highway], dtype=bool)] = "unclassified"
    m = len(t.u)
    return RawNetwork(
        node_ids=ids[kept],
        x=lon[kept],
        y=lat[kept],
        crs="epsg:4326",
        u=new[t.u],
        v=new[t.v],
        coords=np.column_stack([lon[t.vertex_nodes], lat[t.vertex_nodes]]),
        offsets=t.offsets,
        highway=highway,
        forward=t.oneway.astype(bool),
        backward=np.zeros(m, dtype=bool),
        length=t.length.astype(float),
        shaped=t.shaped,
        directed=True,
        maxspeed=t.maxspeed,
    )


def osm_raw(path: Any) -> RawNetwork:
    """The :class:`RawNetwork` of an OSM file for :func:`healthcov.io.networks.read_topology` (roads only)."""
    return osm_topology(path, ways="highway")


def osm_networkx(path: Any) -> Any:
    """The unprepared osmnx-style graph of an OSM file's roads, from :func:`osm_raw` (no osmnx, no pyrosm).

    For the networkx form of ``read_network``: it gives the same network as the arrays form made
    from :func:`osm_raw`. A clipped extract's record (``raw.noding``) goes to
    ``G.graph["healthcov_noding"]``, where ``prepare_graph`` reads it.
    """
    from ..network.prepare import NODING_KEY

    raw = osm_raw(path)
    G = raw_to_networkx(raw)
    if raw.noding is not None:
        G.graph[NODING_KEY] = raw.noding
    return G


def raw_to_networkx(raw: RawNetwork) -> Any:
    """An unprepared osmnx-style ``MultiDiGraph`` of a directed :class:`RawNetwork` (for the networkx form).

    Nodes carry ``x``/``y``; edges ``highway``, ``maxspeed`` (when tagged), ``oneway``, ``length``
    and, for simplified rows, a ``geometry`` LineString of their vertices.
    """
    import networkx as nx
    import shapely

    G = nx.MultiDiGraph(crs=raw.crs)
    ids = [int(i) for i in raw.node_ids]
    G.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, x, y in zip(ids, raw.x, raw.y, strict=True))
    lines = shapely.linestrings(raw.coords, indices=np.repeat(np.arange(raw.rows), np.diff(raw.offsets)))
    ms = raw.maxspeed if raw.maxspeed is not None else np.full(raw.rows, None, dtype=object)
    for i in range(raw.rows):
        d: dict[str, Any] = {"highway": raw.highway[i], "oneway": bool(raw.forward[i]), "length": float(raw.length[i])}
        if ms[i] is not None:
            d["maxspeed"] = ms[i]
        if raw.shaped[i]:
            d["geometry"] = lines[i]
        G.add_edge(ids[raw.u[i]], ids[raw.v[i]], **d)
    return G
