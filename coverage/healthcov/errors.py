"""One exception and warning hierarchy for healthcov.

Every error healthcov raises on bad input is an :class:`InputError` (which is also a
:class:`ValueError`), so ``except ValueError`` keeps working for generic code, while
``except healthcov.InputError`` catches exactly what a user can fix.
"""

from __future__ import annotations

__all__ = [
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
    "GeometryConvertedWarning",
    "CoordinateSystemWarning",
    "EmptyNetworkError",
    "EdgeLengthError",
    "DatabaseError",
    "DatabaseConnectionError",
    "DatabaseAuthError",
    "MissingExtraError",
    "DisconnectedRoadsWarning",
    "IslandSnapWarning",
    "UnknownRoadClassWarning",
    "EdgeLengthWarning",
    "TextEncodingWarning",
    "RoadLinesDroppedWarning",
    "ClippedExtractWarning",
]


class HealthcovError(Exception):
    """Base class of every error raised by healthcov."""


class InputError(HealthcovError, ValueError):
    """An input (file, table, graph or argument) cannot be used as given."""


class DataNotFoundError(InputError, FileNotFoundError):
    """A file or dataset does not exist where it was looked for."""


class CRSError(InputError):
    """A coordinate reference system is missing, geographic where metres are needed, or wrong."""


class EmptyInputError(InputError):
    """An input has no rows, nodes or edges."""


class MissingColumnError(InputError, KeyError):
    """A required column is missing from a table."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidGeometryError(InputError):
    """Geometries are missing, empty, NaN or of the wrong type."""


class NetworkError(InputError):
    """A road network cannot be read or has nothing to route on."""


class EmptyNetworkError(NetworkError, EmptyInputError):
    """A road layer or graph has no rows, nodes or edges (both a :class:`NetworkError` and an
    :class:`EmptyInputError`)."""


class EdgeLengthError(NetworkError):
    """Edge lengths are in the wrong unit or otherwise unusable."""


class OffNetworkError(InputError):
    """Every point lies farther than ``max_snap_m`` from the network."""


class ProfileError(HealthcovError, ValueError):
    """A rule profile is unknown or malformed."""


class DatabaseError(InputError):
    """A database cannot be reached, logged in to or written as asked."""


class DatabaseConnectionError(DatabaseError):
    """The PostgreSQL server cannot be reached (wrong host or port, server down, database missing)."""


class DatabaseAuthError(DatabaseConnectionError):
    """The server refused the user name or password."""


class MissingExtraError(HealthcovError, ImportError):
    """An optional dependency group (an "extra") is not installed."""


class HealthcovWarning(UserWarning):
    """Base class of every warning issued by healthcov."""


class AssumedCRSWarning(HealthcovWarning):
    """A CRS was missing and one was assumed from the coordinates."""


class OffNetworkWarning(HealthcovWarning):
    """Some points lie farther than ``max_snap_m`` from the network and are not routed."""


class GeometryConvertedWarning(HealthcovWarning):
    """Geometries were converted (e.g. polygons to representative points)."""


class CoordinateSystemWarning(HealthcovWarning):
    """The coordinates look like a Chinese offset system (GCJ-02/BD-09) or another mix-up."""


class DisconnectedRoadsWarning(HealthcovWarning):
    """Roads outside the largest strongly connected component were dropped (km and share given)."""


class IslandSnapWarning(DisconnectedRoadsWarning):
    """Points lie nearer to dropped road islands than to the kept network and snap far away."""


class UnknownRoadClassWarning(HealthcovWarning):
    """Road classes not in the mode's speed table were given the mode's fallback speed."""


class EdgeLengthWarning(HealthcovWarning):
    """Some edge lengths contradicted their geometry and were recomputed from it."""


class TextEncodingWarning(HealthcovWarning):
    """A file's text was not UTF-8 (or came back garbled) and was read as GB18030 instead."""


class ClippedExtractWarning(HealthcovWarning):
    """Ways of an OSM extract use nodes the file lacks: they were cut where the nodes are missing."""


class RoadLinesDroppedWarning(HealthcovWarning):
    """Rows of a road line layer that carry no road of their own (exact duplicates, zero-length lines) were
    left out; their count and km are given."""


def describe_ids(ids, limit: int = 5) -> str:  # type: ignore[no-untyped-def]
    """Format up to ``limit`` ids for a message: ``'a', 'b', … (12 in all)``."""
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f", … ({len(ids)} in all)"
    return shown
