"""Chinese map coordinate systems (GCJ-02, BD-09) ↔ WGS84: kept importable here, they live in :mod:`healthcov.crs`."""

from __future__ import annotations

from ..crs import (
    COORD_SYSTEMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

__all__ = [
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
    "to_wgs84",
    "in_china",
    "COORD_SYSTEMS",
]
