"""Urban and rural residents inside one district (issue 10): a labelled synthetic mixed district, classified
on a 1 km grid (Degree of Urbanisation thresholds) or by a built-up layer, and assessed per resident."""

from __future__ import annotations

import textwrap
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

import healthcov as hc
from healthcov import assess
from healthcov.standards.area_classes import classify_residents

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_300_000.0
KM = 1000.0

# the district, cell by cell (1 km cells; points at cell centres, in km from the district's corner)
CORE = [(x + 0.5, y + 0.5, 10_000.0) for x in range(3) for y in range(3)]  # 9 cells × 10,000 = 90,000: a city
TOWN = [(10.5, 0.5, 6_000.0)]  # one cell of 6,000 (≥ 300/km², ≥ 5,000 in all, < 50,000): an urban cluster
VILLAGES = [(4.5, 1.5, 200.0), (1.5, 5.5, 200.0), (7.5, 1.5, 200.0), (1.5, 9.5, 200.0)]  # 200/km² each: rural
LABELS = ["urban"] * 9 + ["urban"] + ["rural"] * 4


def _points():
    cells = CORE + TOWN + VILLAGES
    return gpd.GeoDataFrame(
        {"pop": [p for _, _, p in cells]},
        geometry=shapely.points([(X0 + x * KM, Y0 + y * KM) for x, y, _ in cells]),
        crs=CRS,
    )


def test_grid_classes_of_the_labelled_district():
    pts = classify_residents(_points())
    assert pts["resident_class"].tolist() == LABELS
    rules = pts["resident_class_rule"].tolist()
    assert rules[0].startswith("urban centre (10,000/km²") and "Degree of Urbanisation" in rules[0]
    assert rules[9].startswith("urban cluster (6,000/km²")
    assert rules[10].startswith("rural grid cell (200/km²")
    by = pts.groupby("resident_class")["pop"].sum()
    assert by["urban"] == 96_000 and by["rural"] == 800  # urban share 96,000 / 96,800 = 99.17 %


def test_thresholds_are_the_documented_ones_and_can_be_changed():
    # a core of 9 × 5,000 = 45,000 is below the 50,000 of an urban centre but still an urban cluster;
    # with an urban-cluster minimum of 50,000 too, only rural cells remain
    pts = _points()
    pts.loc[:8, "pop"] = 5_000.0
    assert classify_residents(pts)["resident_class"].tolist()[:9] == ["urban"] * 9
    strict = classify_residents(pts, thresholds={"cluster_pop": 50_000.0, "source": "test"})
    assert (strict["resident_class"].iloc[:9] == "rural").all()
    assert strict["resident_class_rule"].iloc[0].endswith("; test)")
    with pytest.raises(hc.InputError, match="unknown thresholds"):
        classify_residents(pts, thresholds={"density": 1})


def test_built_up_layer_decides_when_given():
    built = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 3 * KM, Y0 + 3 * KM)], crs=CRS)
    pts = classify_residents(_points(), built_up=built)
    assert pts["resident_class"].tolist() == ["urban"] * 9 + ["rural"] * 5  # the town lies outside the layer
    assert pts["resident_class_rule"].iloc[9] == "outside the built-up area given"


PROFILE = textwrap.dedent(
    """
    schema = 1
    id = "mixedville"
    level = "county"
    name = { zh = "混合县", en = "Mixedville" }
    [document]
    title = "测试"
    file = "none.txt"
    status = "first_draft"
    base_year = 2020
    target_year = 2025

    [[rules]]
    id = "ems.radius"
    kind = "service_radius"
    status = "guiding"
    title = { zh = "急救半径", en = "EMS radius" }
    facility_types = ["ems_station"]
    radius_km = { urban = 1.5, rural = 9.5 }
    source = { ref = "test:1", quote = "城市地区急救半径1.5公里，农村地区9.5公里" }
    """
)


@pytest.mark.parametrize(
    ("classified", "area_class", "share"),
    [
        # per resident: urban 90,000 of 96,000 within 1.5 km (the town is 9.06 km away), rural 800 of 800
        # within 9.5 km (3, 4, 6 and 8 km) → 90,800 / 96,800
        (True, "rural", 90_800 / 96_800),
        (True, "urban", 90_800 / 96_800),  # the district's own class no longer decides
        # one class for the whole district: all at 9.5 km → everyone; all at 1.5 km → the core only
        (False, "rural", 1.0),
        (False, "urban", 90_000 / 96_800),
    ],
)
def test_each_resident_judged_by_their_class(tmp_path, classified, area_class, share):
    prof = tmp_path / "mixed.toml"
    prof.write_text(PROFILE, encoding="utf-8")
    area = gpd.GeoDataFrame(
        {"area_name": ["混合区"], "area_code": ["M"], "area_class": [area_class]},
        geometry=[shapely.box(X0, Y0, X0 + 12 * KM, Y0 + 10 * KM)],
        crs=CRS,
    )
    pop = classify_residents(_points()) if classified else _points()
    fac = gpd.GeoDataFrame(
        {"name": ["中心站"], "facility_type": ["ems_station"]},
        geometry=[shapely.Point(X0 + 1.5 * KM, Y0 + 1.5 * KM)],
        crs=CRS,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        res = assess(None, fac, pop, area, profile=prof)
    row = res.table.iloc[0]
    assert row["share"] == pytest.approx(share)
    assert row["pop"] == pytest.approx(96_800)
    if classified:
        assert "96,000 urban residents judged by the urban threshold" in row["note"]
        assert "800 rural residents judged by the rural threshold" in row["note"]
        assert row["standard"].startswith("urban: ≤ 1.5 km") and "rural: ≤ 9.5 km" in row["standard"]
        # per point: each resident's own verdict (the town's 6,000 not covered, everyone else covered)
        covered = res.demand["ems.radius:covered"].to_numpy()
        assert covered.tolist() == [True] * 9 + [False] + [True] * 4
        assert np.isclose(res.demand.loc[~covered, "pop"].sum(), 6_000)


def test_response_time_by_resident_class_on_a_road(tmp_path):
    # a straight road 0 —1 km— 1 —1 km— 2 —1 km— 3 —1 km— 4 with the station at node 0; 100 urban residents
    # at node 1 (one road piece away) and 10 rural residents at node 4 (four pieces away)
    import networkx as nx

    G = nx.MultiDiGraph(crs=CRS)
    for n in range(5):
        G.add_node(n, x=X0 + n * KM, y=Y0)
    for n in range(4):
        G.add_edge(n, n + 1, highway="primary", length=KM)
        G.add_edge(n + 1, n, highway="primary", length=KM)
    G = hc.read_network(G, mode="drive")
    tt = G.edges[0, 1, 0]["travel_time"] / 60.0  # minutes per km on this road
    urban_lim, rural_lim = 1.5 * tt, 3.0 * tt  # urban at 1 tt: within; rural at 4 tt: over
    prof = tmp_path / "resp.toml"
    prof.write_text(
        PROFILE.split("[[rules]]")[0]
        + textwrap.dedent(
            f"""
            [[rules]]
            id = "ems.response"
            kind = "response_time"
            status = "guiding"
            title = {{ zh = "急救反应时间", en = "Response time" }}
            facility_types = ["ems_station"]
            minutes_lt = {{ urban = {urban_lim!r}, rural = {rural_lim!r} }}
            source = {{ ref = "test:2", quote = "城市、农村平均急救反应时间" }}
            """
        ),
        encoding="utf-8",
    )
    area = gpd.GeoDataFrame(
        {"area_name": ["混合区"], "area_code": ["M"], "area_class": ["urban"]},
        geometry=[shapely.box(X0 - KM, Y0 - KM, X0 + 5 * KM, Y0 + KM)],
        crs=CRS,
    )
    pop = gpd.GeoDataFrame(
        {"pop": [100.0, 10.0], "resident_class": ["urban", "rural"]},
        geometry=[shapely.Point(X0 + KM, Y0), shapely.Point(X0 + 4 * KM, Y0)],
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {"name": ["站"], "facility_type": ["ems_station"]}, geometry=[shapely.Point(X0, Y0)], crs=CRS
    )

    def run(p):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hc.HealthcovWarning)
            return assess(G, fac, p, area, profile=prof, activation_delay_min=0.0).table.iloc[0]

    mixed = run(pop)
    # urban residents pass (1 tt < 1.5 tt), rural fail (4 tt ≥ 3 tt): the area fails; value = the overall mean
    assert mixed["verdict"] == "fail"
    assert mixed["value"] == pytest.approx((100 * tt + 10 * 4 * tt) / 110)
    assert "100 urban residents judged by the urban threshold" in mixed["note"]
    assert "10 rural residents judged by the rural threshold" in mixed["note"]
    # one class for the area (urban): the mean 1.27 tt < 1.5 tt passes — the rural residents' delay is hidden
    whole = run(pop.drop(columns="resident_class"))
    assert whole["verdict"] == "pass" and whole["value"] == pytest.approx(mixed["value"])
