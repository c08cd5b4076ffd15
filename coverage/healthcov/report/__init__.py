"""Maps and reports: rendering only, no analysis."""

from .maps import explore_isochrones

__all__ = ["explore_isochrones"]
