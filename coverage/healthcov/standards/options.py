"""The options of an assessment, as one frozen value (:class:`AssessOptions`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

__all__ = ["AssessOptions", "DEFAULT_CIRCLE_MODES"]

DEFAULT_CIRCLE_MODES = {"urban": "walk", "rural": "drive"}


def _checked_circle_modes(circle_modes: Mapping[str, str] | None) -> dict[str, str]:
    """``circle_modes`` resolved (default walk in urban areas, drive in rural ones) and checked."""
    from ..network.modes import MODES

    out = dict(circle_modes or DEFAULT_CIRCLE_MODES)
    bad_keys = sorted(str(k) for k in out if k not in ("urban", "rural", "none"))
    bad_modes = sorted({str(v) for v in out.values() if v not in MODES})
    if bad_keys or bad_modes:
        msg = (
            f"circle_modes: unknown area classes {bad_keys} / travel modes {bad_modes}: map the classes "
            f"'urban', 'rural' (and 'none') to one of the modes {sorted(MODES)}, e.g. {DEFAULT_CIRCLE_MODES}"
        )
        raise InputError(msg)
    return {str(k): str(v) for k, v in out.items()}


@dataclass(frozen=True)
class AssessOptions:
    """Everything :func:`healthcov.assess` takes besides its data; see its docstring for each option.

    ``AssessOptions(**kw)`` validates the values; :meth:`from_kwargs` also names unknown options.
    ``circle_modes`` is stored resolved (default: walk in urban areas, drive in rural ones).

    Options on missing data, coverage and sensitivity (issue 10):

    ``complete_types``
        Facility types for which the input is declared complete: a rule none of whose facilities
        are in the data is then a real ``fail``. Otherwise (default) such a row is
        ``not_assessed`` ("no ems_station in the input data"). ``("*",)`` declares every type.
    ``data_coverage_min``
        Below this share of an area's residents reached by the network (``data_coverage``) a row
        is flagged ``partial_data`` (default 0.90).
    ``statistics``
        Area-level resources keyed by ``area_code`` (``beds``, ``doctors``, ``nurses``,
        ``ambulances``…, see :func:`healthcov.read_statistics`): they feed ratio rules whose
        resource the facility table lacks.
    ``jurisdiction``
        The name of jurisdiction-wide rows (default: the profile's city when the areas are exactly
        its units, else "全部区域 / all areas").
    ``peak_speed_factor``
        Peak-hour speed as a share of free-flow speed for the response-time sensitivity table
        (default 0.7, an analyst assumption: no plan gives one); verdicts use free-flow times.
    ``sensitivity_delays_min``
        The activation delays of the sensitivity table (default 3 and 5 minutes).
    ``allow_overlap``
        Accept areas that overlap (a city polygon beside its districts); by default they are an
        error, since their residents would be counted twice.

    Examples
    --------
    >>> o = AssessOptions(target_share=0.9)
    >>> o.target_share, o.circle_modes
    (0.9, {'urban': 'walk', 'rural': 'drive'})
    >>> AssessOptions.from_kwargs(target_shar=0.9)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    healthcov.errors.InputError: unknown option(s) ['target_shar']: the options of assess are ...
    """

    type_column: str | None = None
    class_column: str | None = None
    circle_modes: Mapping[str, str] | None = None
    activation_delay_min: float = 3.0
    target_share: float = 0.95
    partial_share: float = 0.80
    radius_metric: str = "network"
    cross_boundary: bool = True
    statuses: Sequence[str] | None = None
    strictest: bool = True
    rules: Sequence[str] | None = None
    max_snap_m: float | None = None
    on_missing: str = "warn"
    ems_include_hospital_emergency: bool = False
    complete_types: Sequence[str] | None = None
    data_coverage_min: float = 0.90
    statistics: Any = field(default=None, compare=False, repr=False)
    jurisdiction: str | None = None
    peak_speed_factor: float = 0.7
    sensitivity_delays_min: Sequence[float] = (3.0, 5.0)
    allow_overlap: bool = False

    def __post_init__(self) -> None:
        if self.on_missing not in ("warn", "raise", "ignore"):
            msg = f"on_missing must be 'warn', 'raise' or 'ignore', got {self.on_missing!r}"
            raise InputError(msg)
        if self.radius_metric not in ("network", "straight"):
            msg = f"radius_metric must be 'network' or 'straight', got {self.radius_metric!r}"
            raise InputError(msg)
        for name in ("target_share", "partial_share"):
            v = getattr(self, name)
            if not 0 < float(v) <= 1:
                msg = f"{name} must be in (0, 1], got {v!r}"
                raise InputError(msg)
        if self.partial_share > self.target_share:
            msg = f"partial_share ({self.partial_share}) must not exceed target_share ({self.target_share})"
            raise InputError(msg)
        if not self.activation_delay_min >= 0:
            msg = f"activation_delay_min must be zero or positive, got {self.activation_delay_min!r}"
            raise InputError(msg)
        self._check_new_options()
        set_ = object.__setattr__
        set_(self, "circle_modes", _checked_circle_modes(self.circle_modes))
        if self.rules is not None:
            set_(self, "rules", tuple(self.rules))
        if self.statuses is not None:
            set_(self, "statuses", tuple(self.statuses))

    def _check_new_options(self) -> None:
        """Validation of the options added for issue 10 (missing data, coverage, statistics, sensitivity)."""
        if not 0 < float(self.data_coverage_min) <= 1:
            msg = f"data_coverage_min must be in (0, 1], got {self.data_coverage_min!r}"
            raise InputError(msg)
        if not 0 < float(self.peak_speed_factor) <= 1:
            msg = f"peak_speed_factor must be in (0, 1] (peak speed / free-flow speed), got {self.peak_speed_factor!r}"
            raise InputError(msg)
        delays = tuple(float(d) for d in self.sensitivity_delays_min)
        if not delays or any(not d >= 0 for d in delays):
            msg = f"sensitivity_delays_min must be minutes >= 0, e.g. (3, 5); got {self.sensitivity_delays_min!r}"
            raise InputError(msg)
        object.__setattr__(self, "sensitivity_delays_min", delays)
        if self.complete_types is not None:
            if isinstance(self.complete_types, str):
                object.__setattr__(self, "complete_types", (self.complete_types,))
            object.__setattr__(self, "complete_types", tuple(str(t) for t in self.complete_types))
        if self.jurisdiction is not None and not str(self.jurisdiction).strip():
            msg = "jurisdiction must be a name (e.g. '上海市中心城区') or None"
            raise InputError(msg)
        if self.statistics is not None:
            import pandas as pd

            if not isinstance(self.statistics, pd.DataFrame) or "area_code" not in self.statistics.columns:
                msg = (
                    "statistics must be a table with an 'area_code' column and resource columns "
                    "(beds, doctors, nurses, ambulances…): read it with healthcov.read_statistics(path)"
                )
                raise InputError(msg)

    @classmethod
    def names(cls) -> list[str]:
        """The option names, in order."""
        return [f.name for f in dataclasses.fields(cls) if f.init]

    @classmethod
    def from_kwargs(cls, base: AssessOptions | None = None, **kwargs: Any) -> AssessOptions:
        """Options from keyword arguments (on top of ``base``); an unknown name is an error naming it."""
        bad = sorted(set(kwargs) - set(cls.names()))
        if bad:
            msg = f"unknown option(s) {bad}: the options of assess are {', '.join(cls.names())}"
            raise InputError(msg)
        if base is None:
            return cls(**kwargs)
        return dataclasses.replace(base, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        """The options as keyword arguments of :func:`healthcov.assess`."""
        return {name: getattr(self, name) for name in self.names()}
