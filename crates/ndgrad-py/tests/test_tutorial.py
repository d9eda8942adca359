"""The calls of a widely read np.gradient tutorial: NumPy's true outputs, not the tutorial's."""

import numpy as np
import pytest

import ndgrad
from conftest import assert_same, check_against_numpy

a = np.array
x5 = np.linspace(0, 1, 5)
CALLS = [
    ((a([1, 3, 6, 10, 15]),), {}),
    ((a([[1, 2, 3], [4, 5, 6]]),), {}),
    ((a([1, 4, 9, 16]), a([0, 1, 3, 6])), {}),
    ((a([[1, 2, 3], [4, 5, 6]]), a([1, 2]), a([0.5, 1, 2])), {}),
    ((a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),), {}),
    ((a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),), {"axis": 2}),
    ((a([1, 4, 9, 16, 25]),), {"edge_order": 2}),
    ((a([1, 2, np.nan, 4, 5]),), {}),
    ((x5 ** 2, x5), {}),
    ((a([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),), {}),
    ((a([4, 3, 2.5, 2.1, 2]),), {}),
    ((a([20, 22, 25, 24, 23]),), {}),
    ((np.gradient(a([1, 4, 9, 16, 25])),), {}),
    ((np.mean(np.lib.stride_tricks.sliding_window_view(a([1, 2.1, 2.9, 4.2, 5]), 3), axis=-1),), {}),
]


@pytest.mark.parametrize("args,kwargs", CALLS)
def test_tutorial_call_matches_numpy(args, kwargs):
    check_against_numpy(*args, **kwargs)


def test_known_corrections_to_the_tutorial():
    np.testing.assert_array_equal(ndgrad.gradient(a([1, 4, 9, 16, 25]), edge_order=2), [2, 4, 6, 8, 10])
    np.testing.assert_allclose(ndgrad.gradient(a([1, 4, 9, 16]), a([0, 1, 3, 6])),
                               [3, 2.8333333333333335, 2.4333333333333336, 2.3333333333333335])
    gy, gx = ndgrad.gradient(a([[0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    np.testing.assert_array_equal(gx, [[0, 0, 0], [1, 0, -1], [0, 0, 0]])
    np.testing.assert_array_equal(ndgrad.gradient(a([1, 2, np.nan, 4, 5])), [1, np.nan, 1, np.nan, 1])


def test_second_derivative_by_recursion():
    f = a([1, 4, 9, 16, 25])
    assert_same(ndgrad.gradient(ndgrad.gradient(f)), np.gradient(np.gradient(f)))
