from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any, Literal, Sequence, SupportsIndex, Union

from numpy.typing import ArrayLike, NDArray

from ._native import Declined as _Declined

__all__ = ["gradient", "__version__"]
__version__: str

_Axis = Union[None, SupportsIndex, Sequence[SupportsIndex]]
_Out = Union[None, NDArray[Any], Sequence[NDArray[Any]]]

def gradient(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: _Axis = None,
    edge_order: Literal[1, 2] = 1,
    workers: int | None = None,
    out: _Out = None,
) -> Union[NDArray[Any], tuple[NDArray[Any], ...]]: ...

# Private: the strict switch for tests (see __init__.py).
_STRICT: ContextVar[bool]

class _DeclinedError(RuntimeError):
    reason: _Declined
    def __init__(self, reason: _Declined) -> None: ...

def _strict(enabled: bool = True) -> AbstractContextManager[None]: ...
