"""Column and attribute names, defined once (units are part of every numeric name)."""

from __future__ import annotations

# per-point snapping results
SNAP_DIST_M = "snap_dist_m"
ON_NETWORK = "on_network"
EDGE_U = "edge_u"
EDGE_V = "edge_v"
EDGE_KEY = "edge_key"
EDGE_FRAC = "edge_frac"
SNAP_X = "snap_x"
SNAP_Y = "snap_y"
ACCESS_TIME_S = "access_time_s"
SNAP_COLUMNS = (SNAP_DIST_M, ON_NETWORK, EDGE_U, EDGE_V, EDGE_KEY, EDGE_FRAC, SNAP_X, SNAP_Y, ACCESS_TIME_S)

# per-node travel results
TRAVEL_TIME_S = "travel_time_s"
DIST_M = "dist_m"
FACILITY = "facility"

# isochrone rows
MINUTES = "minutes"
METRES = "metres"
AREA_KM2 = "area_km2"

# edge attributes (osmnx conventions)
LENGTH = "length"
SPEED_KPH = "speed_kph"
TRAVEL_TIME = "travel_time"

# key under which healthcov records what it did in ``G.graph``
GRAPH_KEY = "healthcov"
