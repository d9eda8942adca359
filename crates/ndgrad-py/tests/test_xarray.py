"""``ndgrad.xarray``: the ``.ndgrad`` accessor against xarray's own ``differentiate``.

xarray's own tests are re-run through the accessor: ``test_differentiate``,
``test_differentiate_datetime`` and ``test_differentiate_cftime`` are imported from the
test-suite xarray ships (``xarray.tests.test_dataset``) and called with
``DataArray.differentiate`` and ``Dataset.differentiate`` monkeypatched to
``obj.ndgrad.differentiate`` (a counter proves the accessor ran). Then: bit-for-bit equality
with xarray's ``differentiate`` on numpy and chunked dask data (dask stays lazy), datetime
units, coordinates, names and attributes, the extensions (``nan_policy="omit"``, periodic
dimensions with a ``period`` attribute, ``accuracy=4``), ``gradient`` and the operators with
spacing from coordinates, and errors that name the argument. Every test runs under the
strict switch: ndgrad's engine computes each call itself.
"""

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
da = pytest.importorskip("dask.array")

import dask  # noqa: E402

import ndgrad  # noqa: E402
import ndgrad.xarray  # noqa: E402, F401 - registers the accessor
from conftest import assert_same, readme_example  # noqa: E402

xarray_tests = pytest.importorskip("xarray.tests.test_dataset")


@pytest.fixture(params=[False, True], ids=["numpy", "dask"])
def use_dask(request):
    """The fixture xarray's own suite gives its tests (from its conftest.py)."""
    return request.param


@pytest.fixture
def routed(monkeypatch):
    """xarray's ``differentiate`` methods run the accessor; yields the number of calls."""
    calls = []

    def via(cls):
        def differentiate(self, *args, **kwargs):
            calls.append(cls)
            return self.ndgrad.differentiate(*args, **kwargs)
        return differentiate

    for cls in (xr.DataArray, xr.Dataset):
        monkeypatch.setattr(cls, "differentiate", via(cls))
    yield calls


@pytest.mark.parametrize("edge_order", [1, 2])
def test_xarray_suite_differentiate(routed, use_dask, edge_order):
    xarray_tests.test_differentiate(use_dask, edge_order)
    assert set(routed) == {xr.DataArray, xr.Dataset}


def test_xarray_suite_differentiate_datetime(routed, use_dask):
    xarray_tests.test_differentiate_datetime(use_dask)
    assert routed


def test_xarray_suite_differentiate_cftime(routed, use_dask):
    pytest.importorskip("cftime")
    xarray_tests.test_differentiate_cftime(use_dask)
    assert routed


# --- bit for bit against xarray's differentiate -------------------------------------------

def _values(obj):
    return {k: np.asarray(v.values) for k, v in obj.variables.items()} if isinstance(
        obj, xr.Dataset) else {None: np.asarray(obj.values)}


def assert_bitwise(got, expected):
    """Identical xarray objects (values, dims order, coordinates, names, attributes), and
    every variable's values equal bit for bit."""
    xr.testing.assert_identical(got, expected)
    g, e = _values(got), _values(expected)
    assert list(g) == list(e)
    for k in e:
        assert_same(g[k], e[k])


def field(rng, shape=(9, 7), coords="uneven", name="T"):
    x = np.cumsum(rng.uniform(0.1, 1.0, shape[0])) if coords == "uneven" else np.arange(
        shape[0]) * 0.5
    return xr.DataArray(
        rng.standard_normal(shape), dims=("x", "y"), name=name,
        coords={"x": ("x", x, {"units": "m"}), "x2": ("x", np.sort(rng.random(shape[0]))),
                "label": "run 1"},
        attrs={"units": "K", "long_name": "temperature"},
    )


def dataset(rng):
    t = field(rng)
    return xr.Dataset(
        {"T": t, "T32": t.astype(np.float32), "n": t.astype(np.int16) * 3,
         "z": (("y", "x"), rng.standard_normal((7, 9)) + 1j),
         "flat": ("y", rng.standard_normal(7), {"units": "1"}), "name": "kept"},
        attrs={"title": "test"},
    )


@pytest.mark.parametrize("coords", ["uneven", "even"])
@pytest.mark.parametrize("coord", ["x", "y", "x2"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_dataarray_bitwise(rng, coords, coord, edge_order):
    a = field(rng, coords=coords)
    assert_bitwise(a.ndgrad.differentiate(coord, edge_order),
                   a.differentiate(coord, edge_order))


@pytest.mark.parametrize("coord", ["x", "y", "x2"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_dataset_bitwise(rng, coord, edge_order):
    ds = dataset(rng)
    assert_bitwise(ds.ndgrad.differentiate(coord, edge_order=edge_order),
                   ds.differentiate(coord, edge_order=edge_order))


class _NoCompute:
    """A dask scheduler that fails the test: nothing may be computed."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("the accessor computed a dask graph; it must stay lazy")


@pytest.mark.parametrize("chunks", [{"x": 4}, {"x": 1}, {"x": (2, 5, 2), "y": 3}, {"y": 2}])
@pytest.mark.parametrize("coord", ["x", "y", "x2"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_dask_bitwise_and_lazy(rng, chunks, coord, edge_order):
    """Lazy, and xarray's bits on the computed data; also xarray's dask result where dask's
    gradient accepts the call. It refuses chunks of at most ``edge_order + 1`` samples along
    the axis and dask coordinates (``x2`` is chunked with the data), which ndgrad computes:
    a dask coordinate is computed once (1-D), the data stays lazy."""
    ds = dataset(rng)
    lazy = ds.chunk(chunks)
    scheduler = None if coord == "x2" else _NoCompute()
    with dask.config.set(scheduler=scheduler):
        got = lazy.ndgrad.differentiate(coord, edge_order=edge_order)
        got_da = lazy["T"].ndgrad.differentiate(coord, edge_order=edge_order)
    for name in ("T", "T32", "n"):
        assert isinstance(got[name].data, da.Array)
    assert isinstance(got_da.data, da.Array)
    expected = ds.differentiate(coord, edge_order=edge_order)
    assert_bitwise(got.compute(), expected)
    assert_bitwise(got_da.compute(), expected["T"])
    try:
        expected_lazy = lazy.differentiate(coord, edge_order=edge_order).compute()
    except (ValueError, NotImplementedError) as e:
        assert ("Chunk size must be larger than edge_order + 1" in str(e)
                or "dask array coordinated is not supported" in str(e))
        return
    assert_bitwise(got.compute(), expected_lazy)


def test_dimension_without_coordinate(rng):
    a = field(rng).drop_vars("x")
    assert_bitwise(a.ndgrad.differentiate("x"), a.differentiate("x"))


# --- datetime coordinates ------------------------------------------------------------------

def times(rng, n, unit="ns"):
    steps = rng.integers(1, 10_000, n).astype("timedelta64[s]")
    return (np.datetime64("2024-03-10T04:00", unit) + np.cumsum(steps)).astype(
        f"datetime64[{unit}]")


@pytest.mark.parametrize("datetime_unit", [None, "W", "D", "h", "m", "s", "ms", "us", "ns"])
@pytest.mark.parametrize("resolution", ["ns", "s"])
def test_datetime_units(rng, datetime_unit, resolution):
    a = xr.DataArray(rng.standard_normal((12, 3)), dims=("time", "y"), name="v",
                     coords={"time": times(rng, 12, resolution)})
    expected = a.differentiate("time", datetime_unit=datetime_unit)
    assert_bitwise(a.ndgrad.differentiate("time", datetime_unit=datetime_unit), expected)
    assert_bitwise(a.chunk({"time": 5}).ndgrad.differentiate(
        "time", datetime_unit=datetime_unit).compute(), expected)


@pytest.mark.parametrize("datetime_unit", [None, "h"])
def test_datetime_data_and_timedelta_coordinates(rng, datetime_unit):
    t = times(rng, 10)
    ds = xr.Dataset({"when": ("lag", t), "v": ("lag", rng.standard_normal(10))},
                    coords={"lag": t - t[0]})
    assert_bitwise(ds.ndgrad.differentiate("lag", datetime_unit=datetime_unit),
                   ds.differentiate("lag", datetime_unit=datetime_unit))


def test_datetime_default_is_xarrays(rng):
    """xarray differentiates per the coordinate's own unit (nanoseconds here), not per
    second like ndgrad.gradient's time_unit default."""
    t = np.array(["2024-01-01T00:00", "2024-01-01T00:10", "2024-01-01T00:30",
                  "2024-01-01T01:30", "2024-01-01T03:30"], dtype="datetime64[ns]")
    a = xr.DataArray([0.0, 1, 3, 4, 10], dims="t", coords={"t": t})
    per_hour = a.ndgrad.differentiate("t", datetime_unit="h")
    assert per_hour.values.tolist() == [6.0, 6.0, 4.75, 1.6666666666666665, 3.0]  # E8
    assert_same(a.ndgrad.differentiate("t").values, a.differentiate("t").values)
    assert a.ndgrad.differentiate("t").values[0] == pytest.approx(6.0 / 3.6e12)


# --- non-numeric variables -----------------------------------------------------------------

@pytest.mark.numpy_fallback
@pytest.mark.parametrize("data", [np.array(["a", "b", "c"]), np.array([True, False, True])])
def test_non_numeric_variables_as_xarray(data):
    """Strings and booleans along the dimension fail as in xarray (NumPy's own error);
    without it they are kept."""
    ds = xr.Dataset({"s": ("x", data), "kept": ("y", data)}, coords={"x": [0.0, 1, 3]})
    with pytest.raises(Exception) as expected:
        ds.differentiate("x")
    with pytest.raises(expected.type) as got:
        ds.ndgrad.differentiate("x")
    assert str(got.value) == str(expected.value)
    kept = ds.drop_vars("s")
    assert_bitwise(kept.ndgrad.differentiate("x"), kept.differentiate("x"))


# --- extensions ----------------------------------------------------------------------------

def longitudes(rng, even=True):
    lon = np.arange(0.0, 360.0, 10.0) if even else np.sort(rng.uniform(0, 350, 36))
    return xr.DataArray(
        rng.standard_normal((5, 36)), dims=("lat", "lon"), name="sst",
        coords={"lat": np.linspace(-20, 20, 5), "lon": ("lon", lon, {"period": 360.0})},
    )


@pytest.mark.parametrize("even", [True, False])
def test_periodic_takes_the_period_attribute(rng, even):
    a = longitudes(rng, even)
    lon = a.lon.values
    expected = ndgrad.gradient(a.values, lon, axis=1, boundary="periodic", period=360.0)
    got = a.ndgrad.differentiate("lon", boundary="periodic")
    assert_same(got.values, expected)
    assert got.dims == a.dims and got.name == "sst"
    assert_same(a.chunk({"lon": 7}).ndgrad.differentiate("lon", boundary="periodic").values,
                expected)
    # an explicit period wins over the attribute; without either, ndgrad's own rule
    assert_same(a.ndgrad.differentiate("lon", boundary="periodic", period=400.0).values,
                ndgrad.gradient(a.values, lon, axis=1, boundary="periodic", period=400.0))
    bare = a.copy()
    bare.lon.attrs.clear()
    if even:
        assert_same(bare.ndgrad.differentiate("lon", boundary="periodic").values,
                    ndgrad.gradient(a.values, lon, axis=1, boundary="periodic"))
    else:
        with pytest.raises(ValueError, match="period="):
            bare.ndgrad.differentiate("lon", boundary="periodic")


def test_period_attribute_ignored_on_one_sided_dims(rng):
    """A ``period`` attribute alone changes nothing: the default stays xarray's."""
    a = longitudes(rng)
    assert_bitwise(a.ndgrad.differentiate("lon"), a.differentiate("lon"))


def test_boundary_mapping_per_dim(rng):
    a = longitudes(rng)
    got = a.ndgrad.gradient(boundary={"lon": "periodic"}, accuracy=4)
    g_lat, g_lon = ndgrad.gradient(a.values, a.lat.values, a.lon.values, accuracy=4,
                                   boundary=("one-sided", "periodic"), period=(None, 360.0))
    assert list(got.data_vars) == ["dsst_dlat", "dsst_dlon"]
    assert_same(got["dsst_dlat"].values, g_lat)
    assert_same(got["dsst_dlon"].values, g_lon)


def test_one_mapping_serves_every_dimension(rng):
    """A mapping may name dimensions that a call does not differentiate."""
    a = longitudes(rng)
    options = {"boundary": {"lon": "periodic"}}
    assert_bitwise(a.ndgrad.differentiate("lat", **options), a.differentiate("lat"))
    assert_same(a.to_dataset().ndgrad.gradient("lon", **options)["dsst_dlon"].values,
                ndgrad.gradient(a.values, a.lon.values, axis=1, boundary="periodic",
                                period=360.0))


def test_nan_policy_omit(rng):
    a = field(rng)
    a[3, 2] = np.nan
    a[4, 2] = np.nan
    expected = ndgrad.gradient(a.values, a.x.values, axis=0, nan_policy="omit")
    assert_same(a.ndgrad.differentiate("x", nan_policy="omit").values, expected)
    assert_same(a.to_dataset().ndgrad.differentiate("x", nan_policy="omit")["T"].values,
                expected)
    assert np.isfinite(expected[2, 2]) and np.isfinite(expected[5, 2])


@pytest.mark.parametrize("coords", ["uneven", "even"])
def test_accuracy_4(rng, coords):
    a = field(rng, coords=coords)
    expected = ndgrad.gradient(a.values, a.x.values, axis=0, accuracy=4)
    got = a.ndgrad.differentiate("x", accuracy=4)
    assert_same(got.values, expected)
    assert_same(a.chunk({"x": 3}).ndgrad.differentiate("x", accuracy=4).values, expected)
    assert got.attrs == {} and got.name == "T" and got.x.attrs == {"units": "m"}


def test_savgol_and_deriv(rng):
    a = field(rng, shape=(15, 4))
    assert_same(a.ndgrad.differentiate("x", window_length=5, polyorder=2).values,
                ndgrad.gradient(a.values, a.x.values, axis=0, window_length=5, polyorder=2))
    assert_same(a.ndgrad.differentiate("y", deriv=2).values,
                ndgrad.gradient(a.values, axis=1, deriv=2))


# --- gradient and the operators ------------------------------------------------------------

def test_gradient_matches_differentiate(rng):
    a = field(rng)
    g = a.ndgrad.gradient()
    assert list(g.data_vars) == ["dT_dx", "dT_dy"]
    assert_bitwise(g["dT_dx"].rename("T"), a.differentiate("x"))
    assert_bitwise(g["dT_dy"].rename("T"), a.differentiate("y"))
    assert list(a.rename(None).ndgrad.gradient("y").data_vars) == ["d_dy"]
    lazy = a.chunk({"x": 4}).ndgrad.gradient(["y", "x"])
    assert isinstance(lazy["dT_dx"].data, da.Array)
    assert_same(lazy["dT_dx"].values, g["dT_dx"].values)


def test_dataset_gradient(rng):
    ds = dataset(rng)[["T", "flat"]]
    g = ds.ndgrad.gradient(["y"])
    assert list(g.data_vars) == ["dT_dy", "dflat_dy"]
    assert g.attrs == {"title": "test"}
    assert_same(g["dflat_dy"].values, ndgrad.gradient(ds.flat.values))


def test_dataset_gradient_per_dim_options(rng):
    """Options per dimension reach each variable's own axes, whichever of the dimensions
    it has."""
    ds = dataset(rng)[["T", "flat"]]
    for boundary in [("one-sided", "periodic"), {"y": "periodic"}]:
        g = ds.ndgrad.gradient(["x", "y"], boundary=boundary, period=(None, 7.0))
        assert_same(g["dflat_dy"].values,
                    ndgrad.gradient(ds.flat.values, boundary="periodic", period=7.0))
        g_x, g_y = ndgrad.gradient(ds["T"].values, ds.x.values, 1.0,
                                   boundary=("one-sided", "periodic"), period=(None, 7.0))
        assert_same(g["dT_dx"].values, g_x)
        assert_same(g["dT_dy"].values, g_y)


def test_magnitude_and_laplacian(rng):
    a = field(rng)
    x = a.x.values
    m = a.ndgrad.magnitude()
    assert_same(m.values, ndgrad.magnitude(a.values, x, 1.0))
    assert m.name == "T" and m.dims == a.dims and m.attrs == {}
    xr.testing.assert_identical(m.coords.to_dataset(), a.coords.to_dataset())
    assert_same(a.ndgrad.laplacian(accuracy=4).values,
                ndgrad.laplacian(a.values, x, 1.0, accuracy=4))
    assert_same(a.ndgrad.laplacian(["y"]).values, ndgrad.laplacian(a.values, axis=1))
    lazy = a.chunk({"x": 3}).ndgrad.magnitude()
    assert isinstance(lazy.data, da.Array)
    assert_same(lazy.values, m.values)


def wind(rng):
    y, x = np.linspace(0, 1, 6), np.cumsum(rng.uniform(0.5, 1, 8))
    coords = {"y": y, "x": x}
    u = xr.DataArray(rng.standard_normal((6, 8)), dims=("y", "x"), coords=coords)
    v = xr.DataArray(rng.standard_normal((6, 8)), dims=("y", "x"), coords=coords)
    return xr.Dataset({"u": u, "v": v.transpose("x", "y")})


def test_divergence_and_curl_of_dataset_variables(rng):
    ds = wind(rng)
    u, v = ds.u.values, ds.v.transpose("y", "x").values
    y, x = ds.y.values, ds.x.values
    assert_same(ds.ndgrad.divergence({"u": "x", "v": "y"}).values,
                ndgrad.divergence((u, v), x, y, axis=(1, 0)))
    vorticity = ds.ndgrad.curl({"u": "x", "v": "y"}, accuracy=4)
    assert_same(vorticity.values, ndgrad.curl((u, v), x, y, axis=(1, 0), accuracy=4))
    assert vorticity.dims == ("y", "x") and vorticity.name is None
    # the same through the module's functions, on DataArrays
    assert_same(ndgrad.xarray.curl([ds.u, ds.v], dims=["x", "y"]).values,
                ndgrad.curl((u, v), x, y, axis=(1, 0)))
    lazy = ndgrad.xarray.divergence([ds.u.chunk({"x": 3}), ds.v.chunk({"x": 3})],
                                    dims=["x", "y"])
    assert isinstance(lazy.data, da.Array)
    assert_same(lazy.values, ndgrad.divergence((u, v), x, y, axis=(1, 0)))


def test_curl_3d(rng):
    shape = (4, 5, 6)
    arrays = [xr.DataArray(rng.standard_normal(shape), dims=("z", "y", "x")) for _ in range(3)]
    ds = xr.Dataset(dict(zip("uvw", arrays)))
    got = ds.ndgrad.curl({"u": "x", "v": "y", "w": "z"})
    assert list(got.data_vars) == ["curl_x", "curl_y", "curl_z"]
    expected = ndgrad.curl([a.values for a in arrays], axis=(2, 1, 0))
    for name, e in zip(got.data_vars, expected):
        assert_same(got[name].values, e)


# --- errors name the argument --------------------------------------------------------------

def test_errors_name_the_argument(rng):
    a = field(rng)
    with pytest.raises(ValueError, match=r"dims=\('z',\).*'z' is not a dimension"):
        a.ndgrad.gradient("z")
    with pytest.raises(ValueError, match=r"boundary=.*\['lat'\]"):
        a.ndgrad.gradient(boundary={"lat": "periodic"})
    with pytest.raises(ValueError, match="accuracy=3"):
        a.ndgrad.differentiate("x", accuracy=3)
    with pytest.raises(TypeError, match="edge_order.*accuracy|accuracy.*edge_order"):
        a.ndgrad.differentiate("x", 2, accuracy=4)
    with pytest.raises(ValueError, match="Coordinate 'q' not found"):
        a.ndgrad.differentiate("q")
    with pytest.raises(ValueError, match="must be 1 dimensional"):
        a.assign_coords(x2d=a * 0).ndgrad.differentiate("x2d")
    ds = wind(rng)
    with pytest.raises(ValueError, match="components names 'w'"):
        ds.ndgrad.divergence({"u": "x", "w": "y"})
    with pytest.raises(TypeError, match="components= maps each variable"):
        ds.ndgrad.curl(["u", "v"])
    with pytest.raises(ValueError, match=r"dims=\['x'\] must name one dimension per component"):
        ndgrad.xarray.divergence([ds.u, ds.v], dims=["x"])
    with pytest.raises(ValueError, match="exact"):
        ndgrad.xarray.divergence([ds.u, ds.v.isel(x=slice(1, None))], dims=["x", "y"])


def test_readme_example():
    """The README's example runs as written."""
    code = readme_example("## xarray: the `.ndgrad` accessor")
    exec(compile(code, "README.md", "exec"), {})


def test_ndgrad_gradient_of_a_dataarray_is_numpys_ndarray():
    # A DataArray has __dask_graph__ and chunks, but NumPy treats it as an array: so does
    # ndgrad.gradient (it is not a dask array, even when dask is installed).
    da = xr.DataArray(np.arange(12.0).reshape(3, 4) ** 2, dims=("y", "x"))
    got = ndgrad.gradient(da)
    assert all(type(g) is np.ndarray for g in got)
    expected = np.gradient(da)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
