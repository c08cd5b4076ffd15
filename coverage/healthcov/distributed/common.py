"""Names shared by the client and the tasks of a partitioned run."""

from __future__ import annotations

from ..errors import HealthcovError, HealthcovWarning

__all__ = ["ROW", "FAC", "NETWORK_KWARGS", "MAX_ROUNDS", "PartitionFailedWarning", "PartitionError", "format_error"]

ROW = "_healthcov_row"  # original position of a population point, carried through the tasks
FAC = "_healthcov_facility"  # original position of a facility
NETWORK_KWARGS = (
    *("speeds", "congestion", "speed_factor", "use_maxspeed", "crs", "to_crs", "layer"),
    *("road_class", "oneway", "speed", "directed", "largest_component"),
)
MAX_ROUNDS = 12


class PartitionFailedWarning(HealthcovWarning):
    """A partition (area) failed; its rows say ``not_assessed`` and carry the error."""


class PartitionError(HealthcovError):
    """A partition's task raised an error of a kind that is not healthcov's (see ``error_type``)."""

    def __init__(self, message: str, error_type: str = "") -> None:
        super().__init__(message)
        self.error_type = error_type or type(self).__name__


def format_error(exc: BaseException) -> str:
    """``ErrorType: message`` of a partition's error."""
    return f"{getattr(exc, 'error_type', type(exc).__name__)}: {exc}"
