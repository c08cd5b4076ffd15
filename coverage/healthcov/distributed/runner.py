"""The client's side of a partitioned run: checks, the client's own part, one spec per area, and the merge."""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj

from ..crs import local_utm
from ..errors import HealthcovWarning, InputError, OffNetworkWarning, describe_ids
from ..io.population import read_areas
from ..network.modes import MODES, get_mode
from ..standards import NETWORK_KINDS, Assessment, AssessOptions, assess, selected_rules
from ..standards.profiles import Profile, load_profile
from .buffers import network_sources, partition_buffers
from .common import FAC, NETWORK_KWARGS, ROW, PartitionFailedWarning, format_error
from .execute import execute
from .merge import merge

log = logging.getLogger(__name__)

__all__ = ["assess_partitioned"]


def _check_args(workers: Any, client: Any, scheduler: Any, modes: Sequence[str], nk: dict[str, Any]) -> list[str]:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0):
        msg = f"workers must be a whole number ≥ 0 (0: in this process, without Dask), got {workers!r}"
        raise InputError(msg)
    if client is not None and (scheduler is not None or workers is not None):
        msg = "give client=, or scheduler= (with workers= to wait for that many), or workers=; not several"
        raise InputError(msg)
    names = list(dict.fromkeys(get_mode(m).name for m in modes))
    if not names:
        msg = "modes must name at least one network (walk, drive, ambulance, bike, ebike)"
        raise InputError(msg)
    bad = sorted(set(nk) - set(NETWORK_KWARGS))
    if bad:
        msg = f"unknown network_kwargs {bad}: use the options of read_network ({', '.join(NETWORK_KWARGS)})"
        raise InputError(msg)
    return names


def _metric_areas(areas: Any, to_crs: Any) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """The areas in one metric CRS shared by the client and every task."""
    ar = read_areas(areas) if not isinstance(areas, gpd.GeoDataFrame) or "area_code" not in areas.columns else areas
    if ar.crs is None:
        msg = "areas have no CRS: set one (e.g. .set_crs(4326)) or read them with read_areas"
        raise InputError(msg)
    dst = pyproj.CRS.from_user_input(to_crs) if to_crs is not None else local_utm(ar)
    if dst.is_geographic:
        msg = f"network_kwargs to_crs={to_crs!r} is geographic (degrees): pass a metric CRS such as 'EPSG:32651'"
        raise InputError(msg)
    return ar.to_crs(dst.to_string()).reset_index(drop=True), dst


def _client_run(
    facilities: Any, population: Any, ar: gpd.GeoDataFrame, prof: Profile, opts: AssessOptions, dst: pyproj.CRS
) -> Assessment:
    """What needs no network, with the engine itself: areas (population, class), population points → areas,
    facility types and statuses, and the ratio and count rules."""
    dem = population
    if isinstance(population, gpd.GeoDataFrame):
        dem = population.reset_index(drop=True)
        dem[ROW] = np.arange(len(dem), dtype=np.int64)
    fac = facilities
    if isinstance(facilities, gpd.GeoDataFrame):
        fac = facilities.copy()
        fac[FAC] = np.arange(len(fac), dtype=np.int64)
    base = assess(None, fac, dem, ar, prof, options=opts, on_missing="ignore")
    if base.areas.crs != dst:
        crs = dst.to_string()
        base.areas, base.demand, base.facilities = (f.to_crs(crs) for f in (base.areas, base.demand, base.facilities))
    return base


def _buffers(buffer_m: Any, default: dict[str, float], modes: Sequence[str]) -> dict[str, float]:
    if buffer_m is None:
        buffers = default
    elif isinstance(buffer_m, Mapping):
        extra = sorted(set(buffer_m) - set(modes))
        if extra:
            msg = f"buffer_m has modes {extra} that are not in modes={list(modes)}"
            raise InputError(msg)
        buffers = {m: float(buffer_m.get(m, default[m])) for m in modes}
    else:
        buffers = dict.fromkeys(modes, float(buffer_m))
    if not all(b >= 0 and math.isfinite(b) for b in buffers.values()):
        msg = f"buffer_m must be zero or positive metres, got {buffer_m!r}"
        raise InputError(msg)
    return buffers


def _task_options(opts: AssessOptions, base: Assessment, spatial: list[str]) -> AssessOptions:
    """The tasks' options: the network rules only, facilities already typed, statuses already chosen."""
    statuses = list(base.assumptions["statuses"]) if "status" in base.facilities.columns else None
    return AssessOptions.from_kwargs(opts, type_column=None, rules=spatial, on_missing="ignore", statuses=statuses)


def _profile_ref(profile: Any, prof: Profile) -> Any:
    """What a task loads the profile from: a shipped id, the path of a TOML file, or the profile itself."""
    if isinstance(profile, (str, os.PathLike)) and Path(os.fspath(profile)).is_file():
        return str(Path(os.fspath(profile)).resolve())
    return profile if isinstance(profile, str) else prof


def _specs(
    ar: gpd.GeoDataFrame, base: Assessment, common: dict[str, Any], sources: dict[str, Any]
) -> list[dict[str, Any]]:
    rule_ids = {r.id for r in base.profile.rules}
    added = {"area_code", "area_class", *rule_ids, *(f"{r}:covered" for r in rule_ids)}
    point_cols = [c for c in base.demand.columns if c not in added]  # the population's own columns, and ROW
    codes = base.demand["area_code"]
    specs = []
    for i in range(len(ar)):
        code = ar["area_code"].iloc[i]
        specs.append(
            {
                "area_code": code,
                "area_name": str(ar["area_name"].iloc[i]),
                "area": ar.iloc[[i]],
                "population": base.demand.loc[(codes == code).to_numpy(), point_cols],
                "sources": sources[str(code)],
                **common,
            }
        )
    return specs


def assess_partitioned(
    network: str | os.PathLike[str] | Mapping[str, Any],
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | Any,
    profile: str | Profile = "zhejiang",
    *,
    modes: Sequence[str] = ("walk", "drive", "ambulance"),
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    buffer_m: float | Mapping[str, float] | None = None,
    network_kwargs: Mapping[str, Any] | None = None,
    progress: bool = True,
    **assess_kwargs: Any,
) -> Assessment:
    """Assess every area like :func:`healthcov.assess`, one Dask task per area.

    Parameters
    ----------
    network
        Where each task reads its roads (the client never does):

        - one file (``"zhejiang.osm.pbf"``, ``.graphml``, ``.gpkg`` …): every task reads it and
          keeps the roads within its area + buffer (simple; each task reads the whole file);
        - a path template such as ``"/shared/roads/{area_code}.graphml"`` (``{area_name}`` and
          ``{mode}`` may be used too), or a mapping ``{area_code: path}`` (or
          ``{area_code: {mode: path}}``): one file per area, already cut to the area plus the
          buffer (see :func:`partition_buffers`), on storage every worker can read. This is the
          layout for a province: no process ever holds the whole network;
        - a mapping ``{mode: path}``: one whole-network file per mode.
    facilities, population, areas, profile
        As for :func:`healthcov.assess`; ``population`` must be points (a raster read with
        :func:`healthcov.read_population`, or polygons spread with
        :func:`healthcov.spread_population` beforehand).
    modes
        The networks each task builds from its file (default walk, drive and ambulance).
    client, scheduler, workers
        Where to run: a ``distributed.Client``; or the address of a running Dask scheduler
        (``"tcp://10.0.0.5:8786"``; with ``workers``, wait until that many workers joined); or
        ``workers=N`` to start a ``LocalCluster`` of N single-threaded worker processes for this
        run. ``workers=0`` runs the partitions one after another in this process, without Dask.
        With none of them: the current default Dask client, else a LocalCluster with one worker
        per CPU.
    buffer_m
        Metres of road kept around each area, one number or one per mode. Default: per mode,
        the largest threshold the rules use it for at the mode's top speed, plus its snapping
        limit (see :func:`partition_buffers`). A task widens its buffer when a threshold or a
        time it found needs more (as far as its file reaches), so results match the
        single-machine run; what it used is in ``assumptions["execution"]``.
    network_kwargs
        Passed to :func:`healthcov.read_network` in every task (``speeds``, ``congestion``,
        ``to_crs`` …). Default CRS: the UTM zone of the areas.
    progress
        Print the Dask dashboard link and show a progress bar over the partitions
        (``HEALTHCOV_PROGRESS=0`` turns them off too).
    **assess_kwargs
        The options of :func:`healthcov.assess` (``circle_modes``, ``activation_delay_min``,
        ``cross_boundary``, ``rules`` …), or ``options=AssessOptions(...)``.

    Returns
    -------
    Assessment
        What :func:`healthcov.assess` returns for the same inputs, with ``networks`` empty (the
        graphs stay on the workers). ``assumptions["execution"]`` says how the run was executed
        (scheduler, dashboard, workers, partitions, buffers, and per partition its worker,
        seconds, peak memory and network size); ``assumptions["failed_partitions"]`` names every
        partition that failed with its error, and a :class:`PartitionFailedWarning` is issued.
        A failed partition's areas keep all their rows: the network rules (circles, radii,
        response times) say ``not_assessed`` with the error in the note, the ratio and count
        rules (which need no network) are assessed as usual, and city-wide response times say
        ``not_assessed`` (their values cover the other areas). When every partition fails, the
        first error is raised. Facilities farther than the buffer from every area have no
        snapping columns (``<NA>``): no task saw the roads near them.

    Examples
    --------
    Two districts on a 4 km road; the clinic is in 乙镇, 1 km beyond the border of 甲街道:

    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> x0, y0 = 500_000.0, 3_300_000.0
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> roads = gpd.GeoDataFrame(
    ...     {"highway": ["residential"] * 4},
    ...     geometry=[shapely.LineString([(x0 + 1000 * i, y0), (x0 + 1000 * (i + 1), y0)]) for i in range(4)],
    ...     crs=32651,
    ... )
    >>> roads.to_file(folder / "roads.gpkg")
    >>> boxes = [shapely.box(x0 - 500, y0 - 500, x0 + 2500, y0 + 500),
    ...          shapely.box(x0 + 2500, y0 - 500, x0 + 4500, y0 + 500)]
    >>> areas = gpd.GeoDataFrame({"area_name": ["甲街道", "乙镇"], "area_code": ["A", "B"]}, geometry=boxes, crs=32651)
    >>> homes = shapely.points([(x0 + 1000 * i, y0) for i in range(5)])
    >>> people = gpd.GeoDataFrame({"pop": [100.0] * 5}, geometry=homes, crs=32651)
    >>> clinic = gpd.GeoDataFrame({"facility_type": ["chc"]}, geometry=[shapely.Point(x0 + 3000, y0)], crs=32651)
    >>> res = assess_partitioned(
    ...     folder / "roads.gpkg", clinic, people, areas, "zhejiang", rules=["access.basic_circle"],
    ...     workers=0, progress=False,
    ... )
    >>> res.table[["area_name", "share", "verdict"]]
      area_name     share verdict
    0       甲街道  0.333333    fail
    1        乙镇  1.000000    pass
    >>> res.assumptions["execution"]["buffer_m"]
    {'walk': 2000.0, 'drive': 27666.666667, 'ambulance': 1000.0}
    """
    t0 = time.perf_counter()
    opts = AssessOptions.from_kwargs(assess_kwargs.pop("options", None), **assess_kwargs)
    nk = dict(network_kwargs or {})
    modes = _check_args(workers, client, scheduler, modes, nk)
    prof = load_profile(profile)
    ar, dst = _metric_areas(areas, nk.pop("to_crs", None))
    base = _client_run(facilities, population, ar, prof, opts, dst)
    spatial = [r.id for r in selected_rules(prof, opts.rules) if r.kind in NETWORK_KINDS]
    default = partition_buffers(
        prof, modes=modes, circle_modes=opts.circle_modes, rules=spatial, max_snap_m=opts.max_snap_m, network_kwargs=nk
    )
    buffers = _buffers(buffer_m, default, modes)
    sources, complete, described = network_sources(network, ar, modes)
    common = {
        "complete": complete,
        "crs": dst.to_string(),
        "network_kwargs": nk,
        "buffers": buffers,
        "profile": _profile_ref(profile, prof),
        "rules": spatial,
        "options": _task_options(opts, base, spatial),
    }
    specs = _specs(ar, base, common, sources)
    info: dict[str, Any] = {"network": described, "buffer_m": buffers}
    info["buffer_rule"] = (
        "given (buffer_m)"
        if buffer_m is not None
        else "per mode: largest threshold × the mode's top speed, or the largest radius, + the snapping limit"
    )
    if spatial:
        log.info("%d partitions; buffer %s; network %s", len(specs), buffers, described)
        results, failures, how = execute(
            specs, base.facilities, client=client, scheduler=scheduler, workers=workers, progress=progress
        )
    else:  # ratio and count rules only: nothing needs a network
        results, failures, how = {}, {}, {"engine": "no partitions (no rule needs a road network)"}
    info = {**how, **info}
    _report_failures(specs, results, failures)
    reissue(results, specs)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    out = merge(base=base, specs=specs, results=results, failures=failures, options=opts, modes=modes, info=info)
    warn_off_network(out.facilities, modes, opts.max_snap_m)
    return out


def _report_failures(
    specs: list[dict[str, Any]], results: dict[int, Any], failures: dict[int, tuple[BaseException, str]]
) -> None:
    for i, (exc, _tb) in sorted(failures.items()):
        warnings.warn(
            f"partition {specs[i]['area_code']} ({specs[i]['area_name']}) failed: {format_error(exc)}; its "
            "network rules are marked not_assessed (see assumptions['failed_partitions'])",
            PartitionFailedWarning,
            stacklevel=3,
        )
    if failures and not results:
        exc = failures[min(failures)][0]
        exc.add_note(
            f"all {len(specs)} partitions failed: "
            + "; ".join(f"{specs[i]['area_name']}: {format_error(e)}" for i, (e, _) in sorted(failures.items()))
        )
        raise exc


def reissue(results: dict[int, dict[str, Any]], specs: list[dict[str, Any]]) -> None:
    """The tasks' own warnings, once each, naming the partitions.

    Left out: what the client reports for the whole run (plain HealthcovWarnings about types,
    empty areas and missing data) and facility snapping (reported merged, from the partitions
    where it is exact).
    """
    seen: dict[tuple[type[Warning], str], list[str]] = {}
    for i in sorted(results):
        for category, message in results[i]["warnings"]:
            if category is HealthcovWarning or issubclass(category, OffNetworkWarning):
                continue
            seen.setdefault((category, message), []).append(str(specs[i]["area_name"]))
    for (category, message), where in seen.items():
        warnings.warn(f"{', '.join(where)}: {message}", category, stacklevel=3)


def warn_off_network(fac: gpd.GeoDataFrame, modes: Sequence[str], max_snap_m: float | None) -> None:
    for m in modes:
        if f"on_network_{m}" not in fac.columns:
            continue
        on = fac[f"on_network_{m}"]
        known = on.notna().to_numpy()
        off = known & ~on.fillna(True).to_numpy(dtype=bool)
        if off.any() and not off[known].all():
            limit = MODES[m].max_snap_m if max_snap_m is None else max_snap_m
            warnings.warn(
                f"{int(off.sum())} of {int(known.sum())} facilities (on the {m} network) lie farther than "
                f"max_snap_m={limit:g} m from the network and are left out of routing (kept with on_network=False): "
                f"{describe_ids(list(fac.index[off]))}",
                OffNetworkWarning,
                stacklevel=3,
            )
