from typing import Any, Union

from numpy.typing import ArrayLike

def gradient(
    x: Any, *varargs: ArrayLike, axis: Any = None, edge_order: int = 1
) -> Union[Any, tuple[Any, ...]]: ...
