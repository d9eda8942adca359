"""The pool of recycled output buffers (see ``pool_info``).

A fresh output array's pages are mapped and zeroed by the operating system on first touch,
which costs about as much as the gradient itself. Large outputs (1 MiB and up) therefore
come from buffers whose previous arrays have died: a loop of calls, each dropping the last
result, stops paying for page zeroing. A buffer goes back to the pool only when no array or
view refers to it any more, so memory still in use is never handed out.
"""

from __future__ import annotations

from . import _native

__all__ = ["pool_info", "configure_pool"]


def pool_info():
    """What the output pool holds now.

    Returns a dict: ``bytes`` (idle memory held), ``buffers`` (their count), ``limit`` (the
    most it holds, from ``NDGRAD_POOL_BYTES``, default 1 GiB; 0 means off) and
    ``idle_seconds`` (an idle buffer is freed after this long, default 1 s). Returns None
    in the rare moment another thread is using the pool.
    """
    return _native.pool_info()


def configure_pool(limit=None, idle_seconds=None):
    """Set the pool's ``limit`` in bytes (``0`` switches it off and frees what it holds)
    and the ``idle_seconds`` after which an idle buffer is freed; ``None`` keeps a setting.

    Returns True, or False in the rare moment another thread is using the pool (nothing
    changed then; call again). ``NDGRAD_POOL_BYTES`` sets the limit a process starts with.
    """
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)
                              or limit < 0):
        raise ValueError(f"limit must be a number of bytes >= 0, got {limit!r}")
    return _native.configure_pool(limit, idle_seconds)
