"""Basemap presets: OpenStreetMap, 天地图 Tianditu (key from the environment), GCJ-02 tile sources flagged."""

from __future__ import annotations

import warnings

import pytest

import healthcov as hc
from healthcov.report.basemaps import TIANDITU_KEY_ENV, basemap


def test_no_basemap_and_osm():
    assert basemap(None) is None
    osm = basemap("osm")
    assert osm.name == "OpenStreetMap" and "openstreetmap.org/copyright" in osm.layers[0][1]


def test_tianditu_needs_a_key(monkeypatch):
    monkeypatch.delenv(TIANDITU_KEY_ENV, raising=False)
    with pytest.raises(hc.InputError, match=TIANDITU_KEY_ENV):
        basemap("tianditu")
    monkeypatch.setenv(TIANDITU_KEY_ENV, "abc123")
    tdt = basemap("天地图")
    assert [url.split("/")[3] for url, _, _ in tdt.layers] == ["vec_w", "cva_w"]  # roads, then Chinese labels
    assert all(url.endswith("&tk=abc123") and "天地图" in attr for url, attr, _ in tdt.layers)


def test_gcj02_tiles_warn_and_urls_need_attribution():
    amap = "https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
    with pytest.warns(hc.CoordinateSystemWarning, match="GCJ-02"):
        basemap(amap, attribution="© 高德")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        basemap("https://tile.example.org/{z}/{x}/{y}.png", attribution="© example")  # no warning
    with pytest.raises(hc.InputError, match="attribution"):
        basemap("https://tile.example.org/{z}/{x}/{y}.png")
    with pytest.raises(hc.InputError, match="URL template"):
        basemap("satellite")
