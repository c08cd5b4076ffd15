"""The command line (``healthcov.cli.main`` in process): exit 2 and one line on stderr for bad input, 1 for bugs.

The tiny world of bad_inputs.corpus written as files in lon/lat: roads.gpkg, fac.csv (CHC + ambulance
station at x = 0), pop.gpkg (5 points), areas.gpkg (甲街道 A, 乙镇 B), tinyville.toml.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import geopandas as gpd
import pandas as pd

import healthcov as hc
from bad_inputs.corpus import (
    CORRECT,
    Case,
    CliResult,
    cli,
    cli_err,
    csv_points,
    line,
    profile,
    roads,
    world_areas,
    world_fac,
    world_pop,
    write,
)

CLI = "cli.py"


def world_files(t: Path) -> dict[str, Path]:
    roads([line((1000.0 * i, 0), (1000.0 * (i + 1), 0)) for i in range(4)]).to_crs(4326).to_file(t / "roads.gpkg")
    world_pop().to_crs(4326).to_file(t / "pop.gpkg")
    world_areas().to_crs(4326).to_file(t / "areas.gpkg")
    return {
        "network": t / "roads.gpkg",
        "facilities": csv_points(t, world_fac(), "fac.csv"),
        "population": t / "pop.gpkg",
        "areas": t / "areas.gpkg",
        "profile": profile(t),
        "out": t / "report.html",
    }


def report_argv(t: Path, **over: object) -> list[str]:
    files: dict[str, object] = {**world_files(t), **over}
    argv = ["report", "--modes", "walk", "drive"]
    for k, v in files.items():
        if v is not None:
            argv += [f"--{k.replace('_', '-')}", str(v)]
    return argv


def iso_argv(t: Path, *extra: str, **over: object) -> list[str]:
    f = world_files(t)
    files = {"network": f["network"], "facilities": f["facilities"], "out": t / "iso.html", **over}
    argv = ["isochrones", "--mode", "drive", "--minutes", "3", "6"]
    for k, v in files.items():
        argv += [f"--{k}", str(v)]
    return [*argv, *extra]


def _report_ok(t: Path) -> tuple:
    res = cli(report_argv(t))
    csv = pd.read_csv(t / "report.csv", encoding="utf-8-sig").set_index(["rule_id", "area_code"])
    return res.code, float(csv.loc[("access.basic_circle", "A"), "share"]), (t / "report.gpkg").exists()


def _iso_ok(t: Path) -> tuple:
    res = cli(iso_argv(t))
    iso = gpd.read_file(t / "iso.gpkg", layer="isochrones")
    return res.code, iso["minutes"].tolist()


def _input_kept(t: Path, argv: list[str], keep: Path) -> str:
    """Run; then check that ``keep`` (an input) still holds what it held."""
    before = keep.read_bytes()
    res = cli(argv)
    assert keep.read_bytes() == before, f"the input {keep.name} was overwritten (exit {res.code})"
    return res


def _out_over_csv(t: Path):
    argv = report_argv(t, out=t / "fac.html")
    return _input_kept(t, argv, t / "fac.csv")


def _out_over_gpkg(t: Path):
    argv = report_argv(t, out=t / "areas.html")
    return _input_kept(t, argv, t / "areas.gpkg")


def _iso_over_gpkg(t: Path):
    f = world_files(t)
    gpd.read_file(f["network"]).iloc[:0]
    world_fac().to_crs(4326).to_file(t / "fac.gpkg")
    return _input_kept(t, iso_argv(t, facilities=t / "fac.gpkg", out=t / "fac.html"), t / "fac.gpkg")


def _report_into_folder(t: Path):
    (t / "report.html").mkdir()
    res = cli(report_argv(t))
    left = sorted(p.name for p in t.iterdir() if p.suffix in (".csv", ".gpkg") and p.stem == "report")
    assert not left, f"{left} written although the report path is a folder (exit {res.code})"
    return res


def _out_checked_first(t: Path):
    """Two problems: a missing network and an output path that is a folder; the output is checked first."""
    (t / "report.html").mkdir()
    return cli([str(a) for a in report_argv(t, network=t / "nope.gpkg")])


def _subprocess(t: Path) -> CliResult:
    """The real process: ``python -m healthcov.cli`` with the package this test imports."""
    paths = [str(Path(hc.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    argv = [sys.executable, "-m", "healthcov.cli", "profiles", "atlantis"]
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    return CliResult(p.returncode, p.stdout, p.stderr)


def _boom(*_a, **_k):
    raise RuntimeError("boom")


def _unexpected(t: Path, *flags: str):
    with mock.patch.dict("healthcov.cli.COMMANDS", {"profiles": _boom}):
        return cli([*flags, "profiles"])


def _no_traceback(r) -> bool:
    lines = [x for x in r.err.splitlines() if x.strip()]
    return r.code == 1 and len(lines) == 1 and "boom" in r.err and "Traceback" not in r.err


CASES = [
    Case(
        "cli-report-by-hand",
        "healthcov report on the tiny world",
        CORRECT,
        _report_ok,
        check=lambda r: r == (0, 0.5, True),
    ),
    Case(
        "cli-isochrones-by-hand",
        "healthcov isochrones --minutes 3 6",
        CORRECT,
        _iso_ok,
        check=lambda r: r == (0, [3.0, 6.0]),
    ),
    Case(
        "cli-profiles",
        "healthcov profiles zhejiang",
        CORRECT,
        lambda t: cli(["profiles", "zhejiang"]),
        check=lambda r: r.code == 0 and "zhejiang" in r.out,
    ),
    Case(
        "cli-unexpected-exit-1",
        "a bug inside a command (RuntimeError)",
        CORRECT,
        _unexpected,
        check=_no_traceback,
        why="a bug is exit 1 with one line; the traceback only with --debug",
    ),
    Case(
        "cli-debug-traceback",
        "--debug with a bug inside a command",
        CORRECT,
        lambda t: _unexpected(t, "--debug"),
        check=lambda r: r.code == 1 and "Traceback" in r.err,
    ),
    cli_err(
        "cli-report-out-overwrites-csv",
        "--out fac.html with --facilities fac.csv",
        _out_over_csv,
        "fac.csv",
        why="an output never overwrites an input (resolved paths compared)",
    ),
    cli_err(
        "cli-report-out-overwrites-gpkg",
        "--out areas.html with --areas areas.gpkg",
        _out_over_gpkg,
        "areas.gpkg",
    ),
    cli_err(
        "cli-isochrones-out-overwrites-gpkg",
        "--out fac.html with --facilities fac.gpkg",
        _iso_over_gpkg,
        "fac.gpkg",
    ),
    cli_err(
        "cli-report-out-is-folder",
        "--out report.html, an existing folder",
        _report_into_folder,
        "report.html",
    ),
    cli_err(
        "cli-report-out-checked-first",
        "--out report.html a folder and --network nope.gpkg",
        _out_checked_first,
        "report.html",
        why="outputs are validated before any computation",
    ),
    cli_err(
        "cli-subprocess-exit-2", "python -m healthcov.cli profiles atlantis (a real process)", _subprocess, "atlantis"
    ),
    cli_err(
        "cli-report-out-missing-folder",
        "--out in a folder that does not exist",
        lambda t: report_argv(t, out=t / "nowhere" / "r.html"),
        "nowhere",
    ),
    cli_err(
        "cli-report-out-not-html", "--out report.pdf", lambda t: report_argv(t, out=t / "report.pdf"), "report.pdf"
    ),
    cli_err(
        "cli-report-missing-network",
        "--network nope.gpkg",
        lambda t: report_argv(t, network=t / "nope.gpkg"),
        "nope.gpkg",
    ),
    cli_err(
        "cli-report-empty-facilities",
        "--facilities a 0-byte CSV",
        lambda t: report_argv(t, facilities=write(t, "empty.csv", "")),
        "empty.csv",
    ),
    cli_err(
        "cli-report-unknown-profile", "--profile atlantis", lambda t: report_argv(t, profile="atlantis"), "atlantis"
    ),
    cli_err("cli-report-bad-mode", "--modes fly", lambda t: [*report_argv(t), "--modes", "fly"], "fly"),
    cli_err(
        "cli-report-target-share",
        "--target-share 95",
        lambda t: [*report_argv(t), "--target-share", "95"],
        "target_share",
    ),
    cli_err(
        "cli-report-coord-system", "--coord-system utm", lambda t: [*report_argv(t), "--coord-system", "utm"], "utm"
    ),
    cli_err(
        "cli-report-area-pop-text",
        "areas with pop '20,000' as text",
        lambda t: report_argv(t, areas=_text_pop_areas(t)),
        "pop",
    ),
    cli_err("cli-report-negative-workers", "--workers -2", lambda t: [*report_argv(t), "--workers", "-2"], "workers"),
    cli_err("cli-isochrones-negative-minutes", "--minutes -5", lambda t: [*iso_argv(t), "--minutes", "-5"], "minutes"),
    cli_err(
        "cli-isochrones-text-minutes",
        "--minutes abc",
        lambda t: [*iso_argv(t), "--minutes", "abc"],
        "abc",
        why="argparse's own usage + error lines are its standard form",
    ),
    cli_err(
        "cli-isochrones-bad-direction",
        "--direction inbound",
        lambda t: iso_argv(t, "--direction", "inbound"),
        "inbound",
    ),
    cli_err(
        "cli-isochrones-missing-facilities",
        "--facilities nope.csv",
        lambda t: iso_argv(t, facilities=t / "nope.csv"),
        "nope.csv",
    ),
    cli_err(
        "cli-isochrones-bad-congestion", "--congestion rush", lambda t: iso_argv(t, "--congestion", "rush"), "rush"
    ),
    cli_err(
        "cli-isochrones-facilities-far",
        "a facility 100 km from the roads",
        lambda t: iso_argv(t, facilities=write(t, "far.csv", "lon,lat\n121.0,31.9\n")),
        "facilities",
    ),
    cli_err(
        "cli-demo-bad-mode", "healthcov demo --mode fly", lambda t: ["demo", "--mode", "fly", "--out", t / "d"], "fly"
    ),
    cli_err(
        "cli-demo-unknown-dataset",
        "healthcov demo --dataset atlantis",
        lambda t: ["demo", "--dataset", "atlantis", "--out", t / "d"],
        "atlantis",
    ),
    cli_err("cli-profiles-unknown", "healthcov profiles atlantis", lambda t: ["profiles", "atlantis"], "atlantis"),
    cli_err("cli-no-command", "healthcov (no command)", lambda t: [], "command"),
    cli_err("cli-unknown-command", "healthcov fly", lambda t: ["fly"], "fly"),
]


def _text_pop_areas(t: Path) -> Path:
    p = t / "areas_text.gpkg"
    world_areas(pop=["20,000", "900"]).to_crs(4326).to_file(p)
    return p
