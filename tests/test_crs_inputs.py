"""CRS arguments pyproj cannot read, and data without coordinates, are healthcov errors that name them."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

import healthcov as hc
from healthcov.crs import local_utm, parse_crs


def test_parse_crs_reads_what_pyproj_reads():
    assert parse_crs("EPSG:4549").to_epsg() == 4549
    assert parse_crs(32651).to_epsg() == 32651


@pytest.mark.parametrize("value", ["junk", "EPSG:999999", 3.5])
def test_parse_crs_names_the_argument(value):
    with pytest.raises(hc.CRSError, match=rf"to_crs={value!r} is not a coordinate reference system"):
        parse_crs(value, "to_crs")


def test_local_utm_of_nothing_is_an_empty_input_error():
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    with pytest.raises(hc.EmptyInputError, match="no coordinates"):
        local_utm(empty)
    only_empty = gpd.GeoDataFrame(geometry=[shapely.Point()], crs=4326)
    with pytest.raises(hc.EmptyInputError):
        local_utm(only_empty)
    assert local_utm(gpd.GeoDataFrame(geometry=[shapely.Point(121.54, 29.87)], crs=4326)).to_epsg() == 32651


def test_congestion_only_slows_traffic():
    assert hc.get_mode("ambulance", congestion=1.0).congestion_factor == 1.0
    assert hc.get_mode("ambulance", congestion=0.5).congestion_factor == 0.5
    with pytest.raises(hc.InputError, match=r"congestion=1\.5 would make traffic faster"):
        hc.get_mode("ambulance", congestion=1.5)
