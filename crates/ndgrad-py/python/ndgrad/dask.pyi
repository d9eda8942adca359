from typing import Literal, Sequence, SupportsIndex, Union

import dask.array as da
from numpy.typing import ArrayLike

__all__ = ["gradient"]

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]

_Mode = Literal["one-sided", "periodic", "reflect", "constant"]
_Boundary = Union[_Mode, Sequence[_Mode | tuple[_Mode, _Mode]], tuple[_Mode, _Mode]]
# NumPy's fixed-length time units ("m" is the minute) for datetime64 coordinates.
_TimeUnit = Literal["W", "D", "h", "m", "s", "ms", "us", "ns"]
_NanPolicy = Literal["propagate", "omit", "split", "raise"]

def gradient(
    x: da.Array | ArrayLike,
    *varargs: da.Array | ArrayLike,
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
) -> da.Array | tuple[da.Array, ...]: ...
