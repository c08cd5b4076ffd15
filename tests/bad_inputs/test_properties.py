"""Invariants on random tiny road grids (hypothesis, derandomised, no example database).

- adding a facility never lowers coverage (no time rises);
- raising speeds never raises a time;
- isochrone bands nest;
- the same inputs in another CRS give the same verdicts;
- permuting input rows changes nothing.
"""

from __future__ import annotations

import itertools
import warnings

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import healthcov as hc
from bad_inputs.corpus import UTM, X0, Y0, assess_world, pts, world_areas, world_fac, world_pop

PROPS = settings(
    max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CLASSES = ("residential", "primary", "tertiary", "service")
STEP_M = 500.0


@st.composite
def grids(draw) -> tuple[nx.MultiDiGraph, list[tuple[float, float]]]:
    """A connected road grid (a snake through every node plus random extra links) and the node offsets."""
    nx_, ny = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    cells = [(i, j) for j in range(ny) for i in (range(nx_) if j % 2 == 0 else reversed(range(nx_)))]
    ids = draw(st.permutations(list(range(len(cells)))))
    node = {c: ids[k] for k, c in enumerate(cells)}
    G = nx.MultiDiGraph(crs=UTM)
    for (i, j), n in node.items():
        G.add_node(n, x=X0 + STEP_M * i, y=Y0 + STEP_M * j)
    links = list(itertools.pairwise(cells))
    extra = [(a, b) for a in cells for b in cells if a < b and abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1]
    links += [e for e in extra if draw(st.booleans())]
    for a, b in links:
        hw = draw(st.sampled_from(CLASSES))
        G.add_edge(node[a], node[b], highway=hw)
        G.add_edge(node[b], node[a], highway=hw)
    return G, [(STEP_M * i, STEP_M * j) for i, j in cells]


def offsets(where: list[tuple[float, float]], draw, k: int) -> list[tuple[float, float]]:
    picks = draw(st.lists(st.sampled_from(where), min_size=k, max_size=k))
    d = draw(st.lists(st.tuples(st.floats(-80, 80), st.floats(-80, 80)), min_size=k, max_size=k))
    return [(x + dx, y + dy) for (x, y), (dx, dy) in zip(picks, d)]


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def _times(G, fac, homes) -> np.ndarray:
    return _quiet(hc.travel_times, G, fac, points=homes)["travel_time_s"].to_numpy()


@PROPS
@given(grids(), st.data())
def test_adding_a_facility_never_lowers_coverage(grid, data):
    raw, where = grid
    G = _quiet(hc.read_network, raw, mode="drive")
    assert G.number_of_nodes() == len(where)  # the snake keeps every grid connected: nothing is dropped
    homes = pts(offsets(where, data.draw, 6))
    fac = offsets(where, data.draw, 2)
    before = _times(G, pts(fac[:1]), homes)
    after = _times(G, pts(fac), homes)
    assert (after <= before + 1e-9).all()
    limit_s = data.draw(st.floats(30, 600))
    assert (after <= limit_s).sum() >= (before <= limit_s).sum()


@PROPS
@given(grids(), st.data(), st.sampled_from(CLASSES), st.floats(1.0, 4.0))
def test_raising_speeds_never_raises_a_time(grid, data, hw, factor):
    raw, where = grid
    slow = _quiet(hc.read_network, raw, mode="drive")
    base = hc.get_mode("drive").speeds_kph[hw]
    fast = _quiet(hc.read_network, raw, mode="drive", speeds={hw: base * factor})
    homes = pts(offsets(where, data.draw, 5))
    fac = pts(offsets(where, data.draw, 1))
    assert (_times(fast, fac, homes) <= _times(slow, fac, homes) + 1e-9).all()


@settings(PROPS, max_examples=8)
@given(grids(), st.data(), st.lists(st.floats(0.5, 6.0), min_size=2, max_size=3, unique=True))
def test_isochrone_bands_nest(grid, data, minutes):
    raw, where = grid
    G = _quiet(hc.read_network, raw, mode="drive")
    iso = _quiet(hc.isochrones, G, pts(offsets(where, data.draw, 1)), minutes=minutes).sort_values("minutes")
    geoms = iso.geometry.tolist()
    for small, big in itertools.pairwise(geoms):
        assert small.difference(big.buffer(1.0)).area < 1.0
    assert iso["area_km2"].is_monotonic_increasing


def _verdicts(res) -> list:
    t = res.table.sort_values(["rule_id", "area_code"])
    return list(zip(t["rule_id"], t["area_code"], t["verdict"], np.round(t["share"].fillna(-1).to_numpy(), 9)))


# assess runs take ~0.1 s: no shrinking (a failure reports its first example instead of minutes of search)
ASSESS_PROPS = settings(PROPS, max_examples=6, phases=(Phase.explicit, Phase.generate))
POPS = st.lists(st.integers(0, 1000).map(float), min_size=5, max_size=5)


@ASSESS_PROPS
@given(POPS, st.sampled_from([4326, 4549, 3857]))
def test_another_crs_gives_the_same_verdicts(tmp_path_factory, pop, crs):
    tmp = tmp_path_factory.mktemp("crs")
    a = _quiet(assess_world, tmp, pop=world_pop(pop))
    b = _quiet(
        assess_world, tmp, pop=world_pop(pop).to_crs(crs), fac=world_fac().to_crs(crs), areas=world_areas().to_crs(crs)
    )
    assert _verdicts(a) == _verdicts(b)


@ASSESS_PROPS
@given(POPS, st.permutations(range(5)), st.booleans())
def test_permuting_rows_changes_nothing(tmp_path_factory, pop, order, flip):
    tmp = tmp_path_factory.mktemp("perm")
    a = _quiet(assess_world, tmp, pop=world_pop(pop))
    areas = world_areas().iloc[::-1] if flip else world_areas()
    b = _quiet(assess_world, tmp, pop=world_pop(pop).iloc[list(order)], fac=world_fac().iloc[::-1], areas=areas)
    assert _verdicts(a) == _verdicts(b)
    cov = "access.basic_circle:covered"  # matched by position: .demand does not keep the input index (see the corpus)
    assert _by_place(a.demand, cov) == _by_place(b.demand, cov)


def _by_place(demand, col: str) -> list:
    return sorted(zip(demand.geometry.x.round(3), demand["pop"], demand[col]))


@PROPS
@given(grids(), st.data())
def test_permuting_facilities_and_points_changes_no_time(grid, data):
    raw, where = grid
    G = _quiet(hc.read_network, raw, mode="drive")
    homes = pts(offsets(where, data.draw, 5))
    fac = pts(offsets(where, data.draw, 3))
    p, q = data.draw(st.permutations(range(5))), data.draw(st.permutations(range(3)))
    a = _quiet(hc.travel_times, G, fac, points=homes)
    b = _quiet(hc.travel_times, G, fac.iloc[list(q)], points=homes.iloc[list(p)])
    assert np.allclose(a["travel_time_s"].sort_index(), b["travel_time_s"].sort_index())
    assert a.sort_index()["facility"].tolist() == b.sort_index()["facility"].tolist() or np.allclose(
        a["dist_m"].sort_index(), b["dist_m"].sort_index()
    )
