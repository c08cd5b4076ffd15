"""Maps open offline in a real headless Chromium: one file, no request leaves the page.

Every page is opened from ``file://`` with the network blocked (tests/browser.py). The map is read
through the Leaflet API: vector layers are drawn on a canvas (``prefer_canvas``), so there are no
SVG paths to count; painted canvas pixels prove that the bands are really drawn.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pytest

import healthcov as hc
from browser import map_state, open_page, settle
from healthcov.cli import main
from healthcov.report.maps import BAND_COLOURS, OSM_ATTRIBUTION, explore_isochrones
from healthcov.report.standalone import save_map, standalone_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MB = 1024 * 1024


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000  # a blank page is a few kB
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


def _assert_standalone_file(path: Path, max_mb: float) -> str:
    size = path.stat().st_size
    assert 250_000 < size < max_mb * MB, f"{path.name}: {size / MB:.2f} MB"
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text and '<link rel="stylesheet"' not in text
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*[\"']?https?:", text, re.IGNORECASE)
    assert "cdn.jsdelivr.net" not in text and "code.jquery.com" not in text and "cdnjs" not in text
    return text


def _check_map(page, log, *, bands: dict[float, int], band_name: str, facilities: int, facilities_name: str):
    """Bands and facilities drawn, layer control complete, and a band switches off and on again."""
    assert log.page_errors == [] and log.console_errors == []
    assert page.evaluate("() => typeof window.L === 'object' && L.version") == "1.9.4"
    settle(page)
    drawn_s = time.perf_counter() - log.started
    state = map_state(page)
    assert state["maps"] == 1 and state["canvases"] == 1 and state["svgPaths"] == 0
    assert state["size"] == [1280, 800]
    colours = {BAND_COLOURS[i]: n for i, n in enumerate(bands.values())}
    assert state["polygons"] == colours
    assert state["drawnPolygons"] == sum(bands.values())  # each one projected and inside the view
    assert state["circles"] == facilities
    names = [band_name.format(b) for b in sorted(bands, reverse=True)] + [facilities_name]
    assert state["overlays"] == [{"name": n, "checked": True} for n in names]
    assert state["painted"] > 100_000
    # the outermost band off: its polygons leave the map and fewer pixels are painted
    outer = names[0]
    page.get_by_label(outer, exact=True).uncheck()
    settle(page)
    off = map_state(page)
    assert BAND_COLOURS[len(bands) - 1] not in off["polygons"]
    assert sum(off["polygons"].values()) == sum(bands.values()) - list(bands.values())[-1]
    assert off["overlays"][0] == {"name": outer, "checked": False}
    assert off["painted"] < state["painted"]
    page.get_by_label(outer, exact=True).check()
    settle(page)
    on = map_state(page)
    assert on["polygons"] == colours and on["painted"] == pytest.approx(state["painted"], rel=1e-3)
    # all bands and the facilities off: nothing is painted
    for n in names:
        page.get_by_label(n, exact=True).uncheck()
    settle(page)
    empty = map_state(page)
    assert empty["polygons"] == {} and empty["circles"] == 0 and empty["painted"] == 0
    for n in names:
        page.get_by_label(n, exact=True).check()
    settle(page)
    # the same pixels again, up to anti-aliasing where the drawing order changed
    assert map_state(page)["painted"] == pytest.approx(state["painted"], rel=1e-3)
    assert log.page_errors == [] and log.console_errors == []
    print(
        f"{page.url.rsplit('/', 1)[-1]}: {Path(page.url.removeprefix('file://')).stat().st_size / MB:.2f} MB, "
        f"loaded in {log.load_s:.2f} s, drawn after {drawn_s:.2f} s, polygons {state['polygons']}, "
        f"{state['circles']} circle markers, "
        f"{state['painted']:,} canvas pixels painted ({off['painted']:,} without the outer band)"
    )
    return state


def test_demo_map_works_offline_in_chromium(browser, tmp_path, data_dir):
    assert main(["demo", "--out", str(tmp_path), "--no-tiles", "--no-report"]) == 0
    html = tmp_path / "shanghai_ambulance_isochrones.html"
    text = _assert_standalone_file(html, max_mb=2)
    assert "Leaflet 1.9.4" in text and "jQuery 3.7.1" in text
    iso = gpd.read_file(html.with_suffix(".gpkg"), layer="isochrones")
    fac = gpd.read_file(html.with_suffix(".gpkg"), layer="facilities")
    bands = iso.groupby("minutes").size().to_dict()
    assert bands == {5.0: 1, 10.0: 1, 15.0: 1}
    with open_page(browser, html) as (page, log):
        state = _check_map(
            page,
            log,
            bands=bands,
            band_name="Service areas ≤ {:g} min",
            facilities=len(fac),
            facilities_name="Facilities",
        )
        assert state["circles"] == 22
        assert state["legendVisible"]
        legend = state["legend"]
        assert "Service areas · ambulance (from the facility)" in legend
        assert all(f"≤ {b:g} min" in legend for b in bands) and "Facilities" in legend
        assert OSM_ATTRIBUTION in legend
        # a facility's popup opens (folium's popups are built with jQuery)
        page.evaluate(
            "() => { const m = Object.keys(window).filter((k) => k.startsWith('map_')).map((k) => window[k])[0];"
            " let done = false; m.eachLayer((l) => { if (!done && l instanceof L.CircleMarker) {"
            " l.openPopup(); done = true; } }); }"
        )
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "Distance to road (m)" in popup.inner_text()
        page.evaluate("() => document.querySelector('.leaflet-popup-close-button').click()")
        settle(page)
        _screenshot(page, tmp_path, "demo_shanghai_en.png")
        assert log.page_errors == [] and log.console_errors == []
    # nothing but the file itself was loaded: everything else is inline
    assert log.blocked == []
    assert log.requests == [html.resolve().as_uri()]
    assert log.load_s < 10


@pytest.fixture(scope="module")
def shanghai_per_facility(shanghai_drive, shanghai_emergency):
    G = shanghai_drive
    fac = shanghai_emergency.to_crs(G.graph["crs"])
    inside = fac[fac.within(hc.network_area(G))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.OffNetworkWarning)
        iso = hc.isochrones(G, inside, minutes=(5, 10), per_facility=True)
    return iso, hc.snap_points(G, inside, name="facilities")


def test_explore_isochrones_zh_per_facility_offline(browser, tmp_path, shanghai_per_facility):
    iso, fac = shanghai_per_facility
    m = explore_isochrones(iso, fac, lang="zh", tiles=None)
    html = save_map(m, tmp_path / "shanghai_zh.html")
    assert html == tmp_path / "shanghai_zh.html"
    _assert_standalone_file(html, max_mb=6)
    bands = iso.groupby("minutes").size().to_dict()
    assert len(bands) == 2 and all(n > 10 for n in bands.values())  # one polygon per facility and band
    with open_page(browser, html) as (page, log):
        state = _check_map(
            page,
            log,
            bands=bands,
            band_name="服务范围 ≤ {:g} 分钟",
            facilities=len(fac),
            facilities_name="医疗设施",
        )
        legend = state["legend"]
        assert "服务范围 · 驾车 (前往设施)" in legend
        assert "≤ 5 分钟" in legend and "≤ 10 分钟" in legend and "医疗设施" in legend
        assert OSM_ATTRIBUTION in legend
        _screenshot(page, tmp_path, "shanghai_per_facility_zh.png")
    assert log.blocked == [] and log.requests == [html.resolve().as_uri()]


def test_tiles_on_only_tile_requests_leave(browser, tmp_path, shanghai_per_facility):
    iso, fac = shanghai_per_facility
    union = iso.dissolve("minutes", as_index=False)[["minutes", "geometry"]]
    union.attrs = iso.attrs
    html = save_map(explore_isochrones(union, fac, tiles="OpenStreetMap"), tmp_path / "tiles.html")
    text = _assert_standalone_file(html, max_mb=2)
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in text  # a URL inside JS: fine
    with open_page(browser, html) as (page, log):
        page.wait_for_load_state("networkidle")
        state = map_state(page)
        assert state["overlays"][-1]["name"] == "Facilities" and state["circles"] == len(fac)
    assert log.page_errors == []
    tile = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
    assert log.blocked and all(tile.match(u) for u in log.blocked), log.blocked[:5]
    assert all(u.startswith("file://") or tile.match(u) for u in log.requests)
    # the only errors are the blocked tiles
    assert all("ERR_BLOCKED_BY_CLIENT" in e or "Failed to load resource" in e for e in log.console_errors)


def test_standalone_refuses_what_it_cannot_inline():
    import folium
    from folium.plugins import MarkerCluster

    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    with pytest.raises(hc.InputError, match=r"does not vendor.*leaflet\.markercluster"):
        standalone_html(m)
    m = folium.Map(tiles=None)
    folium.Marker([31.2, 121.5], icon=folium.Icon(icon="plus")).add_to(m)
    with pytest.raises(hc.InputError, match=r"folium\.Icon markers.*CircleMarker"):
        standalone_html(m)
    page = '<script src="https://unpkg.com/leaflet@2.0.0/dist/leaflet.js"></script>'
    with pytest.raises(hc.InputError, match=r"Leaflet JS 2\.0\.0 but healthcov vendors leaflet 1\.9\.4"):
        standalone_html(page)
    with pytest.raises(hc.InputError, match=r"must be a folium\.Map"):
        standalone_html(42)  # type: ignore[arg-type]


def test_default_marker_and_collapsed_layer_control_offline(browser, tmp_path):
    """Leaflet's images (default marker, layer-control toggle) are inlined too."""
    import folium

    m = folium.Map(location=[31.23, 121.47], zoom_start=13, tiles=None)
    folium.Marker([31.23, 121.47], popup="急救中心").add_to(m)
    folium.LayerControl().add_to(m)
    html = save_map(m, tmp_path / "marker.html")
    with open_page(browser, html) as (page, log):
        page.locator(".leaflet-marker-icon").wait_for()
        size = page.evaluate(
            "() => { const i = document.querySelector('.leaflet-marker-icon');"
            " return [i.complete, i.naturalWidth, i.src.slice(0, 22)]; }"
        )
        assert size == [True, 25, "data:image/png;base64,"]
        toggle = page.evaluate(
            "() => getComputedStyle(document.querySelector('.leaflet-control-layers-toggle')).backgroundImage"
        )
        assert toggle.startswith('url("data:image/png;base64,')
    assert log.page_errors == [] and log.console_errors == [] and log.blocked == []


def test_jupyter_display_is_offline(browser, tmp_path, dalian_drive):
    """What Jupyter shows for a healthcov map (``_repr_html_``) draws with the network blocked."""
    fac = hc.nodes_frame(dalian_drive).iloc[[0]]
    m = explore_isochrones(hc.isochrones(dalian_drive, fac, minutes=(2, 4)), fac, tiles=None)
    cell = m._repr_html_()
    assert cell.startswith("<iframe srcdoc=") and "cdn.jsdelivr.net" not in cell and "<script src=" not in cell
    page_path = tmp_path / "notebook_cell.html"
    page_path.write_text(f"<!DOCTYPE html><html><body>{cell}</body></html>", encoding="utf-8")
    with open_page(browser, page_path) as (page, log):
        frame = page.locator("iframe").element_handle().content_frame()
        assert frame.evaluate("() => L.version") == "1.9.4"
        settle(frame)
        state = map_state(frame)
        assert state["painted"] > 1000 and set(state["polygons"]) == {BAND_COLOURS[0], BAND_COLOURS[1]}
        assert log.page_errors == [] and log.console_errors == []
    assert log.blocked == [] and log.requests == [page_path.resolve().as_uri()]


def test_isochrone_map_title_and_boundaries(browser, tmp_path, dalian_drive):
    fac = hc.nodes_frame(dalian_drive).iloc[[0]]
    iso = hc.isochrones(dalian_drive, fac, minutes=(2, 4))
    hull = gpd.GeoDataFrame({"area_name": ["测试区"]}, geometry=[iso.geometry.iloc[1].convex_hull], crs=iso.crs)
    m = explore_isochrones(iso, fac, lang="zh", areas=hull)
    html = save_map(m, tmp_path / "iso_title.html")
    with open_page(browser, html) as (page, log):
        settle(page)
        assert page.inner_text(".healthcov-map-title") == "服务范围 · 驾车 (前往设施)"
        assert page.inner_text(".leaflet-marker-pane") == "测试区"  # the boundary's label
        state = map_state(page)
        assert state["drawnPolygons"] == 3  # two bands and the boundary
        assert log.page_errors == [] and log.console_errors == [] and log.blocked == []
    m2 = explore_isochrones(iso, fac, title="急救 4 分钟")
    assert json.dumps("急救 4 分钟") in standalone_html(m2)
