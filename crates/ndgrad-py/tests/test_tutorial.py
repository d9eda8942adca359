"""The calls of a widely read np.gradient tutorial (data/tutorial_calls.json, the sample data
`ndgrad demo` prints): ndgrad equals NumPy run now and NumPy's recorded outputs."""

import json
from pathlib import Path

import numpy as np
import pytest

import ndgrad
from conftest import _bits, assert_same, check_against_numpy

CALLS = json.loads((Path(__file__).resolve().parents[3] / "data/tutorial_calls.json").read_text())["calls"]


def array(record):
    values = np.array(record["bits"], dtype=np.uint64).view(np.float64)
    return values.reshape(record.get("shape", values.shape)).astype(record["dtype"])


@pytest.mark.parametrize("call", CALLS, ids=[c["call"] for c in CALLS])
def test_tutorial_call_matches_numpy(call):
    f = array(call["f"])
    spacing = [array(s) for s in call["spacing"]]
    kwargs = {"axis": call["axis"], "edge_order": call["edge_order"]}
    check_against_numpy(f, *spacing, **kwargs)
    got = ndgrad.gradient(f, *spacing, **kwargs)
    got = got if isinstance(got, tuple) else (got,)
    recorded = [np.array(r["bits"], dtype=np.uint64).view(np.float64).reshape(r["shape"]) for r in call["numpy"]]
    assert all(np.array_equal(_bits(g), _bits(r)) for g, r in zip(got, recorded))


def test_known_corrections_to_the_tutorial():
    a = np.array
    np.testing.assert_array_equal(ndgrad.gradient(a([1, 4, 9, 16, 25]), edge_order=2), [2, 4, 6, 8, 10])
    np.testing.assert_allclose(ndgrad.gradient(a([1, 4, 9, 16]), a([0, 1, 3, 6])),
                               [3, 2.8333333333333335, 2.4333333333333336, 2.3333333333333335])
    gy, gx = ndgrad.gradient(a([[0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    np.testing.assert_array_equal(gx, [[0, 0, 0], [1, 0, -1], [0, 0, 0]])
    np.testing.assert_array_equal(ndgrad.gradient(a([1, 2, np.nan, 4, 5])), [1, np.nan, 1, np.nan, 1])
    f = a([1, 4, 9, 16, 25])
    assert_same(ndgrad.gradient(ndgrad.gradient(f)), np.gradient(np.gradient(f)))
