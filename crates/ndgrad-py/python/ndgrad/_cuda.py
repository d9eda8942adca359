"""CuPy arrays and CUDA torch tensors: ``ndgrad.gradient`` on their own GPU.

Selection is by the input's type only: a ``cupy.ndarray``, or a ``torch.Tensor`` whose
``is_cuda`` is true. Both types are looked up in ``sys.modules``: ndgrad never imports CuPy
or torch (an array of theirs can only exist once they are imported), and NumPy arrays and
CPU tensors never move to a GPU. ``import ndgrad`` touches no CUDA library.

The flow (docs: GPU.md section 7):

1. ``workers=`` and tensors that require grad are refused; GPU coordinate arrays are copied
   to the host once (0-d ones become NumPy scalars of their dtype).
2. ``_native.cuda_plan`` validates the call with the CPU path's code before anything is
   allocated (so errors are NumPy's, in NumPy's order) and returns the gradient's dtype,
   the differentiated axes and the host coefficient tables.
3. Outputs come from the framework (``cupy.empty_like`` under ``with f.device`` /
   ``torch.empty_like``, keeping ``f``'s layout), or are the caller's ``out=``; the tables
   go up with ``cupy.asarray`` / ``torch.as_tensor``.
4. ``_native.cuda_launch`` launches one kernel on the framework's current stream of
   ``f``'s device and returns: no synchronization, event or copy.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from . import _native
from ._datetime import coordinates as _datetime_coordinates

# NumPy's names of the torch dtypes the GPU path computes (the names match; uint16/32/64
# exist in torch >= 2.3 only, and are looked up when present).
_TORCH_DTYPE_NAMES = (
    "float16", "float32", "float64", "complex64", "complex128",
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
)


def is_gpu_array(f):
    """Whether ``f`` is a CuPy array or a CUDA torch tensor (without importing either)."""
    cp = sys.modules.get("cupy")
    if cp is not None:
        ndarray = getattr(cp, "ndarray", None)
        if ndarray is not None and isinstance(f, ndarray):
            return True
    torch = sys.modules.get("torch")
    if torch is not None:
        tensor = getattr(torch, "Tensor", None)
        if tensor is not None and isinstance(f, tensor) and f.is_cuda:
            return True
    return False


def gradient(f, varargs, axis, edge_order, ext, out, workers):
    """The gradient of GPU array ``f``: arrays of ``f``'s framework on ``f``'s device, one
    per differentiated axis (a single one for one axis, a tuple otherwise, ``()`` for none),
    with ``numpy.gradient``'s values bit for bit."""
    fw = _CuPy(sys.modules["cupy"]) if _is_cupy(f) else _Torch(sys.modules["torch"])
    if workers is not None:
        raise TypeError(
            f"workers= does not apply to {fw.kind} (the GPU computes the whole call); omit it"
        )
    fw.check_input(f)
    dtype = fw.numpy_dtype(f)
    varargs = tuple(host_spacing(v) for v in varargs)
    # datetime64 coordinates in seconds, as ndgrad.gradient converts them for NumPy arrays.
    varargs = _datetime_coordinates(varargs)
    shape = tuple(int(n) for n in f.shape)
    cuda_plan = getattr(_native, "cuda_plan", None)
    if cuda_plan is None:
        raise RuntimeError(
            f"this build of ndgrad has no GPU path (ndgrad._native.cuda_plan is missing), so "
            f"it cannot compute {fw.kind}; reinstall ndgrad"
        )
    # Every argument error (NumPy's, in NumPy's order) is raised here, before any allocation.
    plan = cuda_plan(shape, dtype, varargs, axis, edge_order, ext)
    naxes = len(plan.axes)
    out_dtype = np.dtype(plan.out_dtype)
    with fw.on_device(f):
        if out is not None:
            outs = _checked_out(fw, f, out, naxes, out_dtype)
        else:
            outs = None
        if naxes == 0:
            return ()
        f = fw.resolved(f)
        if outs is None:
            outs = [fw.empty_like(f, out_dtype) for _ in range(naxes)]
        if math.prod(shape) == 0:
            # A zero-length axis that is not differentiated (a differentiated one is
            # NumPy's ValueError, raised by the plan): empty outputs, nothing to launch.
            return outs[0] if naxes == 1 else tuple(outs)
        ptr, strides = fw.describe(f)
        described = [fw.describe(o) for o in outs]
        # The tables live in memory from the framework's caching allocator, allocated on
        # the current stream, the stream the kernel is launched on. They are referenced
        # until cuda_launch has returned (the launch is enqueued); dropping them after that
        # is safe without a synchronization: CuPy's and torch's pools hand a freed block
        # out again only for work that is ordered after it on the same stream, so nothing
        # can overwrite a table before the kernel has read it.
        tables = [fw.upload(f, t) for t in plan.tables]
        table_ptrs = tuple(fw.describe(t)[0] for t in tables)
        _native.cuda_launch(
            plan,
            fw.device_id(f),
            fw.stream(f),
            ptr,
            strides,
            tuple(p for p, _ in described),
            tuple(s for _, s in described),
            table_ptrs,
        )
        del tables
    return outs[0] if naxes == 1 else tuple(outs)


def _is_cupy(f):
    cp = sys.modules.get("cupy")
    return cp is not None and isinstance(f, cp.ndarray)


def host_spacing(v):
    """A spacing argument on the host: GPU arrays (and torch tensors) become NumPy arrays,
    copied once; 0-d ones become NumPy scalars of their dtype. Anything else is left as
    given, for the plan to judge as NumPy would."""
    cp = sys.modules.get("cupy")
    if cp is not None and isinstance(v, cp.ndarray):
        a = cp.asnumpy(v)
        return a[()] if a.ndim == 0 else a
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(v, torch.Tensor):
        if v.requires_grad:
            raise TypeError(
                "a spacing argument is a tensor that requires grad; ndgrad's gradient is "
                "not recorded by autograd: pass it .detach()"
            )
        a = v.resolve_conj().resolve_neg().cpu().numpy()
        return a[()] if a.ndim == 0 else a
    return v


def block_gradient(block, neighbours, origin, call):
    """One task of ``ndgrad.dask`` on CuPy chunks: every output of a chunk, as CuPy arrays.

    ``neighbours[k]`` holds the samples just before and after the chunk along output ``k``'s
    axis (the plan's reach of them, cut from the neighbouring chunks; None at an end of the
    array), ``origin`` the chunk's first index along every axis, ``call`` the whole array's
    shape and arguments. The kernel reads the chunk joined to those samples and computes
    each sample with its index on the whole axis, so the result is the whole array's, bit
    for bit.
    """
    shape, varargs, axis, edge_order, ext = call
    fw = _CuPy(sys.modules["cupy"])
    cp = fw.cp
    plan = _native.cuda_plan(tuple(shape), block.dtype, varargs, axis, edge_order, ext)
    out_dtype = np.dtype(plan.out_dtype)
    outs = []
    with block.device:
        stream = fw.stream(block)
        for k, ax in enumerate(plan.axes):
            left, right = neighbours[k]
            parts = [p for p in (left, block, right) if p is not None]
            # One joined copy per axis (the CPU tasks read the neighbours in place).
            joined = cp.concatenate(parts, axis=ax) if len(parts) > 1 else block
            before = 0 if left is None else int(left.shape[ax])
            ptr, strides = fw.describe(joined)
            out = cp.empty(block.shape, dtype=out_dtype)
            out_ptr, out_strides = fw.describe(out)
            index = plan.table_index(k)
            # Alive until the launch is enqueued; see `gradient` for why that suffices.
            table = None if index is None else cp.asarray(plan.tables[index])
            _native.cuda_launch_block(
                plan, k, int(origin[ax]), tuple(int(n) for n in block.shape),
                int(block.device.id), stream, ptr + before * strides[ax], strides,
                out_ptr, out_strides, 0 if table is None else fw.describe(table)[0],
            )
            outs.append(out)
            del table, joined
    return tuple(outs)


def _shape_text(shape):
    return str(tuple(int(n) for n in shape))


def _checked_out(fw, f, out, naxes, out_dtype):
    """``out=`` validated as the CPU path validates it (same messages where they apply),
    plus the framework and the device: a list of arrays, one per differentiated axis."""
    items = list(out) if isinstance(out, (tuple, list)) else [out]
    if len(items) != naxes:
        raise ValueError(
            f"out has {len(items)} array(s) but {naxes} axes are differentiated; pass one "
            f"array per axis"
        )
    for k, o in enumerate(items):
        fw.check_out(k, f, o, out_dtype)
        if tuple(o.shape) != tuple(f.shape):
            raise ValueError(
                f"out[{k}] has shape {_shape_text(o.shape)} but f has shape "
                f"{_shape_text(f.shape)}; outputs are shaped like f"
            )
        _, strides = fw.describe(o)
        # An empty array has no elements to share an address (torch gives some zero strides).
        empty = any(int(n) == 0 for n in o.shape)
        if not empty and any(s == 0 and n > 1 for s, n in zip(strides, o.shape)):
            raise ValueError(
                f"cannot write out[{k}] (several of its elements share one address): "
                f"{_DISJOINT}"
            )
    # The kernel reads f while it writes the outputs: no byte may be shared (judged by
    # extents, as numpy.may_share_memory does).
    extents = [_extent(fw, f)]
    for k, o in enumerate(items):
        lo, hi = _extent(fw, o)
        if lo < hi and any(lo < e_hi and e_lo < hi for e_lo, e_hi in extents):
            raise ValueError(
                f"cannot write out[{k}] (it shares memory with f or another output): "
                f"{_DISJOINT}"
            )
        extents.append((lo, hi))
    return items


_DISJOINT = "outputs must be writeable and share no memory with f or with each other"


def _extent(fw, a):
    """The bytes an array spans, [lo, hi) (empty for an empty array)."""
    ptr, strides = fw.describe(a)
    if any(int(n) == 0 for n in a.shape):
        return ptr, ptr
    lo = hi = ptr
    for n, s in zip(a.shape, strides):
        if s < 0:
            lo += (int(n) - 1) * s
        else:
            hi += (int(n) - 1) * s
    return lo, hi + fw.itemsize(a)


class _CuPy:
    kind = "CuPy arrays"

    def __init__(self, cp):
        self.cp = cp

    def check_input(self, f):
        pass

    def numpy_dtype(self, f):
        return f.dtype

    def on_device(self, f):
        # cupy.empty_like, cupy.asarray and the current stream are the current device's.
        return f.device

    def resolved(self, f):
        return f

    def device_id(self, f):
        return int(f.device.id)

    def stream(self, f):
        return int(self.cp.cuda.get_current_stream().ptr)

    def empty_like(self, f, dtype):
        return self.cp.empty_like(f, dtype=dtype)

    def upload(self, f, table):
        return self.cp.asarray(table)

    def describe(self, a):
        """The device pointer and byte strides, from ``__cuda_array_interface__``."""
        cai = a.__cuda_array_interface__
        strides = cai.get("strides")
        if strides is None:
            strides = _c_strides(cai["shape"], np.dtype(cai["typestr"]).itemsize)
        return int(cai["data"][0]), tuple(int(s) for s in strides)

    def check_out(self, k, f, o, out_dtype):
        if not isinstance(o, self.cp.ndarray):
            raise TypeError(
                f"out[{k}] must be a cupy.ndarray (f is one), not {type(o).__name__}"
            )
        if o.dtype != out_dtype:
            raise TypeError(
                f"out[{k}] has dtype {o.dtype} but the gradient of {f.dtype} data is "
                f"{out_dtype}; allocate it with that dtype"
            )
        if int(o.device.id) != int(f.device.id):
            raise ValueError(
                f"out[{k}] is on device {int(o.device.id)} but f is on device "
                f"{int(f.device.id)}; allocate it on f's device"
            )
        if o.__cuda_array_interface__["data"][1]:
            raise ValueError(f"cannot write out[{k}] (it is read-only): {_DISJOINT}")

    def itemsize(self, a):
        return a.dtype.itemsize


class _Torch:
    kind = "torch tensors"
    _cache = (None, None, None)

    def __init__(self, torch):
        self.torch = torch
        if _Torch._cache[0] is not torch:
            names = {}
            for name in _TORCH_DTYPE_NAMES:
                dt = getattr(torch, name, None)
                if dt is not None:
                    names[dt] = name
            _Torch._cache = (torch, names, {v: k for k, v in names.items()})
        _, self.names, self.dtypes = _Torch._cache

    def check_input(self, f):
        if f.requires_grad:
            raise TypeError(
                "f requires grad; ndgrad's gradient is not recorded by autograd: pass "
                "f.detach()"
            )
        layout = getattr(f, "layout", None)
        strided = getattr(self.torch, "strided", None)
        if layout is not None and strided is not None and layout != strided:
            raise TypeError(f"ndgrad computes strided tensors, not {layout}; pass f.to_dense()")

    def numpy_dtype(self, f):
        name = self.names.get(f.dtype)
        if name is None:
            raise TypeError(
                f"ndgrad's GPU path does not compute {f.dtype} tensors; convert f first, "
                f"e.g. f.to(torch.float32)"
            )
        return name

    def on_device(self, f):
        return _NoContext()

    def resolved(self, f):
        # Lazy conjugate / negative views: their memory holds the unconjugated values.
        return f.resolve_conj().resolve_neg()

    def device_id(self, f):
        return int(f.device.index)

    def stream(self, f):
        return int(self.torch.cuda.current_stream(f.device).cuda_stream)

    def empty_like(self, f, dtype):
        return self.torch.empty_like(f, dtype=self.dtypes[dtype.name])

    def upload(self, f, table):
        return self.torch.as_tensor(table, device=f.device)

    def itemsize(self, t):
        return t.element_size()

    def describe(self, t):
        size = t.element_size()
        return int(t.data_ptr()), tuple(int(s) * size for s in t.stride())

    def check_out(self, k, f, o, out_dtype):
        torch = self.torch
        if not isinstance(o, torch.Tensor):
            raise TypeError(
                f"out[{k}] must be a torch.Tensor on {f.device} (f is one), not "
                f"{type(o).__name__}"
            )
        want = self.dtypes[out_dtype.name]
        if o.dtype != want:
            raise TypeError(
                f"out[{k}] has dtype {o.dtype} but the gradient of {f.dtype} data is "
                f"{want}; allocate it with that dtype"
            )
        if o.device != f.device:
            raise ValueError(
                f"out[{k}] is on {o.device} but f is on {f.device}; allocate it on f's "
                f"device"
            )
        if o.requires_grad:
            raise TypeError(
                f"out[{k}] requires grad; ndgrad writes it outside autograd: pass a tensor "
                f"that does not (e.g. out[{k}].detach())"
            )
        if o.is_conj() or o.is_neg():
            raise ValueError(
                f"out[{k}] is a lazily conjugated or negated view; pass a plain tensor"
            )
        layout = getattr(o, "layout", None)
        if layout is not None and layout != getattr(torch, "strided", layout):
            raise TypeError(f"out[{k}] must be a strided tensor, not {layout}")


class _NoContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _c_strides(shape, itemsize):
    """Byte strides of a C-contiguous array."""
    strides = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))
