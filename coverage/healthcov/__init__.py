"""healthcov: who can reach care in time, who cannot, and where the next facility should go.

Travel times, isochrones and Zhejiang health-planning standards on real road networks.
"""

from __future__ import annotations

from . import datasets, distributed, scenarios, siting, standards
from .accessibility import (
    LUO_QI_2009_STEPS,
    accessibility,
    area_accessibility,
    catchment_ratios,
    enhanced_two_step_fca,
    two_step_fca,
)
from .errors import (
    AssumedCRSWarning,
    ClippedExtractWarning,
    CoordinateSystemWarning,
    CRSError,
    DatabaseAuthError,
    DatabaseConnectionError,
    DatabaseError,
    DataNotFoundError,
    DisconnectedRoadsWarning,
    EdgeLengthError,
    EdgeLengthWarning,
    EmptyInputError,
    EmptyNetworkError,
    GeometryConvertedWarning,
    HealthcovError,
    HealthcovWarning,
    InputError,
    InvalidGeometryError,
    IslandSnapWarning,
    MissingColumnError,
    MissingExtraError,
    NetworkError,
    OffNetworkError,
    OffNetworkWarning,
    ProfileError,
    RoadLinesDroppedWarning,
    TextEncodingWarning,
    UnknownRoadClassWarning,
)
from .io.area_checks import PartialNetworkWarning
from .io.coords import bd09_to_wgs84, gcj02_to_wgs84, to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from .io.facilities import read_facilities
from .io.line_topology import lines_topology, read_topology
from .io.multimode import read_networks
from .io.networks import network_from_place, read_cbengine, read_network
from .io.osm_topology import osm_topology
from .io.population import grid_population, population_points, read_areas, read_population, spread_population
from .io.postgis import is_postgis_spec, read_postgis_network, read_postgis_source
from .io.postgis_write import read_postgis_layer, write_assessment_postgis, write_postgis
from .io.statistics import read_statistics
from .io.vector import read_vector
from .isochrones import isochrones, network_area
from .matrix import k_nearest, travel_time_matrix
from .network.arrays import clear_cache
from .network.core import Network
from .network.modes import MODES, TravelMode, get_mode
from .network.noding import node_lines
from .network.prepare import graph_info
from .network.snap import snap_points
from .report.assessment_map import explore_assessment
from .report.exports import write_gpkg, write_xlsx
from .report.html_report import write_report
from .report.maps import explore_isochrones
from .report.matrix import assessment_html
from .report.standalone import save_map, standalone_html
from .scenarios import compare, project_population, scenario_facilities
from .servicearea import ServiceLayers, service_layers
from .siting import SitePlan, suggest_sites
from .standards import (
    Assessment,
    AssessOptions,
    Context,
    Note,
    RuleResult,
    assemble,
    assess,
    assign_demand,
    evaluate,
    prepare,
    prepare_areas,
    prepare_facilities,
)
from .standards.area_classes import classify_residents
from .standards.facility_types import classify_facilities
from .standards.profiles import compare_with_parents, list_profiles, load_profile
from .standards.typing_report import TypingReport, typing_report
from .traveltime import nodes_frame, travel_times

__version__ = "0.1.0"

# the formatted table in Jupyter; registered here so that ``standards`` never imports ``report``
standards.assessment.set_html_formatter(assessment_html)

__all__ = [
    "__version__",
    "datasets",
    "read_network",
    "Network",
    "read_networks",
    "read_topology",
    "lines_topology",
    "network_from_place",
    "read_cbengine",
    "read_facilities",
    "read_statistics",
    "read_population",
    "spread_population",
    "grid_population",
    "population_points",
    "read_areas",
    "read_postgis_source",
    "read_postgis_network",
    "is_postgis_spec",
    "write_postgis",
    "write_assessment_postgis",
    "read_postgis_layer",
    "assess",
    "Assessment",
    "compare",
    "suggest_sites",
    "SitePlan",
    "scenario_facilities",
    "project_population",
    "load_profile",
    "list_profiles",
    "classify_facilities",
    "typing_report",
    "classify_residents",
    "compare_with_parents",
    "TypingReport",
    "write_report",
    "service_layers",
    "ServiceLayers",
    "assessment_html",
    "write_gpkg",
    "write_xlsx",
    "explore_assessment",
    "save_map",
    "standalone_html",
    "standards",
    "siting",
    "distributed",
    "scenarios",
    "travel_times",
    "travel_time_matrix",
    "k_nearest",
    "accessibility",
    "area_accessibility",
    "two_step_fca",
    "enhanced_two_step_fca",
    "catchment_ratios",
    "LUO_QI_2009_STEPS",
    "isochrones",
    "network_area",
    "explore_isochrones",
    "snap_points",
    "nodes_frame",
    "graph_info",
    "clear_cache",
    "get_mode",
    "TravelMode",
    "MODES",
    "to_wgs84",
    "gcj02_to_wgs84",
    "wgs84_to_gcj02",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
    "HealthcovError",
    "InputError",
    "DataNotFoundError",
    "CRSError",
    "EmptyInputError",
    "MissingColumnError",
    "InvalidGeometryError",
    "NetworkError",
    "OffNetworkError",
    "ProfileError",
    "HealthcovWarning",
    "AssumedCRSWarning",
    "OffNetworkWarning",
    "PartialNetworkWarning",
    "GeometryConvertedWarning",
    "CoordinateSystemWarning",
    "read_vector",
    "node_lines",
    "DisconnectedRoadsWarning",
    "UnknownRoadClassWarning",
    "EdgeLengthWarning",
    "EdgeLengthError",
    "IslandSnapWarning",
    "TextEncodingWarning",
    "AssessOptions",
    "Context",
    "Note",
    "RuleResult",
    "assemble",
    "assign_demand",
    "evaluate",
    "prepare",
    "prepare_areas",
    "prepare_facilities",
    "EmptyNetworkError",
    "RoadLinesDroppedWarning",
    "ClippedExtractWarning",
    "osm_topology",
    "DatabaseError",
    "DatabaseConnectionError",
    "DatabaseAuthError",
    "MissingExtraError",
]
