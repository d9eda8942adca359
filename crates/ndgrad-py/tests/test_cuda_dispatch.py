"""ndgrad.gradient's GPU dispatch, without a GPU (GPU.md section 6 item 5).

Small fake ``cupy`` and ``torch`` modules are put in ``sys.modules``. Their "device" arrays
live in host memory: a fake array wraps a NumPy array, and its device pointer is that
array's real host address. ``_native.cuda_launch`` is replaced by a recorder that checks what
arrives and, as a stand-in kernel, rebuilds the input and the outputs from the raw pointers
and byte strides it was given and writes ``numpy.gradient`` into the outputs: a wrong pointer
or stride shows up as wrong values. ``_native.cuda_plan`` is the real one.
``_native.cuda_launch_block`` (one dask chunk) has its own stand-in, ``BlockLaunches``, used
by tests/test_cuda_dask.py.
"""

import ctypes
import ctypes.util
import subprocess
import sys
import types
import weakref

import numpy as np
import pytest

import ndgrad
from ndgrad import _native
from conftest import Raised, assert_same, outcome

NO_PLAN = "ndgrad._native has no cuda_plan in this build (the GPU path's native half)"

POISON = 0xA5  # every byte of a fresh fake allocation: unwritten outputs show


# Byte extents [lo, hi) of the host memory behind every fake device array: the stand-in
# kernel reads and writes only inside them (a wrong pointer or stride fails an assertion
# instead of touching foreign memory).
EXTENTS = []


def extent(ptr, shape, byte_strides, itemsize):
    lo = ptr + sum((n - 1) * s for n, s in zip(shape, byte_strides) if s < 0)
    hi = ptr + sum((n - 1) * s for n, s in zip(shape, byte_strides) if s > 0) + itemsize
    return lo, hi


def register(host):
    if host.size:
        EXTENTS.append(extent(host.ctypes.data, host.shape, host.strides, host.itemsize))
    return host


def poisoned(host):
    """`host` with every byte set to POISON (any layout)."""
    host[...] = np.frombuffer(bytes([POISON]) * host.dtype.itemsize, dtype=host.dtype)[0]
    return host


# --------------------------------------------------------------------------------------
# Fake CuPy
# --------------------------------------------------------------------------------------


def make_cupy():
    cp = types.ModuleType("cupy")
    cp.calls = []  # (what, current device, detail)
    cp.device_stack = [0]
    cp.streams = {}  # device id -> current Stream
    cp.uploads = []  # weak references to the arrays asarray made
    cp.alive = weakref.WeakSet()  # every fake array not yet collected

    def current():
        return cp.device_stack[-1]

    class Device:
        def __init__(self, id=None):
            self.id = current() if id is None else id

        def __enter__(self):
            cp.device_stack.append(self.id)
            return self

        def __exit__(self, *exc):
            cp.device_stack.pop()
            return False

        def __eq__(self, other):
            return isinstance(other, Device) and other.id == self.id

        def __hash__(self):
            return hash(self.id)

        def __repr__(self):
            return f"<CUDA Device {self.id}>"

    class ndarray:
        def __init__(self, host, device=None):
            self._host = register(host)
            self._device = current() if device is None else device
            cp.alive.add(self)

        device = property(lambda self: Device(self._device))
        shape = property(lambda self: self._host.shape)
        dtype = property(lambda self: self._host.dtype)
        ndim = property(lambda self: self._host.ndim)
        size = property(lambda self: self._host.size)
        strides = property(lambda self: self._host.strides)
        T = property(lambda self: ndarray(self._host.T, self._device))

        @property
        def __cuda_array_interface__(self):
            h = self._host
            return {
                "version": 3,
                "shape": h.shape,
                "typestr": h.dtype.str,
                "descr": h.dtype.descr,
                "data": (h.__array_interface__["data"][0], False),
                # CuPy gives None for C-contiguous arrays.
                "strides": None if h.flags.c_contiguous else h.strides,
                "stream": 1,
            }

        def __getitem__(self, index):
            return ndarray(self._host[index], self._device)

        def transpose(self, *axes):
            return ndarray(self._host.transpose(*axes), self._device)

        def get(self):
            return self._host.copy()

        def __array__(self, *args, **kwargs):
            raise TypeError(
                "Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
                "to construct a NumPy array explicitly."
            )

    def empty_like(a, dtype=None):
        cp.calls.append(("empty_like", current(), np.dtype(dtype)))
        return ndarray(poisoned(np.empty_like(a._host, dtype=dtype)), current())

    def asarray(x):
        cp.calls.append(("asarray", current(), None))
        if isinstance(x, ndarray):
            return x
        made = ndarray(np.array(x, copy=True), current())
        cp.uploads.append(weakref.ref(made))
        return made

    def asnumpy(a):
        cp.calls.append(("asnumpy", current(), a.shape))
        return a._host.copy()

    # What ndgrad.dask's tasks (and dask itself, for metas and for joining chunks) use.
    def empty(shape, dtype=float):
        cp.calls.append(("empty", current(), (np.empty(shape, np.int8).shape, np.dtype(dtype))))
        return ndarray(poisoned(np.empty(shape, dtype=dtype)), current())

    def concatenate(arrays, axis=0):
        arrays = list(arrays)
        assert all(isinstance(a, ndarray) for a in arrays), [type(a) for a in arrays]
        cp.calls.append(("concatenate", current(), tuple(a.shape for a in arrays)))
        return ndarray(np.concatenate([a._host for a in arrays], axis=axis), current())

    class Stream:
        def __init__(self, ptr):
            self.ptr = ptr

    def get_current_stream():
        return cp.streams.get(current(), Stream(0))

    cp.ndarray = ndarray
    cp.empty_like = empty_like
    cp.asarray = asarray
    cp.asnumpy = asnumpy
    cp.empty = empty
    cp.concatenate = concatenate
    cp.cuda = types.SimpleNamespace(Device=Device, Stream=Stream,
                                    get_current_stream=get_current_stream)
    cp.allocations = lambda: [
        c for c in cp.calls if c[0] in ("empty_like", "asarray", "empty", "concatenate")]
    return cp


# --------------------------------------------------------------------------------------
# Fake torch
# --------------------------------------------------------------------------------------

TORCH_NUMERIC = ("float16", "float32", "float64", "complex64", "complex128", "int8",
                 "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def make_torch():
    torch = types.ModuleType("torch")
    torch.calls = []
    torch.streams = {}  # device index -> current Stream
    torch.stream_requests = []

    class dtype:
        def __init__(self, name, host):
            self.name, self.host = name, np.dtype(host)

        def __repr__(self):
            return f"torch.{self.name}"

    for name in TORCH_NUMERIC:
        setattr(torch, name, dtype(name, name))
    # Dtypes NumPy lacks, stored as raw bits.
    torch.bfloat16 = dtype("bfloat16", np.uint16)
    torch.complex32 = dtype("complex32", np.uint32)
    setattr(torch, "bool", dtype("bool", np.bool_))
    by_host = {getattr(torch, n).host: getattr(torch, n) for n in TORCH_NUMERIC}
    by_host[np.dtype(np.bool_)] = torch.bool

    class device:
        def __init__(self, spec):
            if isinstance(spec, device):
                spec = str(spec)
            kind, _, index = spec.partition(":")
            self.type = kind
            self.index = int(index) if index else (0 if kind == "cuda" else None)

        def __eq__(self, other):
            return isinstance(other, device) and (other.type, other.index) == (
                self.type, self.index)

        def __hash__(self):
            return hash((self.type, self.index))

        def __str__(self):
            return self.type if self.index is None else f"{self.type}:{self.index}"

        __repr__ = lambda self: f"device(type='{self.type}', index={self.index})"  # noqa: E731

    torch.strided = "torch.strided"
    torch.sparse_coo = "torch.sparse_coo"

    class Tensor:
        def __init__(self, host, device_="cuda:0", requires_grad=False, dtype_=None,
                     conj=False, layout=None):
            self._host = register(host)
            self.device = device(device_)
            self.requires_grad = requires_grad
            self.dtype = dtype_ if dtype_ is not None else by_host[host.dtype]
            self._conj = conj
            self.layout = torch.strided if layout is None else layout

        is_cuda = property(lambda self: self.device.type == "cuda")
        shape = property(lambda self: tuple(self._host.shape))

        def stride(self):
            return tuple(s // self._host.itemsize for s in self._host.strides)

        def element_size(self):
            return self._host.itemsize

        def data_ptr(self):
            return self._host.ctypes.data

        def dim(self):
            return self._host.ndim

        def numel(self):
            return self._host.size

        def is_conj(self):
            return self._conj

        def is_neg(self):
            return False

        def resolve_conj(self):
            if not self._conj:
                return self
            torch.calls.append(("resolve_conj", str(self.device), None))
            return Tensor(np.conj(self._host), self.device, self.requires_grad, self.dtype)

        def resolve_neg(self):
            return self

        def permute(self, *dims):
            return Tensor(self._host.transpose(*dims), self.device, self.requires_grad,
                          self.dtype, self._conj)

        def __getitem__(self, index):
            return Tensor(self._host[index], self.device, self.requires_grad, self.dtype,
                          self._conj)

        def cpu(self):
            return Tensor(self._host.copy(), "cpu", self.requires_grad, self.dtype, self._conj)

        def detach(self):
            return Tensor(self._host, self.device, False, self.dtype, self._conj)

        def numpy(self):
            if self.is_cuda:
                raise TypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use "
                    f"Tensor.cpu() to copy the tensor to host memory first."
                )
            if self.requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad.")
            if self.dtype.name in ("bfloat16", "complex32"):
                raise TypeError(f"Got unsupported ScalarType {self.dtype.name}")
            return self._host

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.numpy(), dtype=dtype)

    def empty_like(x, dtype=None):
        dt = x.dtype if dtype is None else dtype
        torch.calls.append(("empty_like", str(x.device), dt))
        return Tensor(poisoned(np.empty_like(x._host, dtype=dt.host)), x.device, dtype_=dt)

    def as_tensor(data, device=None):
        torch.calls.append(("as_tensor", str(device), None))
        return Tensor(np.array(data, copy=True), "cpu" if device is None else device)

    class Stream:
        def __init__(self, cuda_stream):
            self.cuda_stream = cuda_stream

    def current_stream(device_=None):
        torch.stream_requests.append(device_)
        index = device(device_).index if device_ is not None else 0
        return torch.streams.get(index, Stream(0))

    torch.dtype = dtype
    torch.device = device
    torch.Tensor = Tensor
    torch.empty_like = empty_like
    torch.as_tensor = as_tensor
    torch.cuda = types.SimpleNamespace(Stream=Stream, current_stream=current_stream)
    torch.allocations = lambda: [c for c in torch.calls if c[0] in ("empty_like", "as_tensor")]
    return torch


# --------------------------------------------------------------------------------------
# The launch recorder and its stand-in kernel
# --------------------------------------------------------------------------------------


def raw_view(ptr, shape, byte_strides, dtype):
    """The array at device (here: host) address `ptr` with these byte strides."""
    dtype = np.dtype(dtype)
    shape, byte_strides = tuple(shape), tuple(byte_strides)
    assert len(shape) == len(byte_strides), (shape, byte_strides)
    lo, hi = extent(ptr, shape, byte_strides, dtype.itemsize)
    assert any(a <= lo and hi <= b for a, b in EXTENTS), (
        f"{hex(ptr)} with strides {byte_strides} reaches outside every fake allocation")
    return unchecked_view(ptr, shape, byte_strides, dtype)


def unchecked_view(ptr, shape, byte_strides, dtype):
    """`raw_view` for a caller that has checked the extent itself."""
    dtype = np.dtype(dtype)
    lo, hi = extent(ptr, shape, byte_strides, dtype.itemsize)
    buf = (ctypes.c_char * (hi - lo)).from_address(lo)
    return np.ndarray(shape, dtype, buffer=buf, offset=ptr - lo, strides=byte_strides)


class Launches:
    """Stands in for `_native.cuda_launch`: records every call, checks that each table it
    is given is still alive, and computes the expected call (`expect`) from raw pointers."""

    def __init__(self, cupy=None):
        self.calls = []
        self.expect = None  # (shape, dtype, host varargs, axis, edge_order)
        self.cupy = cupy

    def __call__(self, plan, device, stream, data_ptr, byte_strides, out_ptrs,
                 out_byte_strides, table_ptrs):
        call = dict(plan=plan, device=device, stream=stream, data_ptr=data_ptr,
                    byte_strides=byte_strides, out_ptrs=out_ptrs,
                    out_byte_strides=out_byte_strides, table_ptrs=table_ptrs)
        self.calls.append(call)
        for name in ("device", "stream", "data_ptr"):
            assert type(call[name]) is int, (name, call[name])
        assert type(byte_strides) is tuple and type(out_ptrs) is tuple
        assert type(out_byte_strides) is tuple and type(table_ptrs) is tuple
        assert len(out_ptrs) == len(out_byte_strides) == len(plan.axes)
        assert len(table_ptrs) == len(plan.tables)
        # The uploaded tables, read back through their pointers, while the launch runs.
        call["tables"] = [
            raw_view(p, t.shape, (8,), np.float64).copy() for p, t in zip(table_ptrs, plan.tables)
        ]
        if self.cupy is not None:
            call["uploads_alive"] = [r() is not None for r in self.cupy.uploads]
        if self.expect is None:
            return
        shape, dtype, varargs, axis, edge_order = self.expect
        f = raw_view(data_ptr, shape, byte_strides, dtype).copy()
        with np.errstate(all="ignore"):
            results = np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
        if not isinstance(results, tuple):
            results = (results,)
        for ptr, strides, r in zip(out_ptrs, out_byte_strides, results):
            assert r.dtype == np.dtype(plan.out_dtype)
            raw_view(ptr, shape, strides, plan.out_dtype)[...] = r


NO_DRIVER = "ndgrad: no CUDA driver found (libcuda.so.1)"


def spacing_of(varargs, axes, k):
    """NumPy's spacing of output `k` (its `*varargs` rule): one per axis, one for all, or 1."""
    if len(varargs) == len(axes):
        return varargs[k]
    return varargs[0] if varargs else 1.0


class BlockLaunches:
    """Stands in for `_native.cuda_launch_block` (output `k` of one dask chunk).

    With extension arguments (`ext`), the reference is ndgrad's CPU engine, not NumPy, and
    `reach` (the plan's, per output) replaces edge_order.

    From the raw pointer, byte strides and block shape it reads the chunk together with
    the samples the contract puts before and after it along output k's axis (min(reach,
    origin) and min(reach, n - origin - len), reach = edge_order), all inside one live fake
    array. It places them at `origin` in a lane of the whole axis filled with NaN, takes
    `numpy.gradient` of that lane with the whole axis's spacing (the whole coordinate
    array: NumPy's uniform-spacing shortcut is then decided on the whole axis, as for the
    whole array) and writes the chunk's part through the output pointer. So any wrong
    pointer, stride, origin, axis or missing neighbour sample shows as wrong values (a NaN),
    or as an assertion. Where no CUDA driver is present, the real `cuda_launch_block` also
    judges the arguments (it validates them, then fails for want of a driver, or launches
    nothing for an empty block)."""

    def __init__(self, real=None):
        self.calls = []
        self.expect = None  # (shape, dtype, host varargs, edge_order)
        # Extension arguments (ndgrad's CPU engine is then the reference, not NumPy) and
        # each output's reach (the plan's; edge_order where None).
        self.ext = None
        self.reach = None
        self.cupy = None
        self.real = real
        self.judged = {}  # what the real cuda_launch_block made of each kind of call

    def within_live_array(self, ptr, shape, byte_strides, itemsize):
        """Stricter than `raw_view`'s check: inside one fake array alive now."""
        lo, hi = extent(ptr, shape, byte_strides, itemsize)
        live = [extent(a._host.ctypes.data, a._host.shape, a._host.strides,
                       a._host.itemsize) for a in list(self.cupy.alive) if a._host.size]
        assert any(a <= lo and hi <= b for a, b in live), (
            f"{hex(ptr)} with strides {byte_strides} and shape {shape} reaches outside every "
            f"live fake array")

    def __call__(self, plan, k, origin, block_shape, device, stream, data_ptr, byte_strides,
                 out_ptr, out_byte_strides, table_ptr):
        for name, v in [("k", k), ("origin", origin), ("device", device), ("stream", stream),
                        ("data_ptr", data_ptr), ("out_ptr", out_ptr), ("table_ptr", table_ptr)]:
            assert type(v) is int, (name, v)
        for name, v in [("block_shape", block_shape), ("byte_strides", byte_strides),
                        ("out_byte_strides", out_byte_strides)]:
            assert type(v) is tuple and all(type(i) is int for i in v), (name, v)
        ax = plan.axes[k]
        call = dict(plan=plan, k=k, axis=ax, origin=origin, block_shape=block_shape,
                    device=device, stream=stream, data_ptr=data_ptr, byte_strides=byte_strides,
                    out_ptr=out_ptr, out_byte_strides=out_byte_strides, table_ptr=table_ptr)
        self.calls.append(call)
        if self.real is not None:
            # Once per kind of call (the driver probe is slow): the origin's checks are
            # repeated below.
            key = (plan.axes, plan.out_dtype, tuple(t.shape for t in plan.tables), k,
                   origin == 0, block_shape, byte_strides, out_byte_strides, table_ptr != 0)
            if key not in self.judged:
                try:
                    self.real(plan, k, origin, block_shape, device, stream, data_ptr,
                              byte_strides, out_ptr, out_byte_strides, table_ptr)
                    self.judged[key] = "nothing to launch"
                except RuntimeError as e:
                    assert str(e).startswith(NO_DRIVER), str(e)
                    self.judged[key] = "launch"
            call["native"] = self.judged[key]
        index = plan.table_index(k)
        if index is None:
            assert table_ptr == 0
        else:
            table = plan.tables[index]
            self.within_live_array(table_ptr, table.shape, (8,), 8)
            assert np.array_equal(unchecked_view(table_ptr, table.shape, (8,), np.float64),
                                  table)
        if self.expect is None:
            return
        shape, dtype, varargs, edge_order = self.expect
        dtype = np.dtype(dtype)
        assert len(block_shape) == len(shape)
        assert all(b <= n for b, n in zip(block_shape, shape)), (block_shape, shape)
        n, length = shape[ax], block_shape[ax]
        assert 0 <= origin and origin + length <= n, (origin, length, n)
        if 0 in block_shape:
            return
        reach = edge_order if self.reach is None else self.reach[k]
        before = min(reach, origin)
        after = min(reach, n - origin - length)
        region_shape = list(block_shape)
        region_shape[ax] += before + after
        start = data_ptr - before * byte_strides[ax]
        self.within_live_array(start, region_shape, byte_strides, dtype.itemsize)
        region = unchecked_view(start, region_shape, byte_strides, dtype)
        # NumPy's own conversion of integer data (to float64, exactly); NaN elsewhere.
        lane_dtype = np.float64 if dtype.kind in "iub" else dtype
        lane_shape = list(block_shape)
        lane_shape[ax] = n
        lane = np.full(lane_shape, np.nan, dtype=lane_dtype)
        where = [slice(None)] * len(shape)
        where[ax] = slice(origin - before, origin + length + after)
        lane[tuple(where)] = region
        spacing = spacing_of(varargs, plan.axes, k)
        with np.errstate(all="ignore"):
            if self.ext is None:
                g = np.gradient(lane, spacing, axis=ax, edge_order=edge_order)
            else:
                g = ndgrad.gradient(lane, spacing, axis=ax, **self.ext)
        where[ax] = slice(origin, origin + length)
        result = g[tuple(where)]
        assert result.dtype == np.dtype(plan.out_dtype)
        self.within_live_array(out_ptr, block_shape, out_byte_strides, result.itemsize)
        unchecked_view(out_ptr, block_shape, out_byte_strides, plan.out_dtype)[...] = result


@pytest.fixture
def launches(monkeypatch):
    if not hasattr(_native, "cuda_plan"):
        pytest.skip(NO_PLAN)
    rec = Launches()
    monkeypatch.setattr(_native, "cuda_launch", rec, raising=False)
    return rec


@pytest.fixture
def cupy(monkeypatch, launches):
    cp = make_cupy()
    monkeypatch.setitem(sys.modules, "cupy", cp)
    launches.cupy = cp
    return cp


@pytest.fixture
def block_launches(monkeypatch, cupy):
    """The `cuda_launch_block` stand-in, and dask told how to join the fake's arrays."""
    pytest.importorskip("dask.array")
    from dask.array.dispatch import concatenate_lookup

    real = getattr(_native, "cuda_launch_block", None)
    if real is None:
        pytest.skip("ndgrad._native has no cuda_launch_block in this build")
    # Extents of earlier tests' arrays are stale (their memory is freed): dropped, which
    # also keeps `raw_view`'s scan short over the many arrays a dask computation makes.
    monkeypatch.setattr(sys.modules[__name__], "EXTENTS", [])
    rec = BlockLaunches(None if _driver_present() else real)
    rec.cupy = cupy
    monkeypatch.setattr(_native, "cuda_launch_block", rec)
    # Dask registers real CuPy's concatenate when it first meets a class of module "cupy";
    # the fake's class lives here, so it is registered by hand (and dropped afterwards).
    monkeypatch.setitem(concatenate_lookup._lookup, cupy.ndarray, cupy.concatenate)
    return rec


@pytest.fixture
def torch(monkeypatch, launches):
    t = make_torch()
    monkeypatch.setitem(sys.modules, "torch", t)
    return t


def host_of(x):
    """A fake GPU result on the host (tuples kept)."""
    if isinstance(x, tuple):
        return tuple(host_of(r) for r in x)
    return x._host


def expected(host, varargs, **kwargs):
    with np.errstate(all="ignore"):
        return np.gradient(host, *varargs, **kwargs)


def run(launches, f, host, *varargs, host_varargs=None, axis=None, edge_order=1, **kwargs):
    """ndgrad.gradient on fake GPU array `f` (of host data `host`), with the stand-in kernel
    primed to compute it."""
    hv = varargs if host_varargs is None else host_varargs
    launches.expect = (host.shape, host.dtype, hv, axis, edge_order)
    return ndgrad.gradient(f, *varargs, axis=axis, edge_order=edge_order, **kwargs)


def layouts(rng, dtype):
    """(name, host array) pairs: C, F, permuted, strided, negative strides, offset views."""
    base = rng.standard_normal((6, 7, 5)) * 10
    if np.dtype(dtype).kind == "c":
        base = base + 1j * rng.standard_normal((6, 7, 5))
    if np.dtype(dtype).kind == "u":
        base = np.abs(base)
    base = base.astype(dtype)
    return [
        ("C", np.ascontiguousarray(base)),
        ("F", np.asfortranarray(base)),
        ("permuted", np.ascontiguousarray(base).transpose(2, 0, 1)),
        ("strided", np.ascontiguousarray(base)[::2, 1::3, :]),
        ("negative", np.ascontiguousarray(base)[::-1, :, ::-2]),
        ("offset", np.ascontiguousarray(base)[1:, 2:, 1:4]),
    ]


DTYPES = ["float64", "float32", "float16", "complex128", "complex64", "int16", "uint8",
          "int64"]


# --------------------------------------------------------------------------------------
# Selection by type
# --------------------------------------------------------------------------------------


@pytest.mark.numpy_fallback
def test_numpy_inputs_never_take_the_gpu_path(cupy, torch, launches, monkeypatch):
    checks = []
    real_check = ndgrad._is_gpu_array

    def spy(f):
        checks.append(type(f))
        return real_check(f)

    monkeypatch.setattr(ndgrad, "_is_gpu_array", spy)
    host = np.arange(12.0).reshape(3, 4) ** 2
    cpu_tensor = torch.Tensor(host.copy(), "cpu")
    inputs = [host, host.tolist(), np.ma.MaskedArray(host), np.asfortranarray(host),
              cpu_tensor, 3.0]
    for f in inputs:
        got = ndgrad.gradient(f)
        want = np.gradient(np.asanyarray(host if f is cpu_tensor else f))
        assert_same(got, want)
    assert launches.calls == []
    assert cupy.calls == [] and torch.calls == [] and torch.stream_requests == []
    # The ndarray fast path does not even look (ndarray subclasses neither): only the
    # list, the CPU tensor and the float were checked.
    assert checks == [list, torch.Tensor, float]


def test_import_touches_no_cuda():
    code = (
        "import sys, numpy as np, ndgrad\n"
        "ndgrad.gradient(np.arange(5.0) ** 2); ndgrad.gradient([1.0, 2.0, 4.0])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('cupy', 'torch', 'jax'))\n"
        "assert not bad, bad\n"
        "maps = open('/proc/self/maps').read() if sys.platform == 'linux' else ''\n"
        "assert 'libcuda' not in maps and 'libnvrtc' not in maps, 'a CUDA library is loaded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------
# CuPy: pointers, strides, device, stream, outputs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_cupy_layouts_arrive_intact(cupy, launches, rng, dtype):
    for name, host in layouts(rng, dtype):
        launches.calls.clear()
        cupy.calls.clear()
        f = cupy.ndarray(host)
        got = run(launches, f, host)
        want = expected(host.copy(), ())
        assert isinstance(got, tuple) and len(got) == 3, name
        assert all(type(g) is cupy.ndarray for g in got), name
        assert_same(host_of(got), want)
        (call,) = launches.calls
        assert call["data_ptr"] == host.ctypes.data, name
        assert call["byte_strides"] == host.strides, name
        assert call["out_ptrs"] == tuple(g._host.ctypes.data for g in got)
        assert call["out_byte_strides"] == tuple(g._host.strides for g in got)
        assert call["plan"].out_dtype == want[0].dtype.name
        assert call["plan"].axes == (0, 1, 2)
        assert (call["device"], call["stream"], call["table_ptrs"]) == (0, 0, ())
        # Outputs are laid out like f (empty_like's order 'K').
        for g in got:
            assert np.argsort(np.abs(g.strides)).tolist() == np.argsort(
                np.abs(host.strides)).tolist(), name
        assert [c[0] for c in cupy.calls] == ["empty_like"] * 3


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("axis", [None, 0, -1, (1, 0), ()])
def test_cupy_axes_and_return_types(cupy, launches, rng, axis, edge_order):
    host = rng.standard_normal((5, 6)).astype(np.float32)
    got = run(launches, cupy.ndarray(host), host, 0.5, axis=axis, edge_order=edge_order)
    want = expected(host, (0.5,), axis=axis, edge_order=edge_order)
    if isinstance(want, tuple):
        assert type(got) is tuple and all(type(g) is cupy.ndarray for g in got)
    else:
        assert type(got) is cupy.ndarray
    assert_same(host_of(got), want)
    assert len(launches.calls) == (0 if axis == () else 1)
    if axis == ():
        assert cupy.calls == []


def test_cupy_device_and_stream(cupy, launches, rng):
    cupy.streams[0] = cupy.cuda.Stream(0xD0)
    cupy.streams[1] = cupy.cuda.Stream(0x5EC0)
    host = rng.standard_normal((8, 9))
    coords = np.cumsum(rng.uniform(0.5, 1.5, 9))
    f = cupy.ndarray(host, device=1)
    got = run(launches, f, host, 2.0, coords, host_varargs=(2.0, coords))
    assert_same(host_of(got), expected(host, (2.0, coords)))
    (call,) = launches.calls
    assert (call["device"], call["stream"]) == (1, 0x5EC0)
    assert all(g.device.id == 1 for g in got)
    # Outputs and tables were allocated with device 1 current; device 0 is current again.
    assert {c[1] for c in cupy.allocations()} == {1}
    assert cupy.device_stack == [0]


def test_cupy_tables_are_uploaded_and_alive_during_launch(cupy, launches, rng):
    host = rng.standard_normal((7, 8))
    x = np.cumsum(rng.uniform(0.5, 1.5, 7))
    y = np.cumsum(rng.uniform(0.5, 1.5, 8))
    got = run(launches, cupy.ndarray(host), host, x, y)
    assert_same(host_of(got), expected(host, (x, y)))
    (call,) = launches.calls
    plan = call["plan"]
    assert len(plan.tables) >= 1
    for table, read_back in zip(plan.tables, call["tables"]):
        assert table.dtype == np.float64 and table.ndim == 1
        assert np.array_equal(read_back, table)
    assert call["uploads_alive"] == [True] * len(plan.tables)
    assert [c[0] for c in cupy.allocations()].count("asarray") == len(plan.tables)


def test_cupy_coordinates_on_the_gpu_are_copied_to_the_host(cupy, launches, monkeypatch, rng):
    seen = []
    real_plan = _native.cuda_plan

    def spy(shape, dtype, varargs, axis, edge_order, ext):
        seen.append(varargs)
        return real_plan(shape, dtype, varargs, axis, edge_order, ext)

    monkeypatch.setattr(_native, "cuda_plan", spy)
    host = rng.standard_normal((6, 5, 4))
    x = np.cumsum(rng.uniform(0.5, 1.5, 6))
    h = np.array(0.25, dtype=np.float32)
    z = np.arange(4, dtype=np.int64) * 3
    gpu = (cupy.ndarray(x), cupy.ndarray(h), cupy.ndarray(z))
    got = run(launches, cupy.ndarray(host), host, *gpu, host_varargs=(x, h[()], z))
    assert_same(host_of(got), expected(host, (x, h[()], z)))
    (varargs,) = seen
    assert type(varargs[0]) is np.ndarray and np.array_equal(varargs[0], x)
    assert type(varargs[1]) is np.float32 and varargs[1] == h[()]
    assert type(varargs[2]) is np.ndarray and varargs[2].dtype == np.int64
    assert [c[0] for c in cupy.calls].count("asnumpy") == 3


def test_cupy_empty_arrays_launch_nothing(cupy, launches):
    for shape, axis in [((0, 5), 1), ((4, 0), 0), ((3, 0, 4), (0, 2))]:
        host = np.zeros(shape)
        got = run(launches, cupy.ndarray(host), host, axis=axis)
        assert_same(host_of(got), expected(host, (), axis=axis))
    assert launches.calls == []


def test_cupy_zero_dimensional(cupy, launches):
    host = np.array(3.0)
    assert ndgrad.gradient(cupy.ndarray(host)) == ()
    assert launches.calls == [] and cupy.calls == []


# --------------------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES + ["uint16", "uint32", "uint64", "int8"])
def test_torch_layouts_arrive_intact(torch, launches, rng, dtype):
    for name, host in layouts(rng, dtype):
        if any(s < 0 for s in host.strides):
            continue  # torch has no negative strides
        launches.calls.clear()
        torch.calls.clear()
        torch.stream_requests.clear()
        f = torch.Tensor(host, "cuda:0")
        got = run(launches, f, host, axis=(2, 0))
        want = expected(host.copy(), (), axis=(2, 0))
        assert type(got) is tuple and all(type(g) is torch.Tensor for g in got), name
        assert all(g.dtype is getattr(torch, want[0].dtype.name) for g in got)
        assert_same(host_of(got), want)
        (call,) = launches.calls
        assert call["data_ptr"] == host.ctypes.data, name
        assert call["byte_strides"] == host.strides, name
        assert call["out_ptrs"] == tuple(g._host.ctypes.data for g in got)
        assert call["out_byte_strides"] == tuple(g._host.strides for g in got)
        assert call["plan"].axes == (2, 0)
        assert torch.stream_requests == [f.device]
        assert [c[:2] for c in torch.calls] == [("empty_like", "cuda:0")] * 2


def test_torch_device_and_stream(torch, launches, rng):
    torch.streams[0] = torch.cuda.Stream(0xD0)
    torch.streams[3] = torch.cuda.Stream(0x7E57)
    host = rng.standard_normal((5, 6)).astype(np.float32)
    x = np.cumsum(rng.uniform(0.5, 1.5, 5)).astype(np.float32)
    gx = torch.Tensor(x.copy(), "cuda:3")
    got = run(launches, torch.Tensor(host, "cuda:3"), host, gx, 1.5, host_varargs=(x, 1.5))
    assert_same(host_of(got), expected(host, (x, 1.5)))
    (call,) = launches.calls
    assert (call["device"], call["stream"]) == (3, 0x7E57)
    assert all(str(g.device) == "cuda:3" for g in got)
    assert {c[1] for c in torch.allocations()} == {"cuda:3"}
    for table, read_back in zip(call["plan"].tables, call["tables"]):
        assert np.array_equal(read_back, table)


def test_torch_conjugate_views_are_resolved(torch, launches, rng):
    host = rng.standard_normal((4, 5)) + 1j * rng.standard_normal((4, 5))
    f = torch.Tensor(host, conj=True)
    got = run(launches, f, np.conj(host))
    assert_same(host_of(got), expected(np.conj(host), ()))
    (call,) = launches.calls
    assert call["data_ptr"] != host.ctypes.data
    assert torch.calls[0][0] == "resolve_conj"


@pytest.mark.parametrize("name", ["bfloat16", "bool", "complex32"])
def test_torch_dtypes_numpy_lacks(torch, launches, name):
    host = np.zeros((4, 4), dtype=getattr(torch, name).host)
    f = torch.Tensor(host, dtype_=getattr(torch, name))
    with pytest.raises(TypeError, match=rf"torch\.{name}"):
        ndgrad.gradient(f)
    assert launches.calls == [] and torch.calls == []


def test_requires_grad_and_workers(cupy, torch, launches):
    host = np.arange(10.0)
    with pytest.raises(TypeError, match=r"\.detach\(\)"):
        ndgrad.gradient(torch.Tensor(host, requires_grad=True))
    with pytest.raises(TypeError, match=r"\.detach\(\)"):
        ndgrad.gradient(torch.Tensor(host), torch.Tensor(host.copy(), requires_grad=True))
    for f in (torch.Tensor(host), cupy.ndarray(host)):
        with pytest.raises(TypeError, match="workers="):
            ndgrad.gradient(f, workers=2)
    assert launches.calls == [] and torch.calls == [] and cupy.calls == []


def test_sparse_tensors_are_refused(torch, launches):
    f = torch.Tensor(np.arange(6.0), layout=torch.sparse_coo)
    with pytest.raises(TypeError, match="sparse_coo"):
        ndgrad.gradient(f)
    assert launches.calls == [] and torch.calls == []


# --------------------------------------------------------------------------------------
# Errors: NumPy's, before any allocation
# --------------------------------------------------------------------------------------


ERROR_CASES = [
    # (shape, dtype, spacing (host), kwargs)
    ((4, 5), "float64", (), dict(axis=2)),
    ((4, 5), "float64", (), dict(axis=(0, 0))),
    ((4, 5), "float64", (), dict(axis=-3)),
    ((4, 5), "float64", (), dict(edge_order=3)),
    ((2, 5), "float32", (), dict(edge_order=2)),
    ((1, 5), "float64", (), dict()),
    ((0, 5), "float64", (), dict(axis=0)),
    ((4, 5), "float64", (1.0, 2.0, 3.0), dict()),
    ((4, 5), "float64", (1.0, 2.0), dict(axis=0)),
    ((4, 5), "int32", (np.arange(5.0), 1.0), dict()),
    ((4, 5), "int32", (np.arange(4.0), np.arange(4.0)), dict()),
    ((4, 5), "float64", (np.ones((4, 2)), 1.0), dict()),
    ((4, 5), "float16", (np.arange(4.0),), dict(axis=1)),
    ((4, 5), "complex64", (), dict(axis=1.0)),
]


def _gpu_spacing(framework, v):
    if isinstance(v, np.ndarray):
        return framework.ndarray(v) if hasattr(framework, "ndarray") else framework.Tensor(v)
    return v


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
@pytest.mark.parametrize("which", ["cupy", "torch"])
def test_errors_equal_numpys_and_come_first(cupy, torch, launches, which, case):
    shape, dtype, spacing, kwargs = ERROR_CASES[case]
    host = np.arange(np.prod(shape), dtype=dtype).reshape(shape)
    framework = cupy if which == "cupy" else torch
    f = cupy.ndarray(host) if which == "cupy" else torch.Tensor(host)
    gpu_spacing = tuple(_gpu_spacing(framework, v) for v in spacing)
    want = outcome(np.gradient, host, *spacing, **kwargs)
    got = outcome(ndgrad.gradient, f, *gpu_spacing, **kwargs)
    assert isinstance(want, Raised), want
    assert isinstance(got, Raised), f"ndgrad returned {got!r}; NumPy raised {want!r}"
    assert (got.cls, got.message) == (want.cls, want.message)
    assert launches.calls == []
    assert cupy.allocations() == [] and torch.allocations() == []


def test_nan_policies_are_refused_before_allocation(cupy, launches):
    f = cupy.ndarray(np.arange(10.0))
    for policy in ("omit", "split", "raise"):
        with pytest.raises(TypeError, match="nan_policy="):
            ndgrad.gradient(f, nan_policy=policy)
    assert launches.calls == [] and cupy.calls == []


def test_extensions_reach_the_kernels_with_their_weights(cupy, launches):
    """accuracy=, deriv=, Savitzky-Golay and boundary modes run on the GPU: one launch,
    with the plan's taps table uploaded (the kernels' arithmetic is tested bit for bit by
    the host emulation, crates/ndgrad-cuda-host)."""
    f = cupy.ndarray(np.arange(20.0) ** 2)
    # A boundary mode alone keeps NumPy's formulas (over ghost samples): no table.
    for kwargs, tables in ((dict(accuracy=4), 1), (dict(deriv=2), 1),
                           (dict(window_length=7, polyorder=3), 1), (dict(boundary="periodic"), 0),
                           (dict(accuracy=4, boundary="reflect"), 1)):
        launches.calls.clear()
        ndgrad.gradient(f, **kwargs)
        (call,) = launches.calls
        assert len(call["plan"].tables) == tables
        assert [t.shape for t in call["tables"]] == [t.shape for t in call["plan"].tables]
        for sent, planned in zip(call["tables"], call["plan"].tables):
            np.testing.assert_array_equal(sent, planned)


# --------------------------------------------------------------------------------------
# out=
# --------------------------------------------------------------------------------------


def test_cupy_out(cupy, launches, rng):
    host = rng.standard_normal((5, 6))
    outs = (cupy.ndarray(np.empty((5, 6))), cupy.ndarray(np.empty((6, 5)).T))
    got = run(launches, cupy.ndarray(host), host, out=outs)
    assert type(got) is tuple and got[0] is outs[0] and got[1] is outs[1]
    assert_same(host_of(got), expected(host, ()))
    (call,) = launches.calls
    assert call["out_ptrs"] == tuple(o._host.ctypes.data for o in outs)
    assert call["out_byte_strides"] == ((48, 8), (8, 40))
    assert cupy.allocations() == []
    # One bare array for one axis, and a list.
    one = cupy.ndarray(np.empty((5, 6)))
    assert run(launches, cupy.ndarray(host), host, axis=1, out=one) is one
    got = run(launches, cupy.ndarray(host), host, out=list(outs))
    assert type(got) is tuple and got[1] is outs[1]


def test_cupy_out_errors(cupy, launches):
    host = np.arange(30.0).reshape(5, 6)
    f = cupy.ndarray(host)
    good = cupy.ndarray(np.empty((5, 6)))
    bad = [
        (dict(out=good), ValueError, "out has 1 array(s) but 2 axes are differentiated"),
        (dict(axis=0, out=np.empty((5, 6))), TypeError, "out[0] must be a cupy.ndarray"),
        (dict(axis=0, out=cupy.ndarray(np.empty((5, 6), np.float32))), TypeError,
         "out[0] has dtype float32 but the gradient of float64 data is float64"),
        (dict(axis=0, out=cupy.ndarray(np.empty((6, 5)))), ValueError,
         "out[0] has shape (6, 5) but f has shape (5, 6)"),
        (dict(axis=0, out=cupy.ndarray(np.empty((5, 6)), device=2)), ValueError,
         "out[0] is on device 2 but f is on device 0"),
        (dict(axis=0, out=f), ValueError, "cannot write out[0] (it shares memory"),
        (dict(out=(good, good)), ValueError, "cannot write out[1] (it shares memory"),
        (dict(axis=0, out=cupy.ndarray(np.broadcast_to(np.empty(6), (5, 6)))), ValueError,
         "cannot write out[0] (several of its elements share one address)"),
    ]
    for kwargs, cls, message in bad:
        with pytest.raises(cls) as raised:
            ndgrad.gradient(f, **kwargs)
        assert message in str(raised.value), (kwargs, str(raised.value))
    # Integer data: the outputs are float64.
    with pytest.raises(TypeError, match="gradient of int16 data is float64"):
        ndgrad.gradient(cupy.ndarray(np.arange(6, dtype=np.int16)), out=cupy.ndarray(
            np.empty(6, np.int16)))
    assert launches.calls == [] and cupy.allocations() == []


def test_an_empty_out_may_have_zero_strides(cupy, launches):
    # torch gives empty tensors zero strides; with no elements, none share an address.
    host = np.empty((0, 6))
    out = cupy.ndarray(np.lib.stride_tricks.as_strided(np.empty(1), (0, 6), (0, 0)))
    assert ndgrad.gradient(cupy.ndarray(host), axis=1, out=out) is out
    assert cupy.allocations() == []


def test_torch_out(torch, launches, rng):
    host = rng.standard_normal((5, 6)).astype(np.float32)
    f = torch.Tensor(host, "cuda:1")
    out = torch.Tensor(np.empty((5, 6), np.float32), "cuda:1")
    got = run(launches, f, host, axis=0, out=out)
    assert got is out
    assert_same(host_of(got), expected(host, (), axis=0))
    assert torch.allocations() == []
    bad = [
        (torch.Tensor(np.empty((5, 6), np.float32), "cuda:0"), ValueError,
         "out[0] is on cuda:0 but f is on cuda:1"),
        (torch.Tensor(np.empty((5, 6), np.float32), "cpu"), ValueError,
         "out[0] is on cpu but f is on cuda:1"),
        (torch.Tensor(np.empty((5, 6)), "cuda:1"), TypeError,
         "out[0] has dtype torch.float64 but the gradient of torch.float32 data is "
         "torch.float32"),
        (torch.Tensor(np.empty((5, 6), np.float32), "cuda:1", requires_grad=True), TypeError,
         ".detach()"),
        (np.empty((5, 6), np.float32), TypeError, "out[0] must be a torch.Tensor"),
    ]
    for o, cls, message in bad:
        with pytest.raises(cls) as raised:
            ndgrad.gradient(f, axis=0, out=o)
        assert message in str(raised.value), str(raised.value)
    assert len(launches.calls) == 1 and torch.allocations() == []


# --------------------------------------------------------------------------------------
# Dask arrays of CuPy chunks: computed chunk by chunk (tests/test_cuda_dask.py has the rest)
# --------------------------------------------------------------------------------------


def test_dask_arrays_of_cupy_chunks_are_computed(cupy, launches, block_launches, rng):
    import dask
    import dask.array as da

    import ndgrad.dask

    host = rng.standard_normal((6, 7))
    x = da.from_array(host, chunks=3).map_blocks(
        cupy.asarray, meta=cupy.empty((0, 0), dtype=host.dtype))
    block_launches.expect = (host.shape, host.dtype, (), 1)
    for call in (ndgrad.gradient, ndgrad.dask.gradient):
        got = dask.compute(*call(x), scheduler="sync")
        assert all(type(g) is cupy.ndarray for g in got)
        assert_same(host_of(got), expected(host, ()))
    assert launches.calls == []
    # Two calls, each: 2 x 3 chunks, one launch per chunk and axis.
    assert len(block_launches.calls) == 2 * 6 * 2


# --------------------------------------------------------------------------------------
# The real cuda_launch on this (driverless) machine
# --------------------------------------------------------------------------------------


def _driver_present():
    for name in ("libcuda.so.1", ctypes.util.find_library("cuda")):
        if name:
            try:
                ctypes.CDLL(name)
                return True
            except OSError:
                pass
    return False


def test_real_launch_without_a_driver(monkeypatch):
    if not hasattr(_native, "cuda_plan"):
        pytest.skip(NO_PLAN)
    if not hasattr(_native, "cuda_launch"):
        pytest.skip("ndgrad._native has no cuda_launch in this build")
    if _driver_present():
        pytest.skip("a CUDA driver is present: the fake arrays' host pointers must not "
                    "reach a real GPU (tests/test_cuda_device.py covers real launches)")
    cp = make_cupy()
    monkeypatch.setitem(sys.modules, "cupy", cp)
    f = cp.ndarray(np.arange(12.0).reshape(3, 4))
    # "ndgrad: no CUDA driver found (libcuda.so.1); GPU arrays need an NVIDIA driver >= 525"
    message = "ndgrad: no CUDA driver found (libcuda.so.1); GPU arrays need an NVIDIA driver"
    with pytest.raises(RuntimeError) as raised:
        ndgrad.gradient(f)
    assert str(raised.value).startswith(message), str(raised.value)
    plan = _native.cuda_plan((3, 4), np.float64, (), None, 1, None)
    with pytest.raises(RuntimeError) as raised:
        _native.cuda_launch(plan, 0, 0, 1 << 20, (32, 8), (2 << 20, 3 << 20),
                            ((32, 8), (32, 8)), ())
    assert str(raised.value).startswith(message), str(raised.value)
