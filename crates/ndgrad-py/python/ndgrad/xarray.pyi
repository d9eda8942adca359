from typing import Hashable, Literal, Mapping, Sequence, Union

import xarray as xr

__all__ = ["NdgradDataArrayAccessor", "NdgradDatasetAccessor", "divergence", "curl"]

_Mode = Literal["one-sided", "periodic", "reflect", "constant"]
# One mode for all dimensions, one per dimension (a sequence in dims order, or a mapping
# keyed by dimension: those left out are one-sided), or a (left, right) pair.
_Boundary = Union[
    _Mode,
    Sequence[_Mode | tuple[_Mode, _Mode]],
    tuple[_Mode, _Mode],
    Mapping[Hashable, _Mode | tuple[_Mode, _Mode]],
]
_Period = float | Sequence[float | None] | Mapping[Hashable, float] | None
_Constants = Union[
    float,
    Sequence[float | tuple[float, float]],
    Mapping[Hashable, float | tuple[float, float]],
]
_NanPolicy = Literal["propagate", "omit", "split", "raise"]
_DatetimeUnit = Literal["W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"] | None
_Dims = Hashable | Sequence[Hashable] | None

class NdgradDataArrayAccessor:
    def __init__(self, obj: xr.DataArray) -> None: ...
    def differentiate(
        self,
        coord: Hashable,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        *,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.DataArray: ...
    def gradient(
        self,
        dims: _Dims = None,
        *,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.Dataset: ...
    def magnitude(
        self,
        dims: _Dims = None,
        *,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.DataArray: ...
    def laplacian(
        self,
        dims: _Dims = None,
        *,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.DataArray: ...

class NdgradDatasetAccessor:
    def __init__(self, obj: xr.Dataset) -> None: ...
    def differentiate(
        self,
        coord: Hashable,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        *,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.Dataset: ...
    def gradient(
        self,
        dims: _Dims = None,
        *,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.Dataset: ...
    def divergence(
        self,
        components: Mapping[Hashable, Hashable],
        *,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.DataArray: ...
    def curl(
        self,
        components: Mapping[Hashable, Hashable],
        *,
        edge_order: Literal[1, 2] = 1,
        datetime_unit: _DatetimeUnit = None,
        accuracy: Literal[2, 4, 6, 8] | None = None,
        deriv: Literal[1, 2, 3, 4] = 1,
        boundary: _Boundary = "one-sided",
        period: _Period = None,
        constant_values: _Constants = 0.0,
        nan_policy: _NanPolicy = "propagate",
        window_length: int | None = None,
        polyorder: int | None = None,
    ) -> xr.DataArray | xr.Dataset: ...

def divergence(
    components: Sequence[xr.DataArray],
    dims: Sequence[Hashable],
    *,
    edge_order: Literal[1, 2] = 1,
    datetime_unit: _DatetimeUnit = None,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: _Period = None,
    constant_values: _Constants = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
) -> xr.DataArray: ...
def curl(
    components: Sequence[xr.DataArray],
    dims: Sequence[Hashable],
    *,
    edge_order: Literal[1, 2] = 1,
    datetime_unit: _DatetimeUnit = None,
    accuracy: Literal[2, 4, 6, 8] | None = None,
    deriv: Literal[1, 2, 3, 4] = 1,
    boundary: _Boundary = "one-sided",
    period: _Period = None,
    constant_values: _Constants = 0.0,
    nan_policy: _NanPolicy = "propagate",
    window_length: int | None = None,
    polyorder: int | None = None,
) -> xr.DataArray | xr.Dataset: ...
