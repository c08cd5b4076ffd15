"""The command line: demo outputs, exit codes, atomic writes; the online path is marked."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import healthcov as hc
from healthcov._io_atomic import atomic_path
from healthcov.cli import main


def test_demo_shanghai_writes_map_and_layers(tmp_path, data_dir, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-tiles"]) == 0
    out = capsys.readouterr().out
    html = tmp_path / "shanghai_ambulance_isochrones.html"
    gpkg = tmp_path / "shanghai_ambulance_isochrones.gpkg"
    assert html.stat().st_size > 10_000
    text = html.read_text(encoding="utf-8")
    assert "L.map(" in text and "© OpenStreetMap contributors" in text
    iso = gpd.read_file(gpkg, layer="isochrones")
    fac = gpd.read_file(gpkg, layer="facilities")
    assert iso["minutes"].tolist() == [5.0, 10.0, 15.0]
    assert iso["area_km2"].is_monotonic_increasing
    # the network covers 13.3 x 11 km: the 15-minute band cannot exceed that box
    assert 30 < iso["area_km2"].iloc[-1] < 146
    # every emergency centre inside the network's area is used, and all are on the network
    assert len(fac) == 22 and fac["on_network"].all()
    assert "22 of 108" in out and "largest strongly connected component" in out
    # the main job: every Zhejiang standard on the three central districts, with three suggested sites
    report = tmp_path / "shanghai_zhejiang_report.html"
    assert report.exists() and report.with_suffix(".csv").exists() and report.with_suffix(".gpkg").exists()
    assert "黄浦区, 静安区, 虹口区" in out and "1,442,817 residents" in out
    assert "where to build next (15-minute circle): 3 sites" in out
    verdicts = pd.read_csv(report.with_suffix(".csv"), encoding="utf-8-sig")
    assert set(verdicts.loc[verdicts["rule_id"] == "access.basic_circle", "verdict"]) == {"pass"}


def test_demo_helsinki_fallback(tmp_path, capsys):
    assert main(["demo", "--dataset", "helsinki", "--out", str(tmp_path), "--lang", "zh", "--no-tiles"]) == 0
    text = (tmp_path / "helsinki_ambulance_isochrones.html").read_text(encoding="utf-8")
    assert "服务范围" in text  # Chinese legend
    assert "6 of 6" in capsys.readouterr().out


def test_bad_input_exits_2_and_names_the_file(tmp_path, capsys):
    code = main(["isochrones", "--network", str(tmp_path / "missing.osm"), "--facilities", "x.csv"])
    assert code == 2
    err = capsys.readouterr().err
    assert "missing.osm" in err and "not found" in err


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "good"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.network
def test_network_from_place_online():
    G = hc.network_from_place("溪口镇, 奉化区, 宁波市, 浙江省", mode="drive")
    assert G.graph["crs"] == "EPSG:32651" and G.number_of_nodes() > 100


def _district_files(folder, names):
    """Shanghai districts with their census counts (GeoPackage), and their health POIs as a lon/lat CSV."""
    areas = hc.datasets.census_areas("shanghai")
    areas = areas[areas["area_name"].isin(names)]
    areas.to_file(folder / "districts.gpkg", driver="GPKG")
    fac = hc.datasets.shanghai_health_facilities().to_crs(4326)
    fac = fac[fac.within(areas.union_all())]
    pd.DataFrame({"name": fac["name"], "type": fac["type"], "lon": fac.geometry.x, "lat": fac.geometry.y}).to_csv(
        folder / "fac.csv", index=False
    )
    return folder


@pytest.fixture
def report_inputs(tmp_path, data_dir):
    """黄浦区 and 虹口区."""
    return _district_files(tmp_path, ["黄浦区", "虹口区"])


def test_report_command_on_files(report_inputs, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        [
            "report",
            "--network", str(hc.datasets.path("shanghai_network")),
            "--facilities", str(tmp_path / "fac.csv"),
            "--population", str(tmp_path / "districts.gpkg"),
            "--areas", str(tmp_path / "districts.gpkg"),
            "--profile", "fenghua",
            "--modes", "walk", "drive",
            "--out", str(out),
        ]
    )  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0, said
    assert out.exists() and out.with_suffix(".csv").exists() and out.with_suffix(".gpkg").exists()
    assert "census polygons spread evenly on a 500 m grid" in said and "fenghua" in said
    verdicts = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig")
    circle = verdicts[verdicts["rule_id"] == "access.basic_circle"]
    assert set(circle["area_name"]) == {"黄浦区", "虹口区"}
    assert (circle["standard"].str.contains("≤ 10 min")).all()  # Fenghua's urban 10-minute circle


def test_report_command_bad_input_exit_code(tmp_path, capsys):
    code = main(["report", "--network", str(tmp_path / "none.osm"), "--facilities", "x.csv", "--population", "p.tif",
                 "--areas", "a.gpkg", "--out", str(tmp_path / "r.html")])  # fmt: skip
    assert code == 2
    assert "road network file not found" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_profiles_command(capsys):
    assert main(["profiles", "beilun"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("beilun: 北仑区") and "access.basic_circle" in out and "[from ningbo]" in out


@pytest.fixture
def three_districts(tmp_path, data_dir):
    """黄浦区, 静安区 and 虹口区."""
    return _district_files(tmp_path, ["黄浦区", "静安区", "虹口区"])


def test_report_command_partitioned_writes_the_same_verdicts(three_districts, tmp_path, capsys):
    """The plain run and --workers 2 (Dask, one task per district) write the same verdict CSV: every row and
    column. Census polygons become the same population points on both paths (population_points)."""
    args = ["report", "--network", str(hc.datasets.path("shanghai_network")), "--facilities", str(tmp_path / "fac.csv"),
            "--population", str(tmp_path / "districts.gpkg"), "--areas", str(tmp_path / "districts.gpkg"),
            "--profile", "ningbo"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "plain.html")]) == 0
    plain_said = capsys.readouterr().out
    code = main([*args, "--workers", "2", "--out", str(tmp_path / "dask.html")])
    captured = capsys.readouterr()
    said = captured.out
    assert code == 0, captured.err
    assert "one area per task on a LocalCluster of 2 workers" in captured.err  # progress goes to stderr
    for text in (plain_said, said):
        assert "census polygons spread evenly on a 500 m grid" in text
    plain = pd.read_csv(tmp_path / "plain.csv", encoding="utf-8-sig")
    dask = pd.read_csv(tmp_path / "dask.csv", encoding="utf-8-sig")
    assert len(plain) == 48 and set(plain["area_name"]) == {
        "黄浦区",
        "静安区",
        "虹口区",
        "全部区域",
    }  # not the profile's city
    pd.testing.assert_frame_equal(dask, plain, check_exact=False, rtol=1e-9, atol=1e-9)
    # the district's census count, not the part the network happens to cover
    radius = plain.set_index(["rule_id", "area_name"]).loc[("ems.radius", "虹口区")]
    assert radius["pop"] == pytest.approx(757_498)


def test_quiet_and_verbose_anywhere(capsys):
    """-q / -v / --debug are accepted before or after the command."""
    assert main(["-q", "profiles", "beilun"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["profiles", "beilun", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["profiles", "beilun", "-v"]) == 0
    assert capsys.readouterr().out.startswith("beilun: 北仑区")


def test_output_that_is_an_input_is_refused_before_any_work(tmp_path, capsys):
    """`--out X.html` would write X.csv / X.gpkg beside it: an input of that name is kept (exit 2, nothing read)."""
    fac = tmp_path / "r.csv"
    fac.write_text("name,lon,lat\nclinic,121.48,31.23\n", encoding="utf-8")
    code = main(["report", "--network", str(tmp_path / "missing.osm"), "--facilities", str(fac),
                 "--population", "p.tif", "--areas", "a.gpkg", "--out", str(tmp_path / "r.html")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "'r.csv' is also an input" in err and "missing.osm" not in err  # refused before reading the network
    assert fac.read_text(encoding="utf-8").startswith("name,lon,lat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_output_that_is_a_folder_is_refused(tmp_path, capsys):
    (tmp_path / "out.html").mkdir()
    code = main(["report", "--facilities", "f.csv", "--population", "p.tif", "--areas", "a.gpkg",
                 "--out", str(tmp_path / "out.html")])  # fmt: skip
    assert code == 2
    assert "is a folder" in capsys.readouterr().err


def test_unexpected_error_exits_1_with_one_message(monkeypatch, capsys):
    from healthcov import cli

    def boom(args, con):
        raise RuntimeError("something broke")

    monkeypatch.setitem(cli.COMMANDS, "profiles", boom)
    assert main(["profiles"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected RuntimeError: something broke" in err and "--debug" in err
    assert main(["profiles", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith(
        "(run again with --debug for the traceback, and please report it with the command you ran)"
    )


def test_report_without_a_network_assesses_the_network_free_rules(report_inputs, tmp_path, capsys):
    """As the API does with G=None: counts, ratios and straight-line radii; the rest 'not assessed'."""
    out = tmp_path / "nonet.html"
    code = main(["report", "--facilities", str(tmp_path / "fac.csv"), "--population", str(tmp_path / "districts.gpkg"),
                 "--areas", str(tmp_path / "districts.gpkg"), "--profile", "ningbo", "--lang", "en",
                 "--title", "Two districts, no roads", "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "no road network given" in captured.out
    verdicts = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig").set_index(["rule_id", "area_name"])
    assert (verdicts.loc["access.basic_circle", "verdict"] == "not_assessed").all()
    assert verdicts.loc[("basic.chc_per_pop", "黄浦区"), "verdict"] in ("pass", "partial", "fail")
    assert "Two districts, no roads" in out.read_text(encoding="utf-8")


def test_report_ningbo_statistics_without_a_network(tmp_path, data_dir, capsys):
    """Ningbo's OSM hospitals, districts and census with the plan's own district statistics (issue 10):
    beds per 1,000 come from --statistics, checked here against the CSV by hand."""
    areas = hc.datasets.census_areas("ningbo")
    areas.to_file(tmp_path / "districts.gpkg", driver="GPKG")
    stats = hc.datasets.path("ningbo_statistics")
    out = tmp_path / "ningbo.html"
    code = main(["report", "--facilities", str(hc.datasets.path("ningbo_hospitals")),
                 "--population", str(tmp_path / "districts.gpkg"), "--areas", str(tmp_path / "districts.gpkg"),
                 "--profile", "ningbo", "--statistics", str(stats), "--statistics-year", "2020",
                 "--drop-codes", "330200", "--lang", "en",
                 "--out", str(out), "-q"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out == ""  # -q: results only in the files
    t = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig", dtype={"area_code": str})
    beds = t[(t["rule_id"].str.startswith("ratio.beds")) & (t["area_name"] == "海曙区")].iloc[0]
    csv = pd.read_csv(stats, dtype={"area_code": str}).set_index("area_name")
    assert csv.loc["海曙区", "beds_2020"] == 7591 and csv.loc["海曙区", "beds_per_1000_2025_plan"] == 10.05
    # the rate: 7,591 beds for the district's residents, per 1,000 (the census count the report uses)
    assert beds["value"] == pytest.approx(7591 / beds["pop"] * 1000, rel=1e-9)
    assert beds["threshold"] == pytest.approx(10.05) and beds["verdict"] == "fail"
