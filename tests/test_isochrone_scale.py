"""Isochrones at scale: per-facility searches within reach, chunked rasters, one snap for the GCJ-02 check.

- The per-facility search runs on the nodes within straight-line reach of each facility; its
  reached intervals must be identical to a whole-network search (the previous path, kept as
  ``_full_search_intervals``) on a hand-computed line and on the real Shanghai network.
- Union isochrones mark raster cells a chunk of sample points at a time: the polygon must not
  depend on the chunk size.
- The GCJ-02 check decides from bounded nearest-road queries: its median must equal the median
  of a full second snap whenever that is below the threshold.
"""

from __future__ import annotations

import math
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

import healthcov as hc
from healthcov.network.area import CellMask, chunk_bounds, grid_polygon, grid_polygon_along, samples_along
from healthcov.network.arrays import graph_arrays
from healthcov.network.snap import median_below, road_distance
from healthcov.traveltime import multi_source, prepare_sources

iso_mod = sys.modules["healthcov.isochrones"]

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"


def _line(n: int = 11, step: float = 1000.0) -> nx.MultiDiGraph:
    """A straight two-way residential road, nodes ``step`` m apart along y = Y0."""
    G = nx.MultiDiGraph(crs=CRS)
    for i in range(n):
        G.add_node(i, x=X0 + step * i, y=Y0)
    for i in range(n - 1):
        G.add_edge(i, i + 1, highway="residential", oneway=False)
        G.add_edge(i + 1, i, highway="residential", oneway=False)
    return G


def _pts(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def _record_searches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the node count of every local search (a facility searched twice fell back)."""
    sizes: list[int] = []
    real = iso_mod._search_within

    def spy(graph, i, sub, limit):  # type: ignore[no-untyped-def]
        sizes.append(len(sub))
        return real(graph, i, sub, limit)

    monkeypatch.setattr(iso_mod, "_search_within", spy)
    return sizes


def _same(a: list, b: list) -> bool:
    return all(
        np.array_equal(x, y)
        for (ia, pa), (ib, pb) in zip(a, b, strict=True)
        for qa, qb in zip(pa, pb, strict=True)
        for x, y in zip(qa, qb, strict=True)
    ) and [i for i, _ in a] == [i for i, _ in b]


@pytest.fixture(scope="module")
def line_drive() -> nx.MultiDiGraph:
    return hc.read_network(_line(), mode="drive")


def test_line_local_search_is_the_hand_computed_reach(line_drive, monkeypatch):
    G = line_drive
    t_edge = float(next(iter(G.edges(data=True)))[2]["travel_time"])  # one 1,000 m residential edge
    arr, src = prepare_sources(G, _pts([(5000.0, 0.0)]), max_snap_m=None, name="facilities")
    index = iso_mod.local_index(arr)
    assert iso_mod.reach_per_cost(arr, index, "travel_time") == pytest.approx(1000.0 / t_edge)
    sizes = _record_searches(monkeypatch)
    limit = 2.5 * t_edge  # 2.5 edges each way: road from x = 2,500 to 7,500 m
    graph = iso_mod.source_graph(arr, src.snapped, "travel_time", "to_facility")
    nodes, cost = iso_mod.local_costs(arr, index, graph, 0, src.snapped, limit, "travel_time")
    # the disk of radius 2,500 m holds the nodes at x = 3,000 … 7,000 m only, and one search was enough
    assert sizes == [5]
    xs = arr.x[nodes] - X0
    o = np.argsort(xs)
    assert xs[o].tolist() == [3000.0, 4000.0, 5000.0, 6000.0, 7000.0]
    assert cost[o] == pytest.approx(np.array([2, 1, 0, 1, 2]) * t_edge)
    new = list(iso_mod.facility_intervals(arr, src.snapped, [limit], weight="travel_time", direction="to_facility"))
    old = list(iso_mod._full_search_intervals(arr, src.snapped, [limit], weight="travel_time", direction="to_facility"))
    assert _same(new, old)
    x, _ = samples_along(arr, *new[0][1][0], 100.0)
    assert (x.min() - X0, x.max() - X0) == pytest.approx((2500.0, 7500.0))


def test_line_per_facility_buffer_isochrone_area(line_drive):
    # reached road: x = 2,500 … 7,500 m; buffered by 50 m: a 5,000 × 100 m strip plus two half discs
    t_edge = float(next(iter(line_drive.edges(data=True)))[2]["travel_time"])
    iso = hc.isochrones(
        line_drive, _pts([(5000.0, 0.0)]), minutes=2.5 * t_edge / 60, per_facility=True, method="buffer", buffer_m=50
    )
    assert iso["area_km2"].iloc[0] * 1e6 == pytest.approx(5000 * 100 + math.pi * 50**2, rel=1e-3)


def test_a_disk_too_small_falls_back_to_the_whole_network(line_drive, monkeypatch):
    arr, src = prepare_sources(line_drive, _pts([(5000.0, 30.0), (2200.0, -10.0)]), max_snap_m=None, name="f")
    index = iso_mod.local_index(arr)
    true_speed = iso_mod.reach_per_cost(arr, index, "travel_time")
    costs = [120.0, 300.0]
    old = list(iso_mod._full_search_intervals(arr, src.snapped, costs, weight="travel_time", direction="from_facility"))
    sizes = _record_searches(monkeypatch)
    monkeypatch.setitem(index.speed, "travel_time", true_speed / 10)  # a wrong, too small top speed
    new = list(iso_mod.facility_intervals(arr, src.snapped, costs, weight="travel_time", direction="from_facility"))
    assert _same(new, old)
    # each facility: a search on the too-small disk, found inexact, then one on all 11 nodes
    assert len(sizes) == 4 and sizes[1] == sizes[3] == arr.n and sizes[0] < arr.n and sizes[2] < arr.n


def test_local_index_is_built_once_per_network(line_drive):
    arr = graph_arrays(line_drive)
    assert iso_mod.local_index(arr) is iso_mod.local_index(arr)


@pytest.fixture(scope="module")
def shanghai_facilities(shanghai_drive) -> gpd.GeoDataFrame:
    nodes = hc.nodes_frame(shanghai_drive)
    pick = np.sort(np.random.default_rng(11).choice(len(nodes), 20, replace=False))
    moved = nodes.geometry.iloc[pick].translate(35.0, -25.0)  # off the road: an access leg to pay
    return gpd.GeoDataFrame({"name": [f"f{i}" for i in range(20)]}, geometry=moved.values, crs=nodes.crs)


@pytest.mark.parametrize(
    ("weight", "costs", "direction"),
    [
        ("travel_time", [150.0, 300.0], "to_facility"),
        ("travel_time", [240.0, 420.0], "from_facility"),
        ("length", [800.0, 2500.0], "to_facility"),
    ],
)
def test_shanghai_local_search_equals_whole_network_search(
    shanghai_drive, shanghai_facilities, monkeypatch, weight, costs, direction
):
    arr, src = prepare_sources(shanghai_drive, shanghai_facilities, max_snap_m=None, name="facilities")
    assert len(src.labels) == 20
    old = list(iso_mod._full_search_intervals(arr, src.snapped, costs, weight=weight, direction=direction))
    sizes = _record_searches(monkeypatch)
    new = list(iso_mod.facility_intervals(arr, src.snapped, costs, weight=weight, direction=direction))
    assert _same(new, old)
    # one search per facility (the straight-line bound held: no fallback), on part of the network
    # (the top speed is 40 km/h: 420 s reach at most 4.7 km of a 12.5 × 10.9 km network)
    assert len(sizes) == 20 and max(sizes) < arr.n
    reached = sum(len(p[-1][0]) for _, p in new)
    assert reached > 20 * 10  # the bands reach real road, not just the facilities' own edges


def test_jinan_line_layer_local_search_equals_whole_network_search(jinan_drive, monkeypatch):
    nodes = hc.nodes_frame(jinan_drive)
    pick = nodes.geometry.iloc[np.sort(np.random.default_rng(4).choice(len(nodes), 15, replace=False))]
    fac = gpd.GeoDataFrame(geometry=pick.translate(12.0, 7.0).values, crs=nodes.crs)
    arr, src = prepare_sources(jinan_drive, fac, max_snap_m=None, name="facilities")
    costs = [300.0, 600.0]
    old = list(iso_mod._full_search_intervals(arr, src.snapped, costs, weight="travel_time", direction="from_facility"))
    sizes = _record_searches(monkeypatch)
    new = list(iso_mod.facility_intervals(arr, src.snapped, costs, weight="travel_time", direction="from_facility"))
    assert _same(new, old) and len(sizes) == len(src.labels) == 15 and max(sizes) < arr.n


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
@pytest.mark.parametrize("weight", ["travel_time", "length"])
def test_source_joins_equal_the_whole_network_searchs(shanghai_drive, shanghai_facilities, weight, direction):
    from healthcov.traveltime import augmented

    arr, src = prepare_sources(shanghai_drive, shanghai_facilities, max_snap_m=None, name="facilities")
    aug = augmented(arr, src.snapped, weight, direction)
    graph = iso_mod.source_graph(arr, src.snapped, weight, direction)
    base = aug.matrix[: aug.n, : aug.n]
    assert (graph.matrix != base).nnz == 0 and graph.matrix.shape == base.shape
    for i in range(len(src.labels)):
        row = aug.matrix.getrow(aug.n + i)
        a, b = graph.ptr[i], graph.ptr[i + 1]
        assert b - a >= 1
        assert np.array_equal(graph.cols[a:b], row.indices) and np.array_equal(graph.cost[a:b], row.data)


def test_shanghai_per_facility_polygons_equal_the_whole_network_search(shanghai_drive, shanghai_facilities):
    bands = (5, 10)
    iso = hc.isochrones(shanghai_drive, shanghai_facilities, minutes=bands, per_facility=True)
    assert len(iso) == 40
    arr, src = prepare_sources(shanghai_drive, shanghai_facilities, max_snap_m=None, name="facilities")
    direction = iso.attrs["direction"]
    cell, fill = iso.attrs["cell_m"], int(np.ceil(iso.attrs["fill_m"] / iso.attrs["cell_m"]))
    want = []
    for _, pieces in iso_mod._full_search_intervals(
        arr, src.snapped, [b * 60.0 for b in bands], weight="travel_time", direction=direction
    ):
        for edge, s, e in pieces:
            x, y = samples_along(arr, edge, s, e, cell / 2)
            want.append(grid_polygon(x, y, cell, fill).area / 1e6)
    assert iso["area_km2"].to_numpy() == pytest.approx(np.array(want), rel=1e-6)
    assert min(want) > 0


def test_union_isochrone_in_chunks_equals_all_at_once(shanghai_drive, shanghai_facilities):
    arr, src = prepare_sources(shanghai_drive, shanghai_facilities, max_snap_m=None, name="facilities")
    cost, _, _ = multi_source(arr, src.snapped, weight="travel_time", direction="to_facility", limit=600.0)
    edge, s, e = iso_mod.reached_intervals(
        arr, cost, 600.0, weight="travel_time", direction="to_facility", sources=src.snapped
    )
    whole = grid_polygon(*samples_along(arr, edge, s, e, 50.0), 100.0, 2)
    assert whole.area > 1e6
    for chunk in (10**9, 5_000, 37, 1):
        got = grid_polygon_along(arr, edge, s, e, step=50.0, cell_m=100.0, fill_cells=2, chunk_points=chunk)
        assert got.equals(whole) and got.area == pytest.approx(whole.area, rel=1e-12)


def _previous_grid_polygon(x, y, cell_m, fill_cells):  # type: ignore[no-untyped-def]
    """The raster before cells went on one global grid (origin at the points' corner): the baseline."""
    from rasterio import features
    from rasterio.transform import Affine
    from scipy import ndimage

    from healthcov.network.area import disk

    pad = fill_cells + 2
    x0 = np.floor(x.min() / cell_m) * cell_m - pad * cell_m
    y1 = np.ceil(y.max() / cell_m) * cell_m + pad * cell_m
    ix = np.floor((x - x0) / cell_m).astype(np.int64)
    iy = np.floor((y1 - y) / cell_m).astype(np.int64)
    mask = np.zeros((int(iy.max()) + pad + 1, int(ix.max()) + pad + 1), dtype=bool)
    mask[iy, ix] = True
    mask = ndimage.binary_closing(mask, structure=disk(fill_cells))
    shapes = features.shapes(
        mask.astype(np.uint8), mask=mask, transform=Affine(cell_m, 0, x0, 0, -cell_m, y1), connectivity=4
    )
    polys = [shapely.geometry.shape(g) for g, v in shapes if v == 1]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


@pytest.mark.parametrize(("cell_m", "fill_cells"), [(200.0, 2), (50.0, 4), (37.0, 1)])
def test_network_area_equals_the_previous_raster(shanghai_drive, cell_m, fill_cells):
    arr = graph_arrays(shanghai_drive)
    x, y = samples_along(arr, np.arange(arr.m), np.zeros(arr.m), np.ones(arr.m), cell_m / 2)
    want = _previous_grid_polygon(x, y, cell_m, fill_cells)
    got = hc.network_area(shanghai_drive, cell_m=cell_m, fill_m=fill_cells * cell_m)
    assert got.equals(want) and got.area == pytest.approx(want.area, rel=1e-12) and got.area > 3e7


def test_chunk_bounds_by_hand():
    assert chunk_bounds(np.array([3, 3, 3, 10, 1]), 6) == [(0, 2), (2, 3), (3, 4), (4, 5)]
    assert chunk_bounds(np.array([1, 1, 1]), 100) == [(0, 3)]
    assert chunk_bounds(np.array([], dtype=np.int64), 5) == []
    with pytest.raises(hc.InputError, match="chunk_points must be a positive number"):
        grid_polygon_along(
            None, np.zeros(0, int), np.zeros(0), np.zeros(0), step=1, cell_m=1, fill_cells=0, chunk_points=0
        )  # type: ignore[arg-type]


def test_cell_mask_cells_by_hand():
    # a point on a cell's west edge belongs to the cell east of it; on a north edge, to the cell south of it
    assert grid_polygon(np.array([100.0]), np.array([100.0]), 100.0, 0).bounds == (100.0, 0.0, 200.0, 100.0)
    # two batches far apart (the raster grows) give the same two cells as one batch
    cells = CellMask(100.0)
    cells.add(np.array([50.0]), np.array([-50.0]))
    cells.add(np.array([1250.0]), np.array([-2250.0]))
    grown = cells.polygon(0)
    once = grid_polygon(np.array([50.0, 1250.0]), np.array([-50.0, -2250.0]), 100.0, 0)
    assert grown.equals(once) and grown.area == pytest.approx(2 * 100.0**2)
    assert grown.bounds == (0.0, -2300.0, 1300.0, 0.0)
    assert CellMask(100.0).polygon(2).is_empty


def test_gcj_median_below_equals_the_median_of_a_full_snap(shanghai_drive):
    arr = graph_arrays(shanghai_drive)
    nodes = hc.nodes_frame(shanghai_drive)
    rng = np.random.default_rng(3)
    for n in (9, 10, 501, 600):  # odd: the middle distance; even: the mean of the two middle ones
        base = nodes.geometry.iloc[rng.choice(len(nodes), n, replace=False)].values
        # nodes moved up to 150 m each way: some stay near a road, some do not
        pts = shapely.points(
            shapely.get_x(base) + rng.uniform(-150, 150, n), shapely.get_y(base) + rng.uniform(-150, 150, n)
        )
        d = road_distance(arr, pts)
        snapped = hc.snap_points(shanghai_drive, gpd.GeoDataFrame(geometry=pts, crs=nodes.crs))
        assert d == pytest.approx(snapped["snap_dist_m"].to_numpy(), abs=1e-9)
        med, srt = float(np.median(d)), np.sort(d)
        ts = [med * 0.5, med, np.nextafter(med, np.inf), med * 1.5, srt[0], srt[-1] + 1.0]
        if n % 2 == 0:  # thresholds between the two middle distances: the near/far split case
            a, b = srt[n // 2 - 1], srt[n // 2]
            ts += [0.5 * (a + med), 0.5 * (med + b)]
        for t in ts:
            bounded = road_distance(arr, pts, max_distance=float(t))
            near = d <= t
            assert np.array_equal(bounded[near], d[near]) and np.isinf(bounded[~near]).all()
            want = med if med < t else None
            got = median_below(arr, pts, float(t))
            assert (got is None) == (want is None), (n, t, got, want)
            if want is not None:
                assert got == want
