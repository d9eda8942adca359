from typing import Any

__version__: str

def gradient(
    f: Any, varargs: tuple[Any, ...], axis: Any, edge_order: Any, workers: Any, out: Any
) -> Any: ...
