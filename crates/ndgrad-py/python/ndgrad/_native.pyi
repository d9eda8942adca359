from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

__version__: str

def gradient(
    f: Any, varargs: tuple[Any, ...], axis: Any, edge_order: Any, workers: Any, out: Any
) -> Any: ...
def plan_axes(
    shape: Sequence[int], varargs: tuple[Any, ...], axis: Any, edge_order: Any
) -> Any: ...
def gradient_block(
    block: NDArray[Any],
    spacing: tuple[Any, ...],
    axis: int,
    length: int,
    block_start: int,
    out_start: int,
    out_stop: int,
    edge_order: int,
) -> NDArray[Any]: ...
def copy_floor(
    src: NDArray[Any], dsts: Sequence[NDArray[Any]], workers: int | None = None
) -> None: ...
