"""2SFCA / E2SFCA: a hand-computed example, pysal's ``access`` package, and real Shanghai data."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from access import Access, weights

import healthcov as hc

# three residential points, two facilities; travel times in minutes (c reaches only Y, in 40 min)
DEM = pd.DataFrame({"pop": [1000.0, 2000.0, 500.0]}, index=pd.Index(["a", "b", "c"]))
FAC = pd.DataFrame({"beds": [10.0, 30.0]}, index=pd.Index(["X", "Y"]))
PAIRS = [("a", "X", 5.0), ("a", "Y", 25.0), ("b", "X", 15.0), ("b", "Y", 8.0), ("c", "Y", 40.0)]


def _matrix(pairs=PAIRS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": [p[0] for p in pairs],
            "destination": [p[1] for p in pairs],
            "travel_time_s": [p[2] * 60.0 for p in pairs],
        }
    )


def test_two_step_fca_by_hand():
    r = hc.two_step_fca(_matrix(), DEM, FAC, capacity="beds", minutes=30)
    # step 1: X is reached by a (5 min) and b (15): 10 beds / 3,000 people
    #         Y by a (25) and b (8); c's 40 min is outside: 30 beds / 3,000 people
    # step 2: a and b reach both: 10/3000 + 30/3000 = 40/3000 beds per person = 13.333 per 1,000
    #         c reaches nothing within 30 min: 0 (assessed; nothing is reachable)
    assert r["beds_per_1000_2sfca"].tolist() == pytest.approx([40 / 3, 40 / 3, 0.0], abs=1e-12)
    assert r["facilities_reached"].tolist() == [2, 2, 0]
    assert r["assessed"].all() and r["not_assessed_reason"].isna().all()
    assert r.index.equals(DEM.index) and r["pop"].tolist() == DEM["pop"].tolist()
    # without a capacity every facility counts 1: 1/3000 + 1/3000 per person = 0.6667 per 1,000
    r1 = hc.two_step_fca(_matrix(), DEM, FAC, minutes=30)
    assert r1["facilities_per_1000_2sfca"].tolist() == pytest.approx([2 / 3, 2 / 3, 0.0], abs=1e-12)
    # a 45 min catchment lets c in: Y serves 3,500 people
    r45 = hc.two_step_fca(_matrix(), DEM, FAC, capacity="beds", minutes=45)
    assert r45["beds_per_1000_2sfca"].tolist() == pytest.approx(
        [(10 / 3000 + 30 / 3500) * 1000, (10 / 3000 + 30 / 3500) * 1000, 30 / 3500 * 1000], abs=1e-12
    )


def test_enhanced_two_step_fca_by_hand():
    r = hc.enhanced_two_step_fca(_matrix(), DEM, FAC, capacity="beds")
    # Luo & Qi zones: a-X 5 min → 1.0, a-Y 25 → 0.22, b-X 15 → 0.68, b-Y 8 → 1.0, c-Y 40 → 0
    # step 1: X: 1000 × 1.0 + 2000 × 0.68 = 2,360 people → 10 / 2360 = 0.0042373 beds each
    #         Y: 1000 × 0.22 + 2000 × 1.0 = 2,220 people → 30 / 2220 = 0.0135135
    # step 2: a = 1.0 × 0.0042373 + 0.22 × 0.0135135 = 0.0072103 → 7.2103 per 1,000
    #         b = 0.68 × 0.0042373 + 1.0 × 0.0135135 = 0.0163949 → 16.3949 per 1,000
    want_a = (1.0 * 10 / 2360 + 0.22 * 30 / 2220) * 1000
    want_b = (0.68 * 10 / 2360 + 1.0 * 30 / 2220) * 1000
    assert r["beds_per_1000_e2sfca"].tolist() == pytest.approx([want_a, want_b, 0.0], abs=1e-12)
    assert round(want_a, 4) == 7.2103 and round(want_b, 4) == 16.3949
    # a zone's upper bound belongs to it: exactly 10 min still weighs 1.0, 10 min + 1 s 0.68
    m = _matrix([("a", "X", 10.0), ("b", "X", 10.0 + 1 / 60)])
    r = hc.enhanced_two_step_fca(m, DEM, FAC, capacity="beds")
    share = 10 / (1000 * 1.0 + 2000 * 0.68)
    assert r["beds_per_1000_e2sfca"].tolist() == pytest.approx([share * 1000, 0.68 * share * 1000, 0.0])
    # per 10,000 scales; custom steps are sorted
    r = hc.enhanced_two_step_fca(_matrix(), DEM, FAC, capacity="beds", steps=[(30, 0.5), (10, 1.0)], per=10_000)
    assert "beds_per_10000_e2sfca" in r.columns


def test_catchment_ratios_by_hand():
    c = hc.catchment_ratios(_matrix(), DEM, FAC, capacity="beds")
    assert c["pop_in_catchment"].tolist() == [3000.0, 3000.0]
    assert c["supply_per_1000_catchment"].tolist() == pytest.approx([10 / 3, 10.0])
    c = hc.catchment_ratios(_matrix(), DEM, FAC, capacity="beds", steps="luo_qi_2009")
    assert c["pop_in_catchment"].tolist() == pytest.approx([2360.0, 2220.0])


def _pysal(matrix: pd.DataFrame, demand, facilities, capacity: str, fn=None, minutes: float = 30.0) -> pd.Series:
    cost = matrix.assign(cost=matrix["travel_time_s"] / 60.0)[["origin", "destination", "cost"]]
    a = Access(
        demand_df=demand[["pop"]].rename_axis("geoid"),  # pysal looks rows up by the index name
        demand_index=True,
        demand_value="pop",
        supply_df=facilities[[capacity]].rename_axis("geoid"),
        supply_index=True,
        supply_value=capacity,
        cost_df=cost,
        cost_origin="origin",
        cost_dest="destination",
        cost_name="cost",
    )
    if fn is None:
        out = a.two_stage_fca(name="x", max_cost=minutes)
    else:
        out = a.enhanced_two_stage_fca(name="x", weight_fn=fn)
    # pysal leaves points that reach nothing NaN (2SFCA) or 0 (E2SFCA); healthcov scores them 0
    return out.iloc[:, 0].reindex(demand.index).fillna(0.0) * 1000


def test_equals_pysal_access_small():
    r = hc.two_step_fca(_matrix(), DEM, FAC, capacity="beds")
    assert np.allclose(r["beds_per_1000_2sfca"], _pysal(_matrix(), DEM, FAC, "beds"), rtol=1e-12, atol=0)
    fn = weights.step_fn({10: 1.0, 20: 0.68, 30: 0.22})
    r = hc.enhanced_two_step_fca(_matrix(), DEM, FAC, capacity="beds")
    assert np.allclose(r["beds_per_1000_e2sfca"], _pysal(_matrix(), DEM, FAC, "beds", fn), rtol=1e-12, atol=0)


# --------------------------------------------------------------------------------------------
# real data: central Shanghai, census population spread on the roads, general hospitals


#: the Luo & Qi shape on the scale of central Shanghai's 3 districts (30 min reach everything there)
STEPS_6MIN = ((2.0, 1.0), (4.0, 0.68), (6.0, 0.22))


@pytest.fixture(scope="module")
def shanghai_case(shanghai_drive):
    G = shanghai_drive
    areas = hc.datasets.census_areas("shanghai")
    g = areas.to_crs(G.graph["crs"])
    covered = g.intersection(hc.network_area(G)).area / g.area
    areas = areas[covered.to_numpy() > 0.4].reset_index(drop=True)  # 黄浦区, 静安区, 虹口区
    # on the road nodes (the recorded comparison with pysal access); spread_population's default is along the roads
    pop = hc.spread_population(areas, G, id_column="area_code", placement="nodes")
    fac = hc.datasets.shanghai_health_facilities()
    fac = fac[fac["category"].isin(["综合医院", "三级甲等医院"])].to_crs(G.graph["crs"])
    fac = fac[hc.snap_points(G, fac)["on_network"].to_numpy()].iloc[::6]  # every 6th of 935 on the network
    # a made-up capacity (the data has no beds): 50 to 1,000 by row, reproducible
    fac = fac.assign(beds=np.random.default_rng(5).integers(50, 1000, len(fac)).astype(float))
    m = hc.travel_time_matrix(G, pop, fac, max_time_s=6 * 60)
    return G, areas, pop, fac, m


def test_shanghai_equals_pysal_access(shanghai_case):
    _, _, pop, fac, m = shanghai_case
    assert (len(pop), len(fac), len(m)) == (2577, 156, 66715)
    r = hc.two_step_fca(m, pop, fac, capacity="beds", minutes=6)
    want = _pysal(m, pop, fac, "beds", minutes=6)
    assert np.abs(r["beds_per_1000_2sfca"].to_numpy() - want.to_numpy()).max() < 1e-9
    assert r["beds_per_1000_2sfca"].std() > 0.1 * r["beds_per_1000_2sfca"].mean()  # not a flat answer
    r = hc.enhanced_two_step_fca(m, pop, fac, capacity="beds", steps=STEPS_6MIN)
    want = _pysal(m, pop, fac, "beds", weights.step_fn({2: 1.0, 4: 0.68, 6: 0.22}))
    assert np.abs(r["beds_per_1000_e2sfca"].to_numpy() - want.to_numpy()).max() < 1e-9


def test_shanghai_scores_share_supply_out(shanghai_case):
    """Σ pop × score = supply of every facility someone reaches (per 1,000), for both methods."""
    G, _, pop, fac, m = shanghai_case
    reached = fac.index.isin(m["destination"])  # within 6 min of someone
    assert reached.sum() == 120
    for method in ("2sfca", "e2sfca"):
        r = hc.accessibility(G, pop, fac, capacity="beds", method=method, minutes=6, steps=STEPS_6MIN)
        col = f"beds_per_1000_{method}"
        total = float((r["pop"] * r[col]).sum()) / 1000
        assert total == pytest.approx(fac.loc[reached, "beds"].sum(), rel=1e-9)
        assert (r[col] >= 0).all() and r["assessed"].all()
    e2 = hc.accessibility(G, pop, fac, capacity="beds", steps=STEPS_6MIN)  # e2sfca by default
    two = hc.two_step_fca(m, pop, fac, capacity="beds", minutes=6)
    # E2SFCA discounts far supply: the spread of scores differs from 2SFCA's, their sum does not
    assert not np.allclose(e2["beds_per_1000_e2sfca"], two["beds_per_1000_2sfca"])


def test_shanghai_area_means(shanghai_case):
    _, areas, pop, fac, m = shanghai_case
    r = hc.two_step_fca(m, pop, fac, capacity="beds", minutes=6)
    per_area = hc.area_accessibility(r, areas)  # every point was spread from one of these areas
    assert list(per_area["area_code"]) == list(areas["area_code"])
    assert per_area.attrs["pop_outside_areas"] == 0.0
    # by hand: population-weighted mean over the points of each area (source_area tells which)
    df = pd.DataFrame({"area": pop["source_area"], "w": r["pop"], "s": r["beds_per_1000_2sfca"] * r["pop"]})
    g = df.groupby("area")[["w", "s"]].sum()
    want = (g["s"] / g["w"]).reindex(per_area["area_code"]).to_numpy()
    got = per_area["beds_per_1000_2sfca"].to_numpy()
    assert np.abs(got - want).max() < 1e-9
    assert per_area["pop"].tolist() == pytest.approx(g["w"].reindex(per_area["area_code"]).tolist())
    # 黄浦区 43.8, 静安区 54.8, 虹口区 25.1 made-up beds per 1,000 within 6 min: the districts differ
    assert got.round(1).tolist() == [43.8, 54.8, 25.1]


def test_area_means_by_hand():
    squares = gpd.GeoDataFrame(
        {"area_name": ["west", "east", "empty"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(30, 0, 40, 10)],
        crs="EPSG:32651",
    )
    scores = gpd.GeoDataFrame(
        {
            "pop": [100.0, 300.0, 50.0, 7.0],
            "beds_per_1000_2sfca": [2.0, 6.0, 1.0, 9.0],
            "assessed": [True, True, True, True],
        },
        geometry=shapely.points([(1, 1), (2, 2), (15, 5), (25, 5)]),
        crs="EPSG:32651",
    )
    with pytest.warns(hc.HealthcovWarning, match="1 demand points \\(7 people\\) lie outside every area"):
        out = hc.area_accessibility(scores, squares)
    # west: (100 × 2 + 300 × 6) / 400 = 5.0; east: 1.0; empty: not assessed
    assert out["beds_per_1000_2sfca"].iloc[:2].tolist() == [5.0, 1.0]
    assert (
        np.isnan(out["beds_per_1000_2sfca"].iloc[2]) and "no assessed residents" in out["not_assessed_reason"].iloc[2]
    )
    assert out["pop"].tolist() == [400.0, 50.0, 0.0] and out.attrs["pop_outside_areas"] == 7.0
    # a point not assessed (off the network) counts in pop but not in the mean
    scores.loc[1, "assessed"] = False
    scores.loc[1, "beds_per_1000_2sfca"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        out = hc.area_accessibility(scores, squares)
    assert out["beds_per_1000_2sfca"].iloc[0] == 2.0 and out["pop_assessed"].iloc[0] == 100.0
    assert out["pop"].iloc[0] == 400.0


def test_off_network_demand_is_not_assessed(shanghai_drive):
    G = shanghai_drive
    nodes = hc.nodes_frame(G)
    dem = nodes.iloc[:30].assign(pop=10.0)
    x0, y0 = dem.geometry.x.iloc[0], dem.geometry.y.iloc[0]
    far = gpd.GeoDataFrame({"pop": [99.0]}, geometry=[shapely.Point(x0 + 50_000, y0)], index=[-1], crs=dem.crs)
    dem = pd.concat([dem, far])
    fac = nodes.iloc[[0, 10]].assign(beds=[10.0, 20.0])
    with pytest.warns(hc.OffNetworkWarning, match="origins"):
        r = hc.accessibility(G, dem, fac, capacity="beds", method="2sfca", minutes=15)
    assert not r.loc[-1, "assessed"] and np.isnan(r.loc[-1, "beds_per_1000_2sfca"])
    assert "off the network" in r.loc[-1, "not_assessed_reason"]
    assert r["assessed"].iloc[:30].all()
    # the 99 people off the network do not dilute anyone's share: 30 beds for 300 people
    total = float((r["pop"] * r["beds_per_1000_2sfca"]).iloc[:30].sum()) / 1000
    assert total == pytest.approx(30.0)


def test_bad_inputs():
    m = _matrix()
    with pytest.raises(hc.MissingColumnError, match="no column 'doctors'"):
        hc.two_step_fca(m, DEM, FAC, capacity="doctors")
    with pytest.raises(hc.InputError, match="rows 'Y' do not"):
        hc.two_step_fca(m, DEM, FAC.assign(beds=[10.0, np.nan]), capacity="beds")
    with pytest.raises(hc.InputError, match="rows 'b' do not"):
        hc.two_step_fca(m, DEM.assign(pop=[1.0, -5.0, 1.0]), FAC)
    with pytest.raises(hc.InputError, match="index labels repeat"):
        hc.two_step_fca(m, pd.concat([DEM, DEM.iloc[:1]]), FAC)
    with pytest.raises(hc.InputError, match="not in the index of facilities"):
        hc.two_step_fca(m, DEM, FAC.iloc[:1])
    with pytest.raises(hc.InputError, match="travel_time_s"):
        hc.two_step_fca(m.drop(columns="travel_time_s"), DEM, FAC)
    cut = m.copy()
    cut.attrs["max_time_s"] = 600.0
    with pytest.raises(hc.InputError, match="cut at max_time_s=600 s but the catchment is 1800 s"):
        hc.two_step_fca(cut, DEM, FAC)
    with pytest.raises(hc.InputError, match="steps must be"):
        hc.enhanced_two_step_fca(m, DEM, FAC, steps=[(10, 1.5)])
    with pytest.raises(hc.InputError, match="unknown steps"):
        hc.enhanced_two_step_fca(m, DEM, FAC, steps="gaussian")
    with pytest.raises(hc.InputError, match="per must be"):
        hc.two_step_fca(m, DEM, FAC, per=0)
    with pytest.raises(hc.EmptyInputError, match="facilities has no rows"):
        hc.two_step_fca(m, DEM, FAC.iloc[:0])
    with pytest.raises(hc.InputError, match="unknown method"):
        hc.accessibility(None, DEM, FAC, method="3sfca")
    pts = gpd.GeoDataFrame({"pop": [1.0], "x_2sfca": [1.0], "assessed": [True]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(hc.CRSError, match="need a CRS"):
        hc.area_accessibility(pts, gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]))
    with pytest.raises(hc.InputError, match="scores must be"):
        hc.area_accessibility(DEM, gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]))
