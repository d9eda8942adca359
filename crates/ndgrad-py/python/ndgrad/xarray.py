"""ndgrad for xarray: a ``.ndgrad`` accessor on ``DataArray`` and ``Dataset``.

``import ndgrad.xarray`` registers the accessor. ``differentiate`` is xarray's own method,
computed by ndgrad: with no extension argument it returns what ``DataArray.differentiate``
/ ``Dataset.differentiate`` return, values bit for bit (numpy- and dask-backed data, the
latter lazily; datetime64 and cftime coordinates), and it takes ndgrad's extensions
(``accuracy``, ``deriv``, ``boundary``, ``period``, ``constant_values``, ``nan_policy``,
``window_length``, ``polyorder``). ``gradient``, ``magnitude``, ``laplacian`` (DataArray) and
``divergence``, ``curl`` (Dataset, or the functions of this module for DataArrays) take their
spacing from the coordinates: a dimension without one has unit spacing.

Options that differ per dimension may be mappings keyed by dimension
(``boundary={"lon": "periodic"}``; a dimension left out is one-sided). A periodic dimension
without ``period=`` takes the ``period`` attribute of its coordinate
(``da.lon.attrs["period"] = 360``), in the coordinate's units. Results carry the input's
coordinates and no attributes (a derivative has other units), as xarray's ``differentiate``.
"""

from __future__ import annotations

import xarray as xr

import ndgrad

from . import _xarray_coords as coords
from ._sentinel import _NoValue

__all__ = ["NdgradDataArrayAccessor", "NdgradDatasetAccessor", "divergence", "curl"]


def _options(accuracy, deriv, boundary, period, constant_values, nan_policy,
             window_length, polyorder):
    return {"accuracy": accuracy, "deriv": deriv, "boundary": boundary, "period": period,
            "constant_values": constant_values, "nan_policy": nan_policy,
            "window_length": window_length, "polyorder": polyorder}


def _edge(edge_order):
    return {} if edge_order is _NoValue else {"edge_order": edge_order}


def _differentiate(ds, coord, edge_order, datetime_unit, options):
    """``Dataset.differentiate`` step by step as xarray takes it, ``np.gradient`` replaced
    by ``ndgrad.gradient`` (which dispatches dask arrays to ``ndgrad.dask``)."""
    if coord not in ds.variables and coord not in ds.dims:
        names = tuple(set(ds.variables.keys()).union(ds.dims))
        raise ValueError(f"Coordinate {coord!r} not found in variables or dimensions {names}.")
    coord_var = ds[coord].variable
    if coord_var.ndim != 1:
        raise ValueError(
            f"Coordinate {coord} must be 1 dimensional but is {coord_var.ndim} dimensional"
        )
    dim = coord_var.dims[0]
    x, datetime_unit = coords.coordinate(coord_var, datetime_unit)
    kwargs = {**coords.engine_options((dim,), [coord_var.attrs], options, tuple(ds.sizes)),
              **_edge(edge_order)}
    data = {}
    for k, v in ds.variables.items():
        if k in ds.data_vars and dim in v.dims and k not in ds.coords:
            data[k] = ndgrad.gradient(coords.numeric(v, datetime_unit), x,
                                      axis=v.get_axis_num(dim), **kwargs)
    out = ds.copy(data={k: data.get(k, v.data) for k, v in ds.data_vars.items()})
    for k in data:  # new variables, as xarray's: no attributes, no encoding
        out.variables[k].attrs = {}
        out.variables[k].encoding = {}
    return out


def _partials(da, dims, edge_order, datetime_unit, options, known):
    """``{dim: derivative}`` of ``da`` along each of ``dims`` it has, in one call
    (``known``: the dimensions option mappings may name)."""
    dims = [d for d in dims if d in da.dims]
    if not dims:
        return {}
    spacing, attrs = zip(*(coords.spacing(da, d, datetime_unit) for d in dims))
    kwargs = {**coords.engine_options(dims, attrs, options, known), **_edge(edge_order)}
    grads = ndgrad.gradient(coords.numeric(da.variable, datetime_unit), *spacing,
                            axis=[da.get_axis_num(d) for d in dims], **kwargs)
    return dict(zip(dims, grads if isinstance(grads, tuple) else (grads,)))


def _partial_name(name, dim):
    return f"d{'' if name is None else name}_d{dim}"


def _operator(name, components, dims, datetime_unit, options, edge_order=_NoValue):
    """``ndgrad.<name>`` of a field whose component ``i`` is differentiated along
    ``dims[i]``, as DataArrays on the first component's coordinates."""
    components = xr.align(*components, join="exact")
    first = components[0]
    for c in components:
        if set(c.dims) != set(first.dims):
            raise ValueError(
                f"components: every component needs the same dimensions; {c.name!r} has "
                f"{c.dims!r}, {first.name!r} has {first.dims!r}"
            )
    dims = coords.dims_of(first, tuple(dims))
    spacing, attrs = zip(*(coords.spacing(first, d, datetime_unit) for d in dims))
    kwargs = {**coords.engine_options(dims, attrs, options, first.dims),
              **_edge(edge_order)}
    arrays = [coords.numeric(c.transpose(*first.dims).variable, datetime_unit)
              for c in components]
    field = arrays[0] if name in ("magnitude", "laplacian") else arrays
    result = getattr(ndgrad, name)(field, *spacing,
                                   axis=[first.get_axis_num(d) for d in dims], **kwargs)
    if isinstance(result, tuple):  # 3-D curl: one component per dimension
        return xr.Dataset({f"curl_{d}": (first.dims, r) for d, r in zip(dims, result)},
                          coords=first.coords)
    keep = first.name if name in ("magnitude", "laplacian") else None
    return xr.DataArray(result, coords=first.coords, dims=first.dims, name=keep)


def _components(ds, components, what):
    """A Dataset's ``{variable: dim}`` mapping as (DataArrays, dims)."""
    if not hasattr(components, "items") or not components:
        raise TypeError(
            f"{what}: components= maps each variable to the dimension it is differentiated "
            f"along, e.g. {{'u': 'x', 'v': 'y'}}; got {components!r}"
        )
    for var in components:
        if var not in ds.data_vars:
            raise ValueError(
                f"{what}: components names {var!r}, which is not a data variable of this "
                f"Dataset (its data variables: {tuple(ds.data_vars)!r})"
            )
    return [ds[v] for v in components], list(components.values())


@xr.register_dataarray_accessor("ndgrad")
class NdgradDataArrayAccessor:
    """``da.ndgrad``: derivatives of a DataArray along its dimensions, by ndgrad."""

    def __init__(self, obj):
        self._obj = obj

    def differentiate(self, coord, edge_order=_NoValue, datetime_unit=None, *, accuracy=None,
                      deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
                      nan_policy="propagate", window_length=None, polyorder=None):
        """The derivative along 1-D coordinate ``coord``: ``DataArray.differentiate``,
        bit for bit without extension arguments, which pass on to ``ndgrad.gradient``.

        ``edge_order`` and ``datetime_unit`` are xarray's (datetime: the coordinate's own
        unit by default, usually nanoseconds). ``period`` defaults to the coordinate's
        ``period`` attribute where ``boundary="periodic"``.
        """
        ds = self._obj._to_temp_dataset()
        ds = _differentiate(ds, coord, edge_order, datetime_unit,
                            _options(accuracy, deriv, boundary, period, constant_values,
                                     nan_policy, window_length, polyorder))
        return self._obj._from_temp_dataset(ds)

    def gradient(self, dims=None, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
                 deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
                 nan_policy="propagate", window_length=None, polyorder=None):
        """The partial derivatives along ``dims`` (default: all, in order) as a Dataset
        with one variable per dimension, named ``f"d{name}_d{dim}"`` (``"dT_dx"``;
        ``"d_dx"`` for an unnamed array), on this array's coordinates. Each equals
        ``differentiate(dim)`` where ``dim`` has a coordinate."""
        da = self._obj
        dims = coords.dims_of(da, dims)
        parts = _partials(da, dims, edge_order, datetime_unit,
                          _options(accuracy, deriv, boundary, period, constant_values,
                                   nan_policy, window_length, polyorder), da.dims)
        return xr.Dataset({_partial_name(da.name, d): (da.dims, g) for d, g in parts.items()},
                          coords=da.coords)

    def magnitude(self, dims=None, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
                  deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
                  nan_policy="propagate", window_length=None, polyorder=None):
        """The gradient's magnitude ``sqrt(g0*g0 + g1*g1 + ...)`` over ``dims`` (default:
        all), in one pass: ``ndgrad.magnitude`` with spacing from the coordinates."""
        return _operator("magnitude", [self._obj], coords.dims_of(self._obj, dims),
                         datetime_unit, _options(accuracy, deriv, boundary, period,
                                                 constant_values, nan_policy, window_length,
                                                 polyorder), edge_order)

    def laplacian(self, dims=None, *, datetime_unit=None, accuracy=None, boundary="one-sided",
                  period=None, constant_values=_NoValue, nan_policy="propagate",
                  window_length=None, polyorder=None):
        """The Laplacian over ``dims`` (default: all): the sum of the direct second
        derivatives, ``ndgrad.laplacian`` with spacing from the coordinates."""
        return _operator("laplacian", [self._obj], coords.dims_of(self._obj, dims),
                         datetime_unit, _options(accuracy, 1, boundary, period,
                                                 constant_values, nan_policy, window_length,
                                                 polyorder))


@xr.register_dataset_accessor("ndgrad")
class NdgradDatasetAccessor:
    """``ds.ndgrad``: derivatives of a Dataset's variables, and vector calculus on fields
    whose components are its variables."""

    def __init__(self, obj):
        self._obj = obj

    def differentiate(self, coord, edge_order=_NoValue, datetime_unit=None, *, accuracy=None,
                      deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
                      nan_policy="propagate", window_length=None, polyorder=None):
        """Every data variable along 1-D coordinate ``coord``: ``Dataset.differentiate``,
        bit for bit without extension arguments, which pass on to ``ndgrad.gradient``.
        Variables without ``coord``'s dimension are kept as they are."""
        return _differentiate(self._obj, coord, edge_order, datetime_unit,
                              _options(accuracy, deriv, boundary, period, constant_values,
                                       nan_policy, window_length, polyorder))

    def gradient(self, dims=None, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
                 deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
                 nan_policy="propagate", window_length=None, polyorder=None):
        """The partial derivatives of every data variable along each of ``dims`` (default:
        all) it has, as variables ``f"d{name}_d{dim}"`` (``"dT_dlon"``) of a Dataset with
        this one's coordinates and attributes."""
        ds = self._obj
        dims = coords.dims_of(ds, dims)
        options = coords.keyed(_options(accuracy, deriv, boundary, period, constant_values,
                                        nan_policy, window_length, polyorder), dims)
        out = {}
        for name, da in ds.data_vars.items():
            for d, g in _partials(da, dims, edge_order, datetime_unit, options,
                                        tuple(ds.sizes)).items():
                out[_partial_name(name, d)] = (da.dims, g)
        return xr.Dataset(out, coords=ds.coords, attrs=ds.attrs)

    def divergence(self, components, *, edge_order=_NoValue, datetime_unit=None,
                   accuracy=None, deriv=1, boundary="one-sided", period=None,
                   constant_values=_NoValue, nan_policy="propagate", window_length=None,
                   polyorder=None):
        """The divergence of the field ``components`` (``{"u": "x", "v": "y"}``: each
        variable and the dimension it is differentiated along), in one pass."""
        arrays, dims = _components(self._obj, components, "divergence")
        return _operator("divergence", arrays, dims, datetime_unit,
                         _options(accuracy, deriv, boundary, period, constant_values,
                                  nan_policy, window_length, polyorder), edge_order)

    def curl(self, components, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
             deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
             nan_policy="propagate", window_length=None, polyorder=None):
        """The curl of the field ``components`` (``{"u": "x", "v": "y"}``), right-handed in
        the mapping's order: 2 components give the DataArray ``dv/dx - du/dy``; 3 give a
        Dataset of ``curl_<dim>`` variables."""
        arrays, dims = _components(self._obj, components, "curl")
        return _operator("curl", arrays, dims, datetime_unit,
                         _options(accuracy, deriv, boundary, period, constant_values,
                                  nan_policy, window_length, polyorder), edge_order)


def divergence(components, dims, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
               deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
               nan_policy="propagate", window_length=None, polyorder=None):
    """The divergence of the field whose component ``components[i]`` (a DataArray) is
    differentiated along ``dims[i]``; the components must share dimensions and
    coordinates (``join="exact"``)."""
    return _operator("divergence", list(components), _pair(components, dims, "divergence"),
                     datetime_unit, _options(accuracy, deriv, boundary, period,
                                             constant_values, nan_policy, window_length,
                                             polyorder), edge_order)


def curl(components, dims, *, edge_order=_NoValue, datetime_unit=None, accuracy=None,
         deriv=1, boundary="one-sided", period=None, constant_values=_NoValue,
         nan_policy="propagate", window_length=None, polyorder=None):
    """The curl of the field whose component ``components[i]`` (a DataArray) goes with
    ``dims[i]``, right-handed in that order: ``curl([u, v], dims=["x", "y"])`` is
    ``dv/dx - du/dy``; 3 components give a Dataset of ``curl_<dim>`` variables."""
    return _operator("curl", list(components), _pair(components, dims, "curl"),
                     datetime_unit, _options(accuracy, deriv, boundary, period,
                                             constant_values, nan_policy, window_length,
                                             polyorder), edge_order)


def _pair(components, dims, what):
    dims = [dims] if isinstance(dims, str) else list(dims)
    if len(dims) != len(components):
        raise ValueError(
            f"{what}: dims={dims!r} must name one dimension per component "
            f"({len(components)} components)"
        )
    return dims
