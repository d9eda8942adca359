"""The compiled half of ndgrad (``ndgrad._native``); see ``src/lib.rs``."""

from typing import Any, ClassVar, Literal, Sequence, SupportsIndex, Union, final

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

__all__ = [
    "gradient",
    "copy_floor",
    "plan_axes",
    "gradient_parts",
    "pool_info",
    "configure_pool",
    "PooledBuffer",
    "output_dtype",
    "fill_out",
    "operator",
    "Declined",
    "CudaPlan",
    "cuda_plan",
    "cuda_launch",
    "cuda_launch_block",
    "__version__",
]
__version__: str

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]
_Out = Union[None, NDArray[Any], Sequence[NDArray[Any]]]
# What the engine computes: floating and complex gradients (float64 for integer data).
_Gradient = NDArray[np.inexact[Any]]
_Gradients = Union[_Gradient, tuple[_Gradient, ...]]
# The extension arguments, as ndgrad.gradient passes them: (accuracy, deriv, boundary,
# period, constant_values, edge_order_given, constant_values_given, window_length,
# polyorder, nan_policy), or None for NumPy's call.
_Extensions = Union[
    None,
    tuple[int | None, int, object, object, object, bool, bool, int | None, int | None, str],
]
# A ghost fill of one end: None (one-sided), "wrap", "reflect" or ("constant", value).
_Fill = Union[None, Literal["wrap", "reflect"], tuple[Literal["constant"], float]]
# One differentiated axis: (axis, reach, (left, right) ghosts, (left, right) fills, whether
# blocks must hold the whole axis under the NaN policy).
_AxisInfo = tuple[int, int, tuple[int, int], tuple[_Fill, _Fill], bool]
# NumPy's names of the gradient dtypes the engine produces.
_OutputDTypeName = Literal["float64", "float32", "float16", "complex128", "complex64"]

@final
class Declined:
    """Why the engine leaves a call to ``numpy.gradient`` (returned instead of a result)."""

    SUBCLASS: ClassVar[Declined]
    DTYPE: ClassVar[Declined]
    BYTE_ORDER: ClassVar[Declined]
    AXIS: ClassVar[Declined]
    EDGE_ORDER: ClassVar[Declined]
    SPACING: ClassVar[Declined]
    ZERO_DIVISION: ClassVar[Declined]
    DIMENSIONS: ClassVar[Declined]
    @property
    def reason(self) -> str:
        """What was declined, in words."""
    def __int__(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def gradient(
    f: object,
    varargs: tuple[ArrayLike, ...],
    axis: _Axis,
    edge_order: int,
    workers: int | None,
    out: _Out,
    ext: _Extensions = None,
) -> _Gradients | Declined: ...
def plan_axes(
    shape: Sequence[int],
    varargs: tuple[ArrayLike, ...],
    axis: _Axis,
    edge_order: int,
    ext: _Extensions = None,
    dtype: np.dtype[Any] | None = None,
) -> tuple[_AxisInfo, ...] | Declined: ...
def output_dtype(dtype: DTypeLike) -> _OutputDTypeName | None: ...
def fill_out(
    f: object, out: _Out, result: NDArray[Any] | tuple[NDArray[Any], ...]
) -> NDArray[Any] | tuple[NDArray[Any], ...]: ...
def gradient_parts(
    block: NDArray[np.number[Any]],
    neighbours: Sequence[tuple[NDArray[Any] | None, NDArray[Any] | None]],
    shape: Sequence[int],
    varargs: tuple[ArrayLike, ...],
    axis: _Axis,
    edge_order: int,
    ext: _Extensions,
    origin: Sequence[int],
) -> tuple[_Gradient, ...]: ...
def pool_info() -> dict[str, int | float] | None: ...
def configure_pool(limit: int | None = None, idle_seconds: float | None = None) -> bool: ...

class PooledBuffer: ...

def operator(
    name: Literal["magnitude", "divergence", "laplacian", "curl"],
    components: Sequence[NDArray[Any]],
    varargs: tuple[ArrayLike, ...],
    axis: _Axis,
    edge_order: int,
    workers: int | None,
    out: _Out,
    ext: _Extensions = None,
) -> _Gradients: ...
def copy_floor(
    src: NDArray[Any], dsts: Sequence[NDArray[Any]], workers: int | None = None
) -> None: ...

# The GPU path (ndgrad/_cuda.py drives it; GPU.md section 7).
@final
class CudaPlan:
    """A validated GPU call: what to allocate and upload before ``cuda_launch``."""

    @property
    def out_dtype(self) -> _OutputDTypeName:
        """NumPy's name of every output's dtype (``'float64'`` for integer data)."""
    @property
    def axes(self) -> tuple[int, ...]:
        """The differentiated axes, in output order (one output each)."""
    @property
    def tables(self) -> tuple[NDArray[np.float64], ...]:
        """Host coefficient tables (1-D float64), one per output that reads one (coordinate
        axes, accuracies, derivative orders, Savitzky-Golay windows), in order, to upload to
        the device; ``()`` when none does."""
    def table_index(self, k: int) -> int | None:
        """Which of ``tables`` output ``k`` reads, or None."""

def cuda_plan(
    shape: Sequence[int],
    dtype: DTypeLike,
    varargs: tuple[ArrayLike, ...],
    axis: _Axis,
    edge_order: int,
    ext: _Extensions = None,
) -> CudaPlan:
    """Validates a GPU call (host spacings only) exactly as ``numpy.gradient`` would,
    raising its exceptions; ``TypeError`` for dtypes the GPU path does not compute, or
    naming ``nan_policy=`` (the one extension the kernels do not run)."""

def cuda_launch(
    plan: CudaPlan,
    device: int,
    stream: int,
    data_ptr: int,
    byte_strides: tuple[int, ...],
    out_ptrs: tuple[int, ...],
    out_byte_strides: tuple[tuple[int, ...], ...],
    table_ptrs: tuple[int, ...],
) -> None:
    """Launches the plan's kernel on ``stream`` (a ``CUstream``; 0 is the legacy default
    stream) of device ``device`` and returns: no synchronization, no copy. Pointers are
    device addresses; strides are in bytes (may be negative). ``RuntimeError`` without a
    CUDA driver, or naming the ``CUresult`` of a failed CUDA call."""

def cuda_launch_block(
    plan: CudaPlan,
    k: int,
    origin: int,
    block_shape: tuple[int, ...],
    device: int,
    stream: int,
    data_ptr: int,
    byte_strides: tuple[int, ...],
    out_ptr: int,
    out_byte_strides: tuple[int, ...],
    table_ptr: int,
) -> None:
    """Launches output ``k`` of one chunk (``block_shape``, first index ``origin`` along
    that output's axis) whose first sample is at ``data_ptr`` in an array that also holds
    the samples the stencil reads around it; the result is the whole array's."""
