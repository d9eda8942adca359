from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any, Literal, Protocol, Sequence, SupportsIndex, TypeVar, Union, overload

from numpy.typing import ArrayLike, NDArray

from ._native import Declined as _Declined

__all__ = ["gradient", "magnitude", "divergence", "laplacian", "curl", "patch_numpy",
           "unpatch_numpy", "patched_numpy", "pool_info", "configure_pool", "__version__"]
__version__: str

def pool_info() -> dict[str, int | float] | None: ...
def configure_pool(limit: int | None = None, idle_seconds: float | None = None) -> bool: ...

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]
_Out = Union[None, NDArray[Any], Sequence[NDArray[Any]]]

_Mode = Literal["one-sided", "periodic", "reflect", "constant"]
_Boundary = Union[_Mode, Sequence[_Mode | tuple[_Mode, _Mode]], tuple[_Mode, _Mode]]
# NumPy's fixed-length time units ("m" is the minute) for datetime64 coordinates.
_TimeUnit = Literal["W", "D", "h", "m", "s", "ms", "us", "ns"]
_NanPolicy = Literal["propagate", "omit", "split", "raise"]

# CuPy arrays and CUDA torch tensors (anything with __cuda_array_interface__): computed on
# their GPU, with outputs of their own type.
class _CudaArray(Protocol):
    @property
    def __cuda_array_interface__(self) -> dict[str, Any]: ...

_G = TypeVar("_G", bound=_CudaArray)

@overload
def gradient(
    f: _G,
    *varargs: Any,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    accuracy: None = None,
    deriv: Literal[1] = 1,
    boundary: Literal["one-sided"] = "one-sided",
    period: None = None,
    nan_policy: Literal["propagate"] = "propagate",
    window_length: None = None,
    polyorder: None = None,
    time_unit: _TimeUnit = "s",
    workers: None = None,
    out: _G | Sequence[_G] | None = None,
) -> Union[_G, tuple[_G, ...]]: ...
@overload
def gradient(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: float | Sequence[float | None] | None = None,
    constant_values: float | Sequence[float | tuple[float, float]] = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
    time_unit: _TimeUnit = "s",
    workers: int | None = None,
    out: _Out = None,
) -> Union[NDArray[Any], tuple[NDArray[Any], ...]]: ...

# Private: the strict switch for tests (see __init__.py).
_STRICT: ContextVar[bool]

class _DeclinedError(RuntimeError):
    reason: _Declined
    def __init__(self, reason: _Declined) -> None: ...

def _strict(enabled: bool = True) -> AbstractContextManager[None]: ...

_Field = Union[NDArray[Any], Sequence[ArrayLike]]

def magnitude(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: float | Sequence[float | None] | None = None,
    constant_values: float | Sequence[float | tuple[float, float]] = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
    time_unit: _TimeUnit = "s",
    workers: int | None = None,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
def divergence(
    F: _Field,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: float | Sequence[float | None] | None = None,
    constant_values: float | Sequence[float | tuple[float, float]] = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
    time_unit: _TimeUnit = "s",
    workers: int | None = None,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
def laplacian(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: _Axis = None,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    boundary: _Boundary = "one-sided",
    period: float | Sequence[float | None] | None = None,
    constant_values: float | Sequence[float | tuple[float, float]] = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
    time_unit: _TimeUnit = "s",
    workers: int | None = None,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]: ...
def curl(
    F: _Field,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: float | Sequence[float | None] | None = None,
    constant_values: float | Sequence[float | tuple[float, float]] = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
    time_unit: _TimeUnit = "s",
    workers: int | None = None,
    out: NDArray[Any] | Sequence[NDArray[Any]] | None = None,
) -> NDArray[Any] | tuple[NDArray[Any], NDArray[Any], NDArray[Any]]: ...

# numpy.gradient routed to ndgrad.gradient for code you do not own (see _patch.py).
def patch_numpy() -> None: ...
def unpatch_numpy() -> None: ...
def patched_numpy() -> AbstractContextManager[None]: ...
