"""ndgrad's GPU path for dask arrays of CuPy chunks, without a GPU.

The fake ``cupy`` of ``test_cuda_dispatch`` holds the chunks (its "device" memory is host
memory); ``_native.cuda_launch_block`` is replaced by ``test_cuda_dispatch.BlockLaunches``,
a stand-in kernel that rebuilds each chunk and the neighbour samples the launch contract
promises from the raw pointer, byte strides, block shape and origin it is given, and writes
the whole array's ``numpy.gradient`` into the output through its pointer. Results are
compared with ``numpy.gradient`` of the whole host array, bit for bit.
"""

import itertools
from collections import Counter

import numpy as np
import pytest

import ndgrad
from ndgrad import _native
from conftest import Raised, assert_same, outcome
from test_cuda_dispatch import (  # noqa: F401 - fixtures
    ERROR_CASES,
    NO_PLAN,
    block_launches,
    cupy,
    host_of,
    launches,
    torch,
)

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import ndgrad.dask  # noqa: E402

if not hasattr(_native, "cuda_plan"):
    pytest.skip(NO_PLAN, allow_module_level=True)

ENTRY_POINTS = {"ndgrad.dask.gradient": ndgrad.dask.gradient, "ndgrad.gradient": ndgrad.gradient}


def chunked(cp, host, chunks, device=None, layout=None):
    """A dask array of fake-CuPy chunks holding `host` (each chunk uploaded by its task, on
    `device`, laid out in memory by `layout`)."""
    if device is None and layout is None:
        upload = cp.asarray
    else:
        def upload(block):
            block = np.array(block, copy=True) if layout is None else layout(block)
            return cp.ndarray(block, device=device)
    meta = cp.empty((0,) * host.ndim, dtype=host.dtype)
    return da.from_array(host, chunks=chunks).map_blocks(upload, meta=meta)


def normalized_axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def starts(chunks):
    return [np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int).tolist() for c in chunks]


def expected_calls(chunks, axes):
    """(k, origin on output k's axis, block shape) of every launch: one per block and axis."""
    first = starts(chunks)
    calls = Counter()
    for b in itertools.product(*[range(len(c)) for c in chunks]):
        shape = tuple(int(c[i]) for c, i in zip(chunks, b))
        for k, ax in enumerate(axes):
            calls[k, first[ax][b[ax]], shape] += 1
    return calls


def recorded_calls(block_launches):
    return Counter((c["k"], c["origin"], c["block_shape"]) for c in block_launches.calls)


def boundaries(chunks):
    return set(np.cumsum(chunks).tolist())


def check_chunks(got, x, axes, reach, whole=()):
    """Differentiated axes keep their chunks unless one is thinner than the stencil's reach
    (then neighbours are merged: every chunk at least `reach` long, cut only where `x` was),
    or they read ghost samples (`whole`: one chunk); other axes keep theirs."""
    for d, (out, given) in enumerate(zip(got, x.chunks)):
        assert sum(out) == sum(given)
        if d in whole:
            assert len(out) == 1, (d, out)
        elif d not in axes or all(c >= reach for c in given):
            assert out == given, (d, out, given)
        else:
            assert len(out) == 1 or all(c >= reach for c in out), (d, out, given)
            assert boundaries(out) <= boundaries(given), (d, out, given)


def compute(outs, scheduler="sync"):
    if isinstance(outs, tuple):
        return dask.compute(*outs, scheduler=scheduler)
    (result,) = dask.compute(outs, scheduler=scheduler)
    return result


def check(cp, block_launches, x, host, *varargs, host_varargs=None, via=ndgrad.dask.gradient,
          axis=None, edge_order=None, scheduler="sync", ext=None):
    """`via(x, ...)` is lazy, has fake-CuPy metas and computes `numpy.gradient(host, ...)`
    (with extension arguments `ext`: `ndgrad.gradient(host, ...)`) bit for bit with one
    launch per block and differentiated axis, each at its origin."""
    hv = varargs if host_varargs is None else host_varargs
    kwargs = {} if edge_order is None else dict(edge_order=edge_order)
    edge = 1 if edge_order is None else edge_order
    whole = set()
    block_launches.calls.clear()
    block_launches.expect = (host.shape, host.dtype, hv, edge)
    block_launches.ext = ext
    if ext is None:
        want = np.gradient(host, *hv, axis=axis, **kwargs)
        lazy = via(x, *varargs, axis=axis, **kwargs)
    else:
        want = ndgrad.gradient(host, *hv, axis=axis, **kwargs, **ext)
        # The plan's reach of each output, as the graph is built with it.
        seen, real = [], _native.plan_axes
        _native.plan_axes = lambda *a: seen.append(real(*a)) or seen[-1]
        try:
            lazy = via(x, *varargs, axis=axis, **kwargs, **ext)
        finally:
            _native.plan_axes = real
        (infos,) = seen
        block_launches.reach = [reach for _, reach, _, _, _ in infos]
        edge = max(1, *block_launches.reach)
        whole = {a for a, _, ghosts, _, _ in infos if sum(ghosts)}
    assert block_launches.calls == []  # nothing computed yet
    outs = lazy if isinstance(lazy, tuple) else (lazy,)
    assert isinstance(lazy, tuple) == isinstance(want, tuple)
    axes = normalized_axes(host.ndim, axis)
    assert len(outs) == len(axes)
    out_dtype = (want if isinstance(want, np.ndarray) else want[0]).dtype
    for o in outs:
        assert isinstance(o, da.Array)
        assert type(o._meta) is cp.ndarray and o._meta.dtype == out_dtype
        assert o.dtype == out_dtype and o.shape == host.shape
        assert o.chunks == outs[0].chunks
        check_chunks(o.chunks, x, axes, edge, whole)
    got = compute(lazy, scheduler)
    assert all(type(g) is cp.ndarray for g in (got if isinstance(got, tuple) else (got,)))
    assert_same(host_of(got), want)
    assert recorded_calls(block_launches) == expected_calls(outs[0].chunks, axes)
    for c in block_launches.calls:
        assert c["axis"] == axes[c["k"]]
        if "native" in c:
            assert c["native"] == ("nothing to launch" if 0 in c["block_shape"] else "launch")
    return outs


# --------------------------------------------------------------------------------------
# Values, launches and metas over chunkings, spacings, axes, edge orders and dtypes
# --------------------------------------------------------------------------------------

LAYOUTS = [
    # (shape, chunks)
    ((9,), 9),
    ((9,), 1),
    ((9,), 2),
    ((9,), ((4, 1, 1, 3),)),
    ((7, 8), (3, 2)),
    ((7, 8), ((1,) * 7, (5, 3))),
    ((7, 8), ((2, 4, 1), (1, 1, 6))),
    ((5, 6, 4), (2, 3, 1)),
    ((5, 6, 4), ((5,), (1, 2, 3), (3, 1))),
]


def spacings(rng, shape):
    """(varargs, axis) pairs: no spacing, one scalar, a scalar per axis, random uneven
    coordinates per axis, axis subsets with mixed forms."""
    ndim = len(shape)
    coords = [np.cumsum(rng.uniform(0.2, 2.0, n)) for n in shape]
    cases = [
        ((), None),
        ((0.5,), None),
        (tuple(0.5 + d for d in range(ndim)), None),
        (tuple(coords), None),
        ((coords[-1],), -1),
        ((1.5,), 0),
        # Integer coordinates, evenly spaced in places only (the whole axis decides).
        ((np.array([0, 1, 2, 3, 5, 6, 7, 8, 10, 11][: shape[0]]),), 0),
    ]
    if ndim >= 2:
        cases.append(((coords[-1], 0.25), (ndim - 1, 0)))
        cases.append(((), (ndim - 1, 0)))
    if ndim >= 3:
        cases.append(((coords[2], coords[0]), (2, 0)))
    return cases


def data(rng, shape, dtype):
    base = rng.standard_normal(shape) * 50
    if np.dtype(dtype).kind == "c":
        base = base + 1j * rng.standard_normal(shape)
    return base.astype(dtype)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int16", "complex128"])
@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_values_equal_numpys(cupy, launches, block_launches, rng, layout, dtype, edge_order):
    shape, chunks = LAYOUTS[layout]
    host = data(rng, shape, dtype)
    x = chunked(cupy, host, chunks)
    for varargs, axis in spacings(rng, shape):
        check(cupy, block_launches, x, host, *varargs, axis=axis, edge_order=edge_order)
    assert launches.calls == []  # no whole-array launch


@pytest.mark.parametrize("via", list(ENTRY_POINTS))
@pytest.mark.parametrize("edge_order", [None, 1, 2])
@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_entry_points_and_default_edge_order(cupy, launches, block_launches, rng, layout,
                                             edge_order, via):
    shape, chunks = LAYOUTS[layout]
    for dtype in ("float32", "int16"):
        host = data(rng, shape, dtype)
        x = chunked(cupy, host, chunks)
        for varargs, axis in spacings(rng, shape):
            check(cupy, block_launches, x, host, *varargs, via=ENTRY_POINTS[via], axis=axis,
                  edge_order=edge_order)
    assert launches.calls == []


def _reversed(b):
    """A copy with negative strides on every axis."""
    flipped = (slice(None, None, -1),) * b.ndim
    return np.array(b[flipped], copy=True)[flipped]


def _every_other(b):
    """A copy that is a strided view (every other element of a larger array, on axis 0)."""
    big = np.zeros((2 * b.shape[0],) + b.shape[1:], b.dtype)
    big[::2] = b
    return big[::2]


CHUNK_LAYOUTS = {
    "F": np.asfortranarray,
    "reversed": _reversed,
    "every other row": _every_other,
    "transposed copy": lambda b: np.array(b.T, copy=True).T,
}


@pytest.mark.parametrize("chunks", [(2, 3), ((6,), (3, 4)), ((2, 4), (7,)), ((6,), (7,))])
@pytest.mark.parametrize("name", list(CHUNK_LAYOUTS))
def test_chunk_layouts_arrive_intact(cupy, block_launches, rng, name, chunks):
    host = rng.standard_normal((6, 7))
    x = chunked(cupy, host, chunks, layout=CHUNK_LAYOUTS[name])
    coords = np.cumsum(rng.uniform(0.5, 1.5, 7))
    for edge_order in (1, 2):
        check(cupy, block_launches, x, host, 0.5, coords, edge_order=edge_order)
    # A chunk that holds a whole axis is read in place, with its own strides (the last
    # check's launches: one per block and axis).
    whole = [c for c in block_launches.calls
             if c["block_shape"][c["axis"]] == host.shape[c["axis"]]]
    counts = [len(c) for c in x.chunks]
    assert len(whole) == sum(counts[0] * counts[1] for n in counts if n == 1)
    for c in whole:
        own = CHUNK_LAYOUTS[name](np.empty(c["block_shape"])).strides
        assert c["byte_strides"] == own, (c["byte_strides"], own)


def test_integer_data_gives_float64(cupy, block_launches, rng):
    host = rng.integers(-1000, 1000, (6, 5)).astype(np.int32)
    outs = check(cupy, block_launches, chunked(cupy, host, 2), host, 0.5, edge_order=2)
    assert all(o.dtype == np.float64 and o._meta.dtype == np.float64 for o in outs)


def test_every_chunk_is_launched_once_per_axis_at_its_origin(cupy, block_launches, rng):
    host = rng.standard_normal((7, 5, 6))
    x = chunked(cupy, host, ((1, 2, 4), (5,), (3, 1, 1, 1)))
    check(cupy, block_launches, x, host, axis=(2, 0))
    assert len(block_launches.calls) == 3 * 1 * 4 * 2
    got = sorted((c["k"], c["origin"], c["block_shape"]) for c in block_launches.calls
                 if c["block_shape"] == (2, 5, 1))
    # The blocks x[1:3, :, 3:4], x[1:3, :, 4:5] and x[1:3, :, 5:6]: origins 3, 4 and 5 on
    # axis 2 (output 0), 1 on axis 0 (output 1).
    assert got == [(0, 3, (2, 5, 1)), (0, 4, (2, 5, 1)), (0, 5, (2, 5, 1)),
                   (1, 1, (2, 5, 1)), (1, 1, (2, 5, 1)), (1, 1, (2, 5, 1))]
    # One task per chunk computes both outputs: computing one output launches both axes.
    block_launches.calls.clear()
    g = ndgrad.dask.gradient(x, axis=(2, 0))
    compute(g[1])
    assert len(block_launches.calls) == 12 * 2


def test_thin_chunks_merge_only_for_edge_order_2(cupy, block_launches, rng):
    host = rng.standard_normal((6, 5))
    x = chunked(cupy, host, 1)
    (g0, g1) = check(cupy, block_launches, x, host, edge_order=1)
    assert g0.chunks == x.chunks  # chunks of a single sample are computed as they are
    (g0, g1) = check(cupy, block_launches, x, host, edge_order=2)
    assert all(c >= 2 for cs in g0.chunks for c in cs)


def test_spacing_forms(cupy, block_launches, rng):
    host = rng.standard_normal((6, 7)).astype(np.float32)
    x = chunked(cupy, host, (4, 3))
    cx = np.cumsum(rng.uniform(0.5, 1.5, 6))
    cy = np.cumsum(rng.uniform(0.5, 1.5, 7)).astype(np.float32)
    # dask coordinates (computed once), fake-CuPy coordinates (copied to the host), NumPy
    # scalars.
    check(cupy, block_launches, x, host, da.from_array(cx, chunks=4), cupy.ndarray(cy.copy()),
          host_varargs=(cx, cy))
    check(cupy, block_launches, x, host, np.float32(0.3), cupy.ndarray(np.array(2.0)),
          host_varargs=(np.float32(0.3), np.float64(2.0)))
    for via in ENTRY_POINTS.values():
        check(cupy, block_launches, x, host, cx, 3, via=via, edge_order=2)
    # What the GPU path refuses for CuPy arrays, it refuses for their dask arrays, alike.
    cupy.calls.clear()
    want = outcome(ndgrad.gradient, cupy.ndarray(host), cx, np.int64(3))
    assert isinstance(want, Raised), want
    for via in ENTRY_POINTS.values():
        got = outcome(via, x, cx, np.int64(3))
        assert (got.cls, got.message) == (want.cls, want.message)


def test_empty_blocks_launch_nothing(cupy, block_launches, rng):
    host = rng.standard_normal((6, 5))
    # A chunk of no rows on an axis that is not differentiated: its blocks are empty.
    x = chunked(cupy, host, ((3, 0, 3), (2, 3)))
    check(cupy, block_launches, x, host, axis=1)
    empty = [c for c in block_launches.calls if 0 in c["block_shape"]]
    assert len(empty) == 2
    # An empty array whose zero-length axis is not differentiated.
    host = np.zeros((0, 5))
    check(cupy, block_launches, chunked(cupy, host, (1, 2)), host, axis=1)
    # A zero-width chunk on a differentiated axis is merged away.
    host = rng.standard_normal((6, 5))
    x = chunked(cupy, host, ((3, 0, 3), (5,)))
    g = check(cupy, block_launches, x, host, axis=0)
    assert g[0].chunks[0] == (3, 3)


def test_no_axes(cupy, block_launches, rng):
    host = rng.standard_normal((4, 5))
    x = chunked(cupy, host, 2)
    cupy.calls.clear()
    for via in ENTRY_POINTS.values():
        assert via(x, axis=()) == ()
    assert block_launches.calls == [] and cupy.calls == []


def test_threaded_scheduler(cupy, block_launches, rng):
    host = rng.standard_normal((12, 10))
    x = chunked(cupy, host, (2, 3))
    coords = np.cumsum(rng.uniform(0.5, 1.5, 10))
    check(cupy, block_launches, x, host, 0.5, coords, edge_order=2, scheduler="threads")


def test_device_and_stream_of_the_chunks(cupy, block_launches, rng):
    cupy.streams[0] = cupy.cuda.Stream(0xD0)
    cupy.streams[1] = cupy.cuda.Stream(0x5EC0)
    host = rng.standard_normal((6, 7))
    x = chunked(cupy, host, (2, 3), device=1)
    coords = np.cumsum(rng.uniform(0.5, 1.5, 7))
    cupy.calls.clear()
    check(cupy, block_launches, x, host, 1.0, coords)
    assert {(c["device"], c["stream"]) for c in block_launches.calls} == {(1, 0x5EC0)}
    # Every task allocated its outputs, joined arrays and tables with device 1 current (3 x 3
    # blocks, 2 axes; every block has a neighbour on both axes; axis 1 has a table).
    outputs = [c for c in cupy.calls if c[0] == "empty" and 0 not in c[2][0]]
    assert len(outputs) == 3 * 3 * 2 and {c[1] for c in outputs} == {1}
    tables = [c for c in cupy.calls if c[0] == "asarray"]
    assert len(tables) == 3 * 3 and {c[1] for c in tables} == {1}
    joins = [c for c in cupy.calls if c[0] == "concatenate" and c[1] == 1]
    assert len(joins) == 3 * 3 * 2
    assert cupy.device_stack == [0]


# --------------------------------------------------------------------------------------
# Refusals and errors: before any computation
# --------------------------------------------------------------------------------------


EXTENSIONS = [dict(accuracy=4), dict(boundary="periodic"), dict(deriv=2),
              dict(boundary="reflect", accuracy=4), dict(window_length=5, polyorder=2),
              dict(nan_policy="omit")]


@pytest.mark.parametrize("kwargs", EXTENSIONS)
@pytest.mark.parametrize("via", list(ENTRY_POINTS))
def test_extension_arguments_as_for_cupy_arrays(cupy, launches, block_launches, rng, via,
                                                kwargs):
    """What the GPU path refuses for a CuPy array (a TypeError naming the option) is refused
    alike for a dask array of CuPy chunks, before any work; what it runs, the chunks' tasks
    run, with the CPU engine's values bit for bit."""
    host = rng.standard_normal((11, 12))
    x = chunked(cupy, host, (4, 3))
    cupy.calls.clear()
    in_memory = outcome(ndgrad.gradient, cupy.ndarray(host), **kwargs)
    launches.calls.clear()
    cupy.calls.clear()
    if isinstance(in_memory, Raised):
        assert in_memory.cls is TypeError, in_memory
        if len(kwargs) == 1:
            (name,) = kwargs
            assert f"{name}=" in in_memory.message, in_memory
        got = outcome(ENTRY_POINTS[via], x, **kwargs)
        assert isinstance(got, Raised), got
        assert (got.cls, got.message) == (in_memory.cls, in_memory.message)
        assert block_launches.calls == [] and launches.calls == [] and cupy.calls == []
        return
    ghosts = kwargs.get("boundary", "one-sided") != "one-sided"
    coords = (np.cumsum(rng.uniform(0.5, 1.5, 11)), np.cumsum(rng.uniform(0.5, 1.5, 12)))
    # Coordinates on one-sided axes only (a periodic axis with uneven ones needs period=).
    for varargs in [(), (0.5, 2.0)] + ([] if ghosts else [coords]):
        outs = check(cupy, block_launches, x, host, *varargs, via=ENTRY_POINTS[via],
                     ext=kwargs)
        if ghosts:
            # The kernels read ghost samples through the whole axis: one chunk per axis.
            assert outs[0].chunks == ((11,), (12,))
    assert launches.calls == []


def test_nan_policy_is_refused(cupy, block_launches):
    x = chunked(cupy, np.arange(42.0).reshape(6, 7), 2)
    cupy.calls.clear()
    for via in ENTRY_POINTS.values():
        with pytest.raises(TypeError, match="nan_policy="):
            via(x, nan_policy="omit")
    assert block_launches.calls == [] and cupy.calls == []


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
@pytest.mark.parametrize("via", list(ENTRY_POINTS))
def test_errors_equal_numpys(cupy, launches, block_launches, via, case):
    shape, dtype, spacing, kwargs = ERROR_CASES[case]
    host = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    x = chunked(cupy, host, 2)
    cupy.calls.clear()
    want = outcome(np.gradient, host, *spacing, **kwargs)
    got = outcome(ENTRY_POINTS[via], x, *spacing, **kwargs)
    assert isinstance(want, Raised), want
    assert isinstance(got, Raised), f"ndgrad returned {got!r}; NumPy raised {want!r}"
    assert (got.cls, got.message) == (want.cls, want.message)
    assert block_launches.calls == [] and launches.calls == [] and cupy.calls == []


@pytest.mark.parametrize("via", list(ENTRY_POINTS))
def test_torch_chunks_are_refused(torch, launches, via):
    x = da.zeros((6, 6), chunks=3)
    x._meta = torch.Tensor(np.empty((0, 0)), "cuda:0")
    with pytest.raises(NotImplementedError, match="torch"):
        ENTRY_POINTS[via](x)
    assert launches.calls == [] and torch.calls == []


# --------------------------------------------------------------------------------------
# The checks catch broken launches (the stand-in and the comparison are not vacuous)
# --------------------------------------------------------------------------------------


def _broken(block_launches, how):
    """`cuda_launch_block` as a buggy caller would call it, forwarding to the stand-in."""
    stand_in = block_launches

    def launch(plan, k, origin, block_shape, device, stream, data_ptr, byte_strides,
               out_ptr, out_byte_strides, table_ptr):
        ax = plan.axes[k]
        before = min(stand_in.expect[3], origin)
        if how == "origin 0":
            origin = 0
        elif how == "origin + 1" and origin + block_shape[ax] < plan_length(stand_in, ax):
            origin += 1
        elif how == "pointer at the joined array's start":
            data_ptr -= before * byte_strides[ax]
        elif how == "other output":
            k = 1 - k
        elif how == "strides reversed":
            byte_strides = byte_strides[::-1]
        elif how == "output not written":
            stand_in.calls.append(dict(k=k, origin=origin, block_shape=block_shape))
            return None
        return stand_in(plan, k, origin, block_shape, device, stream, data_ptr, byte_strides,
                        out_ptr, out_byte_strides, table_ptr)

    return launch


def plan_length(stand_in, ax):
    return stand_in.expect[0][ax]


@pytest.mark.parametrize("how", ["origin 0", "origin + 1", "pointer at the joined array's start",
                                 "other output", "strides reversed", "output not written",
                                 "neighbours dropped", "neighbours swapped"])
def test_broken_launches_are_caught(cupy, block_launches, monkeypatch, rng, how):
    from ndgrad import _cuda

    host = rng.standard_normal((7, 6))
    x = chunked(cupy, host, (3, 2))
    coords = np.cumsum(rng.uniform(0.5, 1.5, 6))
    if how.startswith("neighbours"):
        real = _cuda.block_gradient

        def broken(block, neighbours, origin, call):
            if how == "neighbours dropped":
                neighbours = [[None, None] for _ in neighbours]
            else:
                neighbours = [[right, left] for left, right in neighbours]
            return real(block, neighbours, origin, call)

        monkeypatch.setattr(_cuda, "block_gradient", broken)
    else:
        monkeypatch.setattr(_native, "cuda_launch_block", _broken(block_launches, how))
    # Caught by the stand-in or the comparison (AssertionError), or, where it validates
    # the arguments too, by the real cuda_launch_block (a table given to the wrong output).
    caught = (AssertionError, ValueError) if how == "other output" else AssertionError
    with pytest.raises(caught):
        check(cupy, block_launches, x, host, 1.0, coords, edge_order=2)
