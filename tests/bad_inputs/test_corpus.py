"""The bad-input corpus as three tables (error / warning / correct), one test per outcome class.

Each row is a :class:`bad_inputs.corpus.Case`: id, input, expected outcome, why. Cases whose
current behaviour differs are strict xfails naming what happens now and the file that must change.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import healthcov as hc
from bad_inputs import (
    cases_api,
    cases_assess,
    cases_cli,
    cases_more,
    cases_network,
    cases_outputs,
    cases_population,
    cases_readers,
)
from bad_inputs.corpus import CORRECT, ERROR, WARNING, Case, CliResult

ALL: list[Case] = [
    *cases_readers.CASES,
    *cases_population.CASES,
    *cases_network.CASES,
    *cases_api.CASES,
    *cases_assess.CASES,
    *cases_outputs.CASES,
    *cases_cli.CASES,
    *cases_more.CASES,
]


def _table(expect: str) -> list:
    return [c.param() for c in ALL if c.expect == expect]


def test_the_corpus_is_a_table():
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(ALL) >= 200
    for c in ALL:
        assert c.expect in (ERROR, WARNING, CORRECT) and c.input, c.id
        assert (c.now is None) == (c.owner is None), f"{c.id}: an xfail names what happens now and its fix owner"
        assert c.expect != ERROR or c.match, f"{c.id}: an error case names a keyword of the input"
        assert c.expect != CORRECT or c.check is not None, c.id


def _cli_error(res: CliResult, case: Case) -> None:
    assert res.code == 2, f"exit code {res.code}, stderr: {res.err[-300:]!r}"
    # argparse's own errors print the usage first: that is its standard form, not a second message
    # progress lines ("[  1.2 s] reading …") come before the message: one error message, no traceback
    lines = [x for x in res.err.splitlines() if x.strip() and not x.startswith(("usage:", " ", "["))]
    assert "Traceback" not in res.err
    assert len(lines) == 1, f"one message on stderr, got {len(lines)}: {res.err[-300:]!r}"
    for k in case.match:
        assert k.lower() in res.err.lower(), f"{k!r} not in {res.err!r}"


def _verify(case: Case, result) -> None:
    assert case.check is not None
    verdict = case.check(result)
    assert verdict is None or (isinstance(verdict, bool | np.bool_) and verdict), (
        f"{case.id}: the check fails on {str(result)[:300]!r}"
    )


@pytest.mark.parametrize("case", _table(ERROR))
def test_error(case: Case, tmp_path):
    if case.cli:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = case.run(tmp_path)
        _cli_error(res, case)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the error is what is checked here
        with pytest.raises(case.exc) as info:
            case.run(tmp_path)
    msg = str(info.value)
    assert isinstance(info.value, hc.HealthcovError)
    for k in case.match:
        assert k.lower() in msg.lower(), f"{k!r} not in the message {msg!r}"


@pytest.mark.parametrize("case", _table(WARNING))
def test_warning(case: Case, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = case.run(tmp_path)
    if case.flag is not None:
        _verify(case, result)
        return
    hits = [w for w in caught if issubclass(w.category, case.exc)]
    got = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert hits, f"no {case.exc.__name__}; warnings issued: {got}"
    text = " | ".join(str(w.message).lower() for w in hits)
    for k in case.match:
        assert k.lower() in text, f"{k!r} not in {text!r}"
    if case.check is not None:
        _verify(case, result)


@pytest.mark.parametrize("case", _table(CORRECT))
def test_correct(case: Case, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are the warning table's business
        result = case.run(tmp_path)
    _verify(case, result)


def test_reliability_doc_is_current():
    from bad_inputs.reliability_table import current_doc, generated

    assert current_doc() == generated(ALL).strip(), (
        "docs/reliability.md is out of date: run "
        "`PYTHONPATH=coverage:tests python tests/bad_inputs/reliability_table.py --write`"
    )
