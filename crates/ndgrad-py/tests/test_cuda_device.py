"""ndgrad.gradient on a real GPU: CuPy arrays and CUDA torch tensors, bit for bit against
numpy.gradient on host copies (NaN by position).

Every test skips, saying why, without CuPy or torch, without a CUDA device, or without the
GPU path in the build. Outputs are checked fresh and through ``out=`` arrays filled with a
poison pattern first (an element the kernel forgets keeps the poison).
"""

import numpy as np
import pytest

import ndgrad
from ndgrad import _native
from conftest import assert_same

POISON = 0xA5

FLOATS = ["float64", "float32", "float16", "complex128", "complex64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _needs_gpu_path():
    if not (hasattr(_native, "cuda_plan") and hasattr(_native, "cuda_launch")):
        pytest.skip("ndgrad._native has no cuda_plan/cuda_launch in this build")


@pytest.fixture(scope="module")
def cp():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001 - no driver, no device: any CUDA error skips
        pytest.skip(f"CuPy finds no CUDA device ({type(e).__name__}: {e})")
    if count == 0:
        pytest.skip("CuPy finds no CUDA device")
    _needs_gpu_path()
    return cupy


@pytest.fixture(scope="module")
def torch():
    t = pytest.importorskip("torch", reason="torch is not installed")
    if not t.cuda.is_available():
        pytest.skip("torch finds no CUDA device (torch.cuda.is_available() is False)")
    if getattr(t.version, "hip", None):
        pytest.skip("torch is a ROCm build; ndgrad's GPU path is CUDA only")
    _needs_gpu_path()
    return t


# --------------------------------------------------------------------------------------
# Frameworks, behind one small interface
# --------------------------------------------------------------------------------------


class CuPyKit:
    negative_strides = True

    def __init__(self, cp):
        self.cp = cp
        self.array_type = cp.ndarray

    def up(self, host):
        return self.cp.asarray(host)

    def down(self, a):
        return self.cp.asnumpy(a)

    def permute(self, a, axes):
        return a.transpose(axes)

    def fortran(self, a):
        return self.cp.asfortranarray(a)

    def poisoned_like(self, f, dtype):
        value = np.frombuffer(bytes([POISON]) * dtype.itemsize, dtype=dtype)[0]
        out = self.cp.empty_like(f, dtype=dtype)
        out.fill(value)
        return out

    def device(self, a):
        return a.device.id

    def has(self, dtype):
        return True

    def stream(self):
        return self.cp.cuda.Stream(non_blocking=True)

    def use(self, stream):
        return stream

    def synchronize(self, stream):
        stream.synchronize()


class TorchKit:
    negative_strides = False

    def __init__(self, torch):
        self.torch = torch
        self.array_type = torch.Tensor

    def has(self, dtype):
        return getattr(self.torch, dtype, None) is not None

    def up(self, host):
        # np.array, not np.ascontiguousarray, which turns a 0-d array into a 1-d one.
        return self.torch.from_numpy(np.array(host, order="C")).to("cuda")

    def down(self, a):
        return a.cpu().numpy()

    def permute(self, a, axes):
        return a.permute(*axes)

    def fortran(self, a):
        rev = tuple(range(a.dim()))[::-1]
        return a.permute(*rev).contiguous().permute(*rev)

    def poisoned_like(self, f, dtype):
        value = np.frombuffer(bytes([POISON]) * dtype.itemsize, dtype=dtype)[0].item()
        return self.torch.full_like(f, value, dtype=getattr(self.torch, dtype.name))

    def device(self, a):
        return a.device.index

    def stream(self):
        return self.torch.cuda.Stream()

    def use(self, stream):
        return self.torch.cuda.stream(stream)

    def synchronize(self, stream):
        stream.synchronize()


@pytest.fixture(params=["cupy", "torch"])
def kit(request):
    if request.param == "cupy":
        return CuPyKit(request.getfixturevalue("cp"))
    return TorchKit(request.getfixturevalue("torch"))


# --------------------------------------------------------------------------------------
# Data, layouts, spacings
# --------------------------------------------------------------------------------------


def sample(rng, shape, dtype):
    """Values of `dtype` with its hard cases: NaN, infinities, signed zeros, subnormals,
    huge values (differences overflow), and the integer extremes."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        a = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
        a.flat[:2] = info.min, info.max
        return a
    real = {"complex64": np.float32, "complex128": np.float64}.get(dtype.name, dtype)
    info = np.finfo(real)

    def part():
        x = (rng.standard_normal(shape) * 10).astype(real)
        specials = [np.nan, np.inf, -np.inf, -0.0, info.smallest_subnormal, info.max,
                    -info.max, info.tiny]
        idx = rng.choice(x.size, size=len(specials), replace=False)
        x.flat[idx] = np.array(specials, dtype=real)
        return x

    if dtype.kind == "c":
        a = np.empty(shape, dtype)
        a.real, a.imag = part(), part()
        return a
    return part()


def layouts(kit, base):
    """(name, device array) pairs over one C-contiguous device array `base` (3-D)."""
    out = [
        ("C", base),
        ("F", kit.fortran(base)),
        ("permuted", kit.permute(base, (2, 0, 1))),
        ("strided", base[::2, 1::3, :]),
        ("offset", base[1:, 2:, 1:4]),
    ]
    if kit.negative_strides:
        out.append(("negative", base[::-1, :, ::-2]))
    return out


def spacings(rng, shape, axis):
    """(name, spacing on the host) for the differentiated axes of `shape`."""
    axes = range(len(shape)) if axis is None else (
        (axis,) if isinstance(axis, int) else axis)
    ns = [shape[a] for a in axes]
    return [
        ("unit", ()),
        ("scalar", (0.7,)),
        ("per-axis", tuple([0.5, 2.0, np.float32(1.5), -3.0][i % 4] for i in range(len(ns)))),
        ("coords", tuple(
            [np.cumsum(rng.uniform(0.1, 2.0, n)),
             np.arange(n) * 0.25,
             np.cumsum(rng.integers(1, 4, n)),
             np.cumsum(rng.uniform(0.1, 2.0, n)).astype(np.float32)][i % 4]
            for i, n in enumerate(ns))),
    ]


def check(kit, f, varargs=(), gpu_varargs=None, **kwargs):
    """ndgrad on device array `f` equals numpy.gradient on its host copy: fresh outputs and
    poisoned out= arrays, framework types, single array or tuple, device."""
    host = kit.down(f)
    want = np.gradient(host, *varargs, **kwargs)
    call_varargs = varargs if gpu_varargs is None else gpu_varargs
    got = ndgrad.gradient(f, *call_varargs, **kwargs)
    wants = want if isinstance(want, tuple) else (want,)
    gots = got if isinstance(got, tuple) else (got,)
    assert isinstance(got, tuple) == isinstance(want, tuple)
    assert all(type(g) is kit.array_type for g in gots)
    assert all(kit.device(g) == kit.device(f) for g in gots)
    assert_same(tuple(kit.down(g) for g in gots), wants)
    if not wants:
        return
    outs = tuple(kit.poisoned_like(f, wants[0].dtype) for _ in wants)
    got = ndgrad.gradient(f, *call_varargs, out=outs if len(outs) > 1 else outs[0], **kwargs)
    gots = got if isinstance(got, tuple) else (got,)
    assert all(g is o for g, o in zip(gots, outs))
    assert_same(tuple(kit.down(g) for g in gots), wants)


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS + INTS)
def test_dtypes_layouts_spacings(kit, dtype):
    if not kit.has(dtype):
        pytest.skip(f"this torch has no {dtype}")
    rng = np.random.default_rng(20240)
    base = kit.up(sample(rng, (9, 11, 7), dtype))
    with np.errstate(all="ignore"):
        for name, f in layouts(kit, base):
            for edge_order in (1, 2):
                for axis in (None, 0, -1, (2, 0)):
                    for sname, varargs in spacings(rng, tuple(f.shape), axis):
                        try:
                            check(kit, f, varargs, axis=axis, edge_order=edge_order)
                        except AssertionError as e:
                            raise AssertionError(
                                f"{dtype} {name} edge_order={edge_order} axis={axis} "
                                f"spacing={sname}: {e}") from e


def test_coordinates_on_the_gpu(kit):
    rng = np.random.default_rng(7)
    host = sample(rng, (8, 6), "float64")
    x = np.cumsum(rng.uniform(0.5, 1.5, 8))
    h = np.float32(0.25)
    gx, gh = kit.up(x), kit.up(np.array(h))
    with np.errstate(all="ignore"):
        check(kit, kit.up(host), (x, h), gpu_varargs=(gx, gh))
        check(kit, kit.up(host), (x,), gpu_varargs=(gx,), axis=0, edge_order=2)


def test_empty_and_zero_dimensional(kit):
    for shape, axis in [((0, 5), 1), ((4, 0), 0), ((3, 0, 4), (0, 2))]:
        check(kit, kit.up(np.zeros(shape)), axis=axis)
    assert ndgrad.gradient(kit.up(np.array(2.0))) == ()


def test_a_non_default_stream(kit):
    """The kernel runs on the current stream, in order after the producer's kernels: on a
    non-blocking stream, a launch anywhere else would race with them."""
    rng = np.random.default_rng(3)
    host = rng.standard_normal((512, 4096))
    stream = kit.stream()
    with kit.use(stream):
        f = kit.up(host)
        for _ in range(100):
            f = f * 1.0000001 + 0.5
        got = ndgrad.gradient(f, 0.5, axis=1, edge_order=2)
        kit.synchronize(stream)
    with np.errstate(all="ignore"):
        assert_same(kit.down(got), np.gradient(kit.down(f), 0.5, axis=1, edge_order=2))


def test_another_device(kit):
    if isinstance(kit, CuPyKit):
        count = kit.cp.cuda.runtime.getDeviceCount()
    else:
        count = kit.torch.cuda.device_count()
    if count < 2:
        pytest.skip(f"one CUDA device ({count}); this test needs two")
    rng = np.random.default_rng(5)
    host = sample(rng, (7, 9), "float32")
    if isinstance(kit, CuPyKit):
        with kit.cp.cuda.Device(1):
            f = kit.cp.asarray(host)
    else:
        f = kit.torch.from_numpy(host).to("cuda:1")
    with np.errstate(all="ignore"):
        check(kit, f, (0.5, np.cumsum(rng.uniform(0.5, 1.5, 9))), edge_order=2)


def test_torch_refusals(torch):
    f = torch.arange(10.0, device="cuda", requires_grad=True)
    with pytest.raises(TypeError, match=r"\.detach\(\)"):
        ndgrad.gradient(f)
    with pytest.raises(TypeError, match="bfloat16"):
        ndgrad.gradient(torch.ones(5, device="cuda", dtype=torch.bfloat16))
    g = ndgrad.gradient(f.detach() ** 2)
    # torch.arange(10.0) is float32 (torch's default dtype), so the reference is too.
    assert_same(g.cpu().numpy(), np.gradient(np.arange(10.0, dtype=np.float32) ** 2))


EXTENSIONS = [
    dict(accuracy=4),
    dict(accuracy=8, deriv=3),
    dict(deriv=2),
    dict(window_length=11, polyorder=3),
    dict(boundary="periodic"),
    dict(accuracy=4, boundary="reflect"),
    dict(boundary="constant", constant_values=2.5),
    dict(boundary=("one-sided", "reflect")),
]


@pytest.mark.parametrize("kwargs", EXTENSIONS, ids=lambda k: ",".join(f"{a}={v}" for a, v in k.items()))
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex64", "int16"])
def test_extensions_equal_the_cpu_engine(kit, dtype, kwargs):
    """The general kernels (taps, ghost samples) against ndgrad's CPU engine on the host
    copy, bit for bit, in every layout, with unit and coordinate spacing."""
    rng = np.random.default_rng(99)
    base = kit.up(sample(rng, (25, 36, 30), dtype))
    with np.errstate(all="ignore"):
        for name, f in layouts(kit, base):
            host = kit.down(f)
            for varargs in ((), (0.5, np.cumsum(rng.uniform(0.2, 1.0, f.shape[1])), 2.0)):
                if varargs and kwargs.get("boundary") == "periodic":
                    continue  # uneven coordinates need a period
                try:
                    want = ndgrad.gradient(host, *varargs, **kwargs)
                except ValueError as e:  # an axis too short for the stencil: the same error
                    with pytest.raises(ValueError) as raised:
                        ndgrad.gradient(f, *varargs, **kwargs)
                    assert str(raised.value) == str(e)
                    continue
                got = ndgrad.gradient(f, *varargs, **kwargs)
                try:
                    assert_same(tuple(kit.down(g) for g in got), want)
                except AssertionError as e:
                    raise AssertionError(f"{dtype} {name} {kwargs} {len(varargs)}: {e}") from e


def test_dask_arrays_of_cupy_chunks(cp):
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(5)
    host = rng.standard_normal((40, 33))
    x = np.cumsum(rng.uniform(0.2, 1.0, 33))
    for chunks in ((7, 5), (1, 33), (40, 2)):
        d = da.from_array(host, chunks=chunks).map_blocks(cp.asarray)
        for kwargs in (dict(), dict(edge_order=2), dict(accuracy=4)):
            got = ndgrad.gradient(d, 0.3, x, **kwargs)
            want = ndgrad.gradient(host, 0.3, x, **kwargs)
            assert_same(tuple(cp.asnumpy(g.compute()) for g in got), want)
