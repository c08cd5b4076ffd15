"""Where to build next: candidate sites, coverage matrices and facility-siting models.

Three steps, each usable on its own, and one function that runs them for an assessment:

1. :func:`generate_candidates` proposes candidate sites (network nodes inside the uncovered
   areas, thinned to a minimum spacing, outside exclusion zones), or bring your own points.
2. :func:`candidate_coverage` builds the boolean demand × candidate coverage matrix on the road
   network, with one threshold per demand point, so urban cells (3.5 km) and rural cells (8 km)
   live in one model. :func:`straight_coverage` is the straight-line version.
3. :func:`solve_mclp` (maximal covering: the best ``k`` sites) and :func:`solve_lscp` (set
   covering: the fewest sites reaching a target share) choose among the candidates, with the
   existing facilities' coverage kept fixed. They solve an exact mixed-integer programme with
   HiGHS (``highspy``), or CBC through PuLP when asked, and fall back to the greedy heuristic for
   very large instances or when the MIP runs out of time; the result says which was used and
   how far from optimal it can be.

:func:`suggest_sites` does all three for one rule of an :class:`~healthcov.Assessment` and
re-assesses with the chosen sites added.

The models are the classic ones (Church & ReVelle 1974; Toregas et al. 1971), as in ``spopt``;
the coverage matrix is the only place distances enter, so per-demand thresholds cost nothing.

Modules: :mod:`~healthcov.siting.coverage` (matrices), :mod:`~healthcov.siting.candidates`,
:mod:`~healthcov.siting.model` (the reduced instance, greedy and swaps),
:mod:`~healthcov.siting.mip` (HiGHS / CBC), :mod:`~healthcov.siting.solvers` (MCLP, LSCP) and
:mod:`~healthcov.siting.suggest`.
"""

from __future__ import annotations

from .candidates import generate_candidates
from .coverage import candidate_coverage, straight_coverage
from .model import SiteSolution
from .solvers import MIP_MAX_NONZEROS, SOLVERS, solve_lscp, solve_mclp
from .suggest import SitePlan, suggest_sites

__all__ = [
    "candidate_coverage",
    "straight_coverage",
    "generate_candidates",
    "solve_mclp",
    "solve_lscp",
    "SiteSolution",
    "SOLVERS",
    "MIP_MAX_NONZEROS",
    "suggest_sites",
    "SitePlan",
]
