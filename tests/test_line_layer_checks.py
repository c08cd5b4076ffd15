"""Line-layer checks of read_network: one-way values, speed columns, duplicated and zero-length lines.

Tiny layers in UTM 51N whose answers are worked out by hand: residential roads at 20 km/h take
180 s per km, a speed of 60 km/h takes 60 s per km.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely

import healthcov as hc

X0, Y0 = 500_000.0, 3_300_000.0
UTM = "EPSG:32651"


def _line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def _roads(lines, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"highway": ["residential"] * len(lines), **cols}, geometry=lines, crs=UTM)


def _times(G) -> dict[tuple[int, int], float]:
    return {(u, v): round(d["travel_time"], 6) for u, v, d in G.edges(data=True)}


def test_numeric_oneway_values_from_a_shapefile_are_understood():
    """1.0 / -1.0 / 0.0 (a numeric column) mean forward / backward / two-way, as 1 / -1 / 0 do."""
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0)), _line((2000, 0), (3000, 0))]
    G = hc.read_network(_roads(lines, oneway=[1.0, -1.0, 0.0]), mode="drive", largest_component=False)
    xs = {n: round(d["x"] - X0) for n, d in G.nodes(data=True)}
    pairs = sorted((xs[u], xs[v]) for u, v in G.edges())
    assert pairs == [(0, 1000), (2000, 1000), (2000, 3000), (3000, 2000)]


def test_unknown_oneway_values_are_listed_with_their_counts():
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0)), _line((2000, 0), (3000, 0))]
    with pytest.raises(hc.InputError, match=r"'oneway'.*'2' \(2 rows\)") as info:
        hc.read_network(_roads(lines, oneway=["2", "2", "yes"]), mode="drive")
    assert "no/0 (two-way)" in str(info.value)


def test_speed_column_text_with_units_and_empty_cells():
    """'60 km/h' is 60 km/h (60 s per km); an empty cell keeps the class speed (180 s per km)."""
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0))]
    G = hc.read_network(_roads(lines, limit=["60 km/h", None]), mode="drive", speed="limit")
    assert sorted(set(_times(G).values())) == [60.0, 180.0]


@pytest.mark.parametrize("bad", [0, -30, "fast"])
def test_speed_column_values_that_are_no_speed_name_the_row(bad):
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0))]
    with pytest.raises(hc.InputError, match=rf"'limit'.*row 1: {bad!r}"):
        hc.read_network(_roads(lines, limit=[50, bad]), mode="drive", speed="limit")


def test_a_duplicated_line_is_one_road_and_is_reported():
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0)), _line((0, 0), (1000, 0))]
    with pytest.warns(hc.RoadLinesDroppedWarning, match=r"1 of 3 rows are exact duplicates.*rows 2\).*1\.0 km"):
        G = hc.read_network(_roads(lines), mode="drive")
    assert G.number_of_edges() == 4  # two roads, both directions
    assert G.graph["healthcov"]["length_km"] == pytest.approx(4.0)  # 2 km of road counted per direction
    assert G.graph["healthcov"]["noding"]["duplicate_lines_dropped"] == 1


def test_a_reversed_line_in_a_directed_layer_is_not_a_duplicate():
    """A layer of one row per travel direction: A→B and B→A are two edges, nothing is dropped."""
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (0, 0))]
    with warnings.catch_warnings():
        warnings.simplefilter("error", hc.RoadLinesDroppedWarning)
        G = hc.read_network(_roads(lines), mode="drive", directed=True)
    assert G.number_of_edges() == 2 and G.graph["healthcov"]["noding"]["duplicate_lines_dropped"] == 0


def test_a_zero_length_line_is_left_out_and_does_not_make_the_layer_directed():
    """Its self-loop used to count as a reverse twin (50 % of rows), so the 1 km road became one-way."""
    lines = [_line((0, 0), (1000, 0)), _line((5, 5), (5, 5))]
    G = hc.read_network(_roads(lines), mode="drive")
    assert sorted(_times(G).values()) == [180.0, 180.0]
    assert G.graph["healthcov"]["noding"]["zero_length_lines_dropped"] == 1


def test_a_layer_of_zero_length_lines_only_is_empty():
    with pytest.raises(hc.EmptyNetworkError, match="all 2 lines have zero length"):
        hc.read_network(_roads([_line((5, 5), (5, 5)), _line((9, 9), (9, 9))]), mode="drive")


def test_an_empty_layer_is_both_a_network_and_an_empty_input_error():
    with pytest.raises(hc.NetworkError, match="has no rows") as info:
        hc.read_network(_roads([]), mode="drive")
    assert isinstance(info.value, hc.EmptyInputError)


def test_reversible_roads_are_two_way_as_osmnx_reads_them():
    lines = [_line((0, 0), (1000, 0)), _line((1000, 0), (2000, 0))]
    G = hc.read_network(_roads(lines, oneway=["reversible", "alternating"]), mode="drive")
    assert G.number_of_edges() == 4
