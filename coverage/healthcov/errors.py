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


class OffNetworkError(InputError):
    """Every point lies farther than ``max_snap_m`` from the network."""


class ProfileError(HealthcovError, ValueError):
    """A rule profile is unknown or malformed."""


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


def describe_ids(ids, limit: int = 5) -> str:  # type: ignore[no-untyped-def]
    """Format up to ``limit`` ids for a message: ``'a', 'b', … (12 in all)``."""
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f", … ({len(ids)} in all)"
    return shown
