"""Exact maximal covering as a mixed-integer programme: HiGHS (``highspy``) or CBC through PuLP."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .model import Problem

__all__ = ["MipResult", "solve_mip"]


@dataclass
class MipResult:
    sites: list[int] | None  # None: no feasible solution found
    status: str
    optimal: bool
    bound: float  # dual bound (max: upper bound on the objective; min: lower bound); nan if unknown
    method: str


def _highs_solve(P: Problem, *, k: int, start: list[int], time_limit_s: float) -> MipResult:
    """Maximal covering with HiGHS.

    Variables: x_j ∈ {0, 1} (build site j), y_i ∈ [0, 1] (row i covered). Rows:
    y_i − Σ_{j ∈ N_i} x_j ≤ 0 and Σ x_j ≤ k; maximise Σ w_i y_i. y need not be integer: with
    integer x an optimum has y ∈ {0, 1}.
    """
    import highspy

    n_r, n_c = P.A.shape
    inf = highspy.kHighsInf
    M = sp.vstack(
        [
            sp.hstack([-P.A, sp.identity(n_r, format="csc")], format="csc"),
            sp.csc_matrix(np.concatenate([np.ones(n_c), np.zeros(n_r)])[None, :]),
        ],
        format="csc",
    )
    M.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_c + n_r
    lp.num_row_ = M.shape[0]
    lp.col_cost_ = np.concatenate([np.zeros(n_c), P.w])
    lp.col_lower_ = np.zeros(n_c + n_r)
    lp.col_upper_ = np.ones(n_c + n_r)
    lp.row_lower_ = np.full(n_r + 1, -inf)
    lp.row_upper_ = np.concatenate([np.zeros(n_r), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = M.indptr.astype(np.int32)
    lp.a_matrix_.index_ = M.indices.astype(np.int32)
    lp.a_matrix_.value_ = M.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_c + [highspy.HighsVarType.kContinuous] * n_r
    lp.sense_ = highspy.ObjSense.kMaximize
    h = _quiet_highs(highspy)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9 * max(P.coverable, 1e-300))
    h.setOptionValue("random_seed", 0)
    # HiGHS's MIP presolve spends most of its time on these models (dense columns) and removes
    # little that reduce_problem has not removed already
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    if start:
        x0 = np.zeros(n_c + n_r)
        x0[start] = 1.0
        x0[n_c:] = np.asarray(P.A[:, start].sum(axis=1)).ravel() > 0
        sol = highspy.HighsSolution()
        sol.col_value = x0.tolist()
        h.setSolution(sol)
    h.run()
    st = h.getModelStatus()
    info = h.getInfo()
    sites = None
    if int(info.primal_solution_status) == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value)[:n_c]
        sites = np.flatnonzero(x > 0.5).tolist()
    bound = float(info.mip_dual_bound)
    return MipResult(
        sites=sites,
        status=h.modelStatusToString(st),
        optimal=st == highspy.HighsModelStatus.kOptimal,
        bound=bound if math.isfinite(bound) else math.nan,
        method="mip-highs",
    )


def _cbc_solve(P: Problem, *, k: int, time_limit_s: float) -> MipResult:
    """The same model with CBC through PuLP (optional: ``pip install pulp``)."""
    try:
        import pulp
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "solver='cbc' needs PuLP: pip install pulp (or install healthcov's 'dev' extra), or use solver='highs'"
        raise ImportError(msg) from exc
    n_r, n_c = P.A.shape
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    # PuLP ≥ 3.3 attaches variables to the problem (and deprecates bare LpVariable(...))
    var = prob.add_variable if hasattr(prob, "add_variable") else pulp.LpVariable
    x = [var(f"x{j}", 0, 1, cat="Integer") for j in range(n_c)]
    y = [var(f"y{i}", 0, 1) for i in range(n_r)]
    prob += pulp.lpSum(float(P.w[i]) * y[i] for i in range(n_r))
    prob += pulp.lpSum(x) <= int(k)
    csr = P.A.tocsr()
    for i in range(n_r):
        prob += y[i] <= pulp.lpSum(x[j] for j in csr.indices[csr.indptr[i] : csr.indptr[i + 1]])
    opts = {"msg": False, "timeLimit": float(time_limit_s), "gapRel": 0.0, "gapAbs": 0.0}
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates its bundled CBC; PuLP 4 wants `pip install pulp[cbc]` and COIN_CMD
        warnings.simplefilter("ignore", DeprecationWarning)
        cmd = pulp.PULP_CBC_CMD(**opts) if hasattr(pulp, "PULP_CBC_CMD") else pulp.COIN_CMD(**opts)
    prob.solve(cmd)
    status = pulp.LpStatus[prob.status]
    optimal = prob.sol_status == pulp.LpSolutionOptimal
    sites = None
    if prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        sites = [j for j in range(n_c) if (x[j].value() or 0.0) > 0.5]
    value = pulp.value(prob.objective)
    return MipResult(
        sites=sites,
        status=status if optimal else f"{status} ({pulp.LpSolution.get(prob.sol_status, prob.sol_status)})",
        optimal=optimal,
        bound=float(value) if optimal and value is not None else math.nan,  # PuLP does not report CBC's bound
        method="mip-cbc",
    )


def solve_mip(P: Problem, *, k: int, start: list[int], solver: str, time_limit_s: float) -> MipResult:
    if solver == "cbc":
        return _cbc_solve(P, k=k, time_limit_s=time_limit_s)
    return _highs_solve(P, k=k, start=start, time_limit_s=time_limit_s)


def _quiet_highs(highspy: Any) -> Any:
    """A ``Highs`` instance that prints nothing: its licence banner goes to file descriptor 1 when
    the first instance of a process is made (not through Python's ``sys.stdout``), so that one
    construction runs with fd 1 pointed at the null device."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h
