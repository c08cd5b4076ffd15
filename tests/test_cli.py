"""The command line: demo outputs, exit codes, atomic writes; the online path is marked."""

from __future__ import annotations

import geopandas as gpd
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
