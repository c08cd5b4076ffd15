"""Partitioned (Dask) assessment: the same answers as the single-machine engine, borders, failures.

Every run here uses a LocalCluster started inside the test session (two worker threads in this
process, so the suite stays fast); the benchmark runs worker processes.
"""

from __future__ import annotations

import math
import textwrap

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov.distributed import PartitionFailedWarning, assess_partitioned, partition_buffers

X0, Y0 = 500_000.0, 3_300_000.0  # UTM 51N

# A two-way residential road along y = Y0 with nodes every 1,000 m at x = X0 + 0 … 4,000.
# Walk 4.5 km/h: 13.33 min per 1,000 m. Ambulance 20 km/h × 1.2 = 24 km/h: 2.5 min per 1,000 m.
PROFILE = textwrap.dedent(
    """
    schema = 1
    id = "borderville"
    level = "district"
    name = { zh = "边界区", en = "Borderville" }
    [document]
    title = "测试规划"
    file = "none.txt"
    status = "issued"
    base_year = 2020
    target_year = 2025
    [classifier]
    method = "admin_type"
    urban = ["街道"]
    rural = ["镇", "乡"]
    source = "assumption: test"

    [[rules]]
    id = "access.circle"
    kind = "service_circle"
    status = "binding"
    title = { zh = "服务圈", en = "Service circle" }
    facility_types = ["chc"]
    minutes = { urban = 15, rural = 20 }
    source = { ref = "test:1", quote = "城区15分钟、农村20分钟" }

    [[rules]]
    id = "ems.response"
    kind = "response_time"
    status = "binding"
    title = { zh = "急救反应时间", en = "Response time" }
    facility_types = ["ems_station"]
    minutes_lt = { urban = 11, rural = 15 }
    source = { ref = "test:2", quote = "反应时间" }

    [[rules]]
    id = "ems.response_city"
    kind = "response_time"
    status = "binding"
    title = { zh = "全市平均反应时间", en = "City-wide response time" }
    facility_types = ["ems_station"]
    minutes_lt = { all = 12 }
    scope = "jurisdiction"
    source = { ref = "test:3", quote = "全市平均急救反应时间" }

    [[rules]]
    id = "basic.chc_per_pop"
    kind = "ratio"
    status = "binding"
    title = { zh = "社区卫生服务中心", en = "CHC per population" }
    facility_types = ["chc"]
    resource = "count"
    amount = 1
    per = 1000
    scope = "jurisdiction"
    source = { ref = "test:4", quote = "每千人1所" }
    """
)


def _line(x0: float, x1: float) -> shapely.LineString:
    return shapely.LineString([(X0 + x0, Y0), (X0 + x1, Y0)])


def _roads(path, segments) -> str:
    gpd.GeoDataFrame(
        {"highway": ["residential"] * len(segments)}, geometry=[_line(a, b) for a, b in segments], crs=32651
    ).to_file(path)
    return str(path)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as lc,
        Client(lc) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def border(tmp_path_factory):
    d = tmp_path_factory.mktemp("border")
    (d / "borderville.toml").write_text(PROFILE, encoding="utf-8")
    whole = _roads(d / "roads.gpkg", [(i * 1000, (i + 1) * 1000) for i in range(4)])
    areas = gpd.GeoDataFrame(
        {"area_name": ["甲街道", "乙镇"], "area_code": ["A", "B"]},
        geometry=[
            shapely.box(X0 - 500, Y0 - 500, X0 + 2500, Y0 + 500),
            shapely.box(X0 + 2500, Y0 - 500, X0 + 4500, Y0 + 500),
        ],
        crs=32651,
    )
    pop = gpd.GeoDataFrame(
        {"pop": [100.0, 200.0, 300.0, 400.0, 500.0]},
        geometry=shapely.points([(X0 + 1000.0 * i, Y0) for i in range(5)]),
        crs=32651,
    )
    # the CHC stands in 乙镇, 500 m beyond the border of 甲街道; the ambulance station in 甲街道
    fac = gpd.GeoDataFrame(
        {"name": ["乙镇卫生服务中心", "甲急救站"], "facility_type": ["chc", "ems_station"]},
        geometry=[shapely.Point(X0 + 3000, Y0), shapely.Point(X0, Y0)],
        crs=32651,
    )
    return d, whole, areas, pop, fac


def _single(path, fac, pop, areas, profile, modes=("walk", "drive", "ambulance"), **kw):
    graphs = {m: hc.read_network(path, mode=m) for m in modes}
    return hc.assess(graphs, fac, pop, areas, profile=profile, **kw)


def test_buffers_by_hand(border):
    d, *_ = border
    b = partition_buffers(d / "borderville.toml")
    # walk: 20 min (the largest circle threshold) × 4.5 km/h + 500 m snapping;
    # drive (rural circles): 20 min × 80 km/h + 1,000 m; ambulance: 15 min × 96 km/h + 1,000 m
    assert b == {"walk": 2000.0, "drive": pytest.approx(27_666.666667), "ambulance": 25_000.0}
    # without a walk network the urban circle falls back to drive: it takes the walk threshold too
    assert partition_buffers(d / "borderville.toml", modes=["drive"])["drive"] == pytest.approx(27_666.666667)
    assert partition_buffers("zhejiang", rules=["ems.radius"])["ambulance"] == 11_000.0  # 10 km + snapping
    # a network whose fastest road is 20 km/h: the rural 20-minute circle reaches 6,667 m
    slow = partition_buffers("zhejiang", modes=["drive"], rules=["access.basic_circle"], top_speed_kph=20)
    assert slow["drive"] == pytest.approx(20 / 60 * 20_000 + 1000)


def test_border_trip_counted(border, cluster):
    d, whole, areas, pop, fac = border
    profile = d / "borderville.toml"
    res = assess_partitioned(whole, fac, pop, areas, profile, client=cluster, progress=False)
    t = res.table.set_index(["rule_id", "area_code"])
    a = t.loc[("access.circle", "A")]
    # 甲街道 walks 40, 26.7 and 13.3 min to the CHC across the border: only the 300 at x = 2 km are
    # within 15 min, and only thanks to the facility on the other side
    assert (a["share"], a["pop_covered"], a["verdict"], a["mode"]) == (0.5, 300.0, "fail", "walk")
    assert a["mean_min"] == pytest.approx((100 * 40 + 200 * 80 / 3 + 300 * 40 / 3) / 600)
    assert "only this area's facilities: 0.0%" in a["note"]
    # the city-wide mean response time joins both partitions: 3 min delay + 0, 2.5, 5, 7.5, 10 min
    city = t.loc[("ems.response_city", "*")]
    assert city["value"] == pytest.approx((100 * 3 + 200 * 5.5 + 300 * 8 + 400 * 10.5 + 500 * 13) / 1500)
    assert city["p90_min"] == 13.0 and city["pop"] == 1500.0 and city["verdict"] == "pass"
    ratio = t.loc[("basic.chc_per_pop", "*")]
    assert (ratio["required"], ratio["present"], ratio["verdict"]) == (2.0, 1.0, "fail")
    # the same as one machine, row for row
    single = _single(whole, fac, pop, areas, profile)
    pd.testing.assert_frame_equal(res.table, single.table, check_exact=False, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(res.demand.drop(columns="geometry"), single.demand.drop(columns="geometry"))
    ex = res.assumptions["execution"]
    assert ex["partitions"] == 2 and ex["workers"] == 2 and ex["engine"] == "dask.distributed"
    assert ex["buffer_m"]["walk"] == 2000.0 and res.assumptions["failed_partitions"] == {}
    assert any(n.startswith("run in 2 partitions by area") for n in res.assumptions["notes"])
    assert res.networks == {}  # the graphs never left the workers


def test_partition_files_without_overlap_are_reported(border, cluster, tmp_path):
    _, _, areas, pop, fac = border
    profile = border[0] / "borderville.toml"
    # 甲街道's file stops at its border (x ≤ 2 km): the CHC 500 m across is out of its reach
    short = {
        "A": _roads(tmp_path / "A.gpkg", [(0, 1000), (1000, 2000)]),
        "B": _roads(tmp_path / "B.gpkg", [(i * 1000, (i + 1) * 1000) for i in range(4)]),
    }
    res = assess_partitioned(
        short, fac, pop, areas, profile, client=cluster, progress=False, rules=["access.circle"], modes=["walk"]
    )
    a = res.table.set_index(["rule_id", "area_code"]).loc[("access.circle", "A")]
    assert a["share"] == 0.0  # the cross-border trip is lost …
    detail = {p["area_code"]: p for p in res.assumptions["execution"]["partitions_detail"]}
    assert detail["A"]["values_beyond_buffer"] == {"walk": 3}  # … and the run says so
    assert any("do not reach far enough" in n and "甲街道" in n for n in res.assumptions["notes"])
    # files cut with the buffer overlap give the single-machine answer
    full = {c: _roads(tmp_path / f"{c}_full.gpkg", [(i * 1000, (i + 1) * 1000) for i in range(4)]) for c in "AB"}
    ok = assess_partitioned(
        full, fac, pop, areas, profile, client=cluster, progress=False, rules=["access.circle"], modes=["walk"]
    )
    assert ok.table.set_index(["rule_id", "area_code"]).loc[("access.circle", "A"), "share"] == 0.5


def test_small_buffer_is_widened(border, cluster):
    d, whole, areas, pop, fac = border
    res = assess_partitioned(
        whole, fac, pop, areas, d / "borderville.toml", client=cluster, progress=False, buffer_m=100.0
    )
    single = _single(whole, fac, pop, areas, d / "borderville.toml")
    pd.testing.assert_frame_equal(res.table, single.table, check_exact=False, rtol=1e-9, atol=1e-9)
    widened = [p["widened"] for p in res.assumptions["execution"]["partitions_detail"]]
    assert min(widened) >= 1 and res.assumptions["execution"]["buffer_rule"] == "given (buffer_m)"


def test_failed_partition_is_reported_and_the_others_finish(border, cluster, tmp_path):
    _, _, areas, pop, fac = border
    profile = border[0] / "borderville.toml"
    _roads(tmp_path / "A.gpkg", [(i * 1000, (i + 1) * 1000) for i in range(4)])  # B's file is missing
    with pytest.warns(PartitionFailedWarning, match=r"partition B \(乙镇\) failed: DataNotFoundError"):
        res = assess_partitioned(
            str(tmp_path / "{area_code}.gpkg"), fac, pop, areas, profile, client=cluster, progress=False
        )
    failed = res.assumptions["failed_partitions"]
    assert list(failed) == ["B"] and failed["B"]["area_name"] == "乙镇" and "B.gpkg" in failed["B"]["error"]
    t = res.table.set_index(["rule_id", "area_code"])
    b = t.loc[("access.circle", "B")]
    assert b["verdict"] == "not_assessed" and "failed: DataNotFoundError" in b["note"] and "B.gpkg" in b["note"]
    assert t.loc[("access.circle", "A"), "share"] == 0.5  # the other partition finished
    city = t.loc[("ems.response_city", "*")]
    assert city["verdict"] == "not_assessed" and "1 of 2 partitions failed" in city["note"]
    assert city["pop"] == 600.0  # what it has covers 甲街道 only
    assert t.loc[("basic.chc_per_pop", "*"), "verdict"] == "fail"  # needs no network: still assessed
    assert res.areas.set_index("area_code").loc["B", "worst"] == "not_assessed"
    assert res.demand.loc[res.demand["area_code"] == "B", "access.circle"].isna().all()
    assert any("partition B (乙镇) failed" in n for n in res.assumptions["notes"])
    # notes as data: the failure is a code on the rows it concerns, not words to parse
    failed_rows = {(n.rule_id, n.area_code) for n in res.notes_of(code="partition_failed") if n.rule_id}
    assert ("access.circle", "B") in failed_rows and ("ems.response_city", "*") in failed_rows
    assert ("access.circle", "A") not in failed_rows
    assert all(n.text_zh and n.text_en for n in res.notes)


def test_every_partition_failing_raises(border, cluster, tmp_path):
    _, _, areas, pop, fac = border
    with pytest.raises(hc.DataNotFoundError, match="road network"), pytest.warns(PartitionFailedWarning):
        assess_partitioned(
            str(tmp_path / "nowhere" / "{area_code}.gpkg"),
            fac,
            pop,
            areas,
            border[0] / "borderville.toml",
            client=cluster,
            progress=False,
        )


def test_in_process_and_dashboard(border, cluster, monkeypatch, capsys):
    d, whole, areas, pop, fac = border
    a = assess_partitioned(whole, fac, pop, areas, d / "borderville.toml", workers=0, progress=False)
    assert a.assumptions["execution"]["engine"].startswith("in-process")
    monkeypatch.setenv("HEALTHCOV_PROGRESS", "1")
    b = assess_partitioned(whole, fac, pop, areas, d / "borderville.toml", client=cluster)
    assert "Dask dashboard at http" in capsys.readouterr().err
    pd.testing.assert_frame_equal(a.table, b.table)


def test_bad_arguments(border, cluster):
    d, whole, areas, pop, fac = border
    profile = d / "borderville.toml"
    G = hc.read_network(whole, mode="walk")
    with pytest.raises(hc.InputError, match="never ships a graph"):
        assess_partitioned(G, fac, pop, areas, profile, workers=0)
    with pytest.raises(hc.InputError, match="unknown option"):
        assess_partitioned(whole, fac, pop, areas, profile, workers=0, speed=3)
    with pytest.raises(hc.InputError, match="not several"):
        assess_partitioned(whole, fac, pop, areas, profile, client=cluster, workers=2)
    with pytest.raises(hc.InputError, match="workers must be"):
        assess_partitioned(whole, fac, pop, areas, profile, workers=-1)
    with pytest.raises(hc.InputError, match="no file for 1 area"):
        assess_partitioned({"A": whole}, fac, pop, areas, profile, workers=0)
    with pytest.raises(hc.InputError, match="buffer_m must be"):
        assess_partitioned(whole, fac, pop, areas, profile, workers=0, buffer_m=-5)
    with pytest.raises(hc.InputError, match="template"):
        assess_partitioned("roads/{county}.gpkg", fac, pop, areas, profile, workers=0)
    with pytest.raises(hc.InputError, match="unknown network_kwargs"):
        assess_partitioned(whole, fac, pop, areas, profile, workers=0, network_kwargs={"sped": 1})


# --------------------------------------------------------------------------------------------
# real data: central Shanghai's three districts, as in test_assess.py


@pytest.fixture(scope="module")
def shanghai(data_dir, tmp_path_factory):
    """The Shanghai OSM network as a road-line GeoPackage (read in well under a second by every task)."""
    import osmnx as ox

    raw = ox.graph_from_xml(hc.datasets.path("shanghai_network"), simplify=True, retain_all=True)
    edges = ox.graph_to_gdfs(raw, nodes=False).reset_index()
    roads = gpd.GeoDataFrame(
        {
            "highway": [h[0] if isinstance(h, list) else h for h in edges["highway"]],
            "oneway": edges["oneway"].astype(bool).map({True: "yes", False: "no"}),
        },
        geometry=edges.geometry.values,
        crs=edges.crs,
    )
    path = tmp_path_factory.mktemp("shanghai") / "roads.gpkg"
    roads.to_file(path)
    # walk (urban service circles) and ambulance (radius, response times): central Shanghai has no
    # rural area, so a drive network would add time and no rule
    graphs = {m: hc.read_network(path, mode=m) for m in MODES}
    G = graphs["ambulance"]
    areas = hc.datasets.census_areas("shanghai")
    covered = areas.to_crs(G.graph["crs"]).intersection(hc.network_area(G)).area / areas.to_crs(G.graph["crs"]).area
    areas = areas[covered.to_numpy() > 0.4].reset_index(drop=True)
    pop = hc.spread_population(areas, G, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    fac = fac[fac.geometry.dwithin(areas.to_crs(fac.crs).union_all(), 5000)]  # the 3,880 POIs within 5 km
    with pytest.warns(hc.HealthcovWarning) as caught:
        single = hc.assess(graphs, fac, pop, areas, profile="ningbo")
    return str(path), fac, pop, areas, single, _kinds(caught)


MODES = ("walk", "ambulance")


def _kinds(caught) -> set[tuple[type, str]]:
    """What the warnings were about (their counts differ: see test_shanghai_districts_equal_single_machine)."""
    topics = ("farther than max_snap_m", "no evaluated rule of profile", "not assessed for lack of data")
    return {(w.category, t) for w in caught for t in topics if t in str(w.message)}


def test_shanghai_districts_equal_single_machine(shanghai, cluster):
    path, fac, pop, areas, single, said = shanghai
    with pytest.warns(hc.HealthcovWarning) as caught:
        res = assess_partitioned(path, fac, pop, areas, "ningbo", modes=MODES, client=cluster, progress=False)
    # the same warnings; the off-network counts cover only facilities within a buffer of some area
    assert _kinds(caught) == said and len(said) == 3
    assert res.areas["area_name"].tolist() == ["黄浦区", "静安区", "虹口区"]
    a, b = res.table, single.table
    assert a[["rule_id", "area_code"]].values.tolist() == b[["rule_id", "area_code"]].values.tolist()
    for col in a.columns:
        if pd.api.types.is_float_dtype(b[col]):
            assert np.allclose(a[col], b[col], rtol=1e-9, atol=1e-9, equal_nan=True), col
        else:
            assert a[col].fillna("").tolist() == b[col].fillna("").tolist(), col
    city = a[a["area_code"] == "*"].set_index("rule_id").loc["ems.response_citywide"]
    assert city["verdict"] == "pass" and 4 < city["value"] < 8 and math.isfinite(city["p90_min"])
    # per-resident values, areas, and the snapping of every facility inside the districts
    pd.testing.assert_frame_equal(res.demand, single.demand, check_exact=False, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(res.areas, single.areas)
    # the response-time sensitivity table (3 / 5 min × free-flow / peak), per area and city-wide
    key = ["rule_id", "area_code", "activation_delay_min", "speed"]
    sa, sb = (r.sensitivity.sort_values(key).reset_index(drop=True) for r in (res, single))
    assert set(sb["area_code"]) >= {"310101"} and len(sa) == len(sb)
    pd.testing.assert_frame_equal(sa, sb, check_exact=False, rtol=1e-9, atol=1e-9)
    inside = single.facilities["area_code"].notna()
    buffers = res.assumptions["execution"]["buffer_m"]
    for m in MODES:
        on, dist = f"on_network_{m}", f"snap_dist_m_{m}"
        assert res.facilities.loc[inside, on].tolist() == single.facilities.loc[inside, on].tolist()
        got, want = res.facilities.loc[inside, dist], single.facilities.loc[inside, dist]
        known = got.notna()
        assert np.allclose(got[known], want[known], rtol=1e-9, atol=1e-9)
        assert (want[~known] > buffers[m]).all()  # left unknown: no road within the buffer
    assert res.assumptions["execution"]["partitions"] == 3


def test_no_graph_is_shipped_from_the_client(border, cluster, monkeypatch):
    """The tasks receive file paths; a graph in a task's arguments would fail to be read."""
    d, whole, areas, pop, fac = border
    seen = []
    real = cluster.scatter

    def spy(data, *a, **k):
        items = data if isinstance(data, list) else [data]
        for item in items:
            seen.extend(v for v in (item.values() if isinstance(item, dict) else [item]) if isinstance(v, nx.Graph))
        return real(data, *a, **k)

    monkeypatch.setattr(cluster, "scatter", spy)
    assess_partitioned(whole, fac, pop, areas, d / "borderville.toml", client=cluster, progress=False)
    assert seen == []
