"""The options of an assessment, as one frozen value (:class:`AssessOptions`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

__all__ = ["AssessOptions", "DEFAULT_CIRCLE_MODES"]

DEFAULT_CIRCLE_MODES = {"urban": "walk", "rural": "drive"}


@dataclass(frozen=True)
class AssessOptions:
    """Everything :func:`healthcov.assess` takes besides its data; see its docstring for each option.

    ``AssessOptions(**kw)`` validates the values; :meth:`from_kwargs` also names unknown options.
    ``circle_modes`` is stored resolved (default: walk in urban areas, drive in rural ones).

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
        set_ = object.__setattr__
        set_(self, "circle_modes", dict(self.circle_modes or DEFAULT_CIRCLE_MODES))
        if self.rules is not None:
            set_(self, "rules", tuple(self.rules))
        if self.statuses is not None:
            set_(self, "statuses", tuple(self.statuses))

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
