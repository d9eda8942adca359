from typing import Literal, Sequence, SupportsIndex, Union

import dask.array as da
from numpy.typing import ArrayLike

__all__ = ["gradient"]

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]

def gradient(
    x: da.Array | ArrayLike,
    *varargs: da.Array | ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
) -> da.Array | tuple[da.Array, ...]: ...
