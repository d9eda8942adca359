from typing import Any, Sequence, SupportsIndex, Union, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["gradient", "__version__"]
__version__: str

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]
_Out = Union[None, NDArray[Any], Sequence[NDArray[Any]]]

def gradient(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: int = 1,
    workers: int | None = None,
    out: _Out = None,
) -> Union[NDArray[Any], tuple[NDArray[Any], ...]]: ...
