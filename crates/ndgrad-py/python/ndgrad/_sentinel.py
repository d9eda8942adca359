"""The "argument not given" marker of ndgrad's signatures.

``edge_order`` and ``constant_values`` must tell an explicit value from the default (an
explicit ``edge_order`` cannot be combined with ``accuracy``), as NumPy does with its own
``np._NoValue``; ndgrad keeps a marker of its own rather than rely on a private NumPy name.
"""

from __future__ import annotations


class _NoValueType:
    """The type of :data:`_NoValue`; a single instance, printed as ``<no value>``."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "<no value>"

    def __reduce__(self):
        return (_NoValueType, ())


_NoValue = _NoValueType()
