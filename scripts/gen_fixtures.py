"""Write golden fixtures for the Rust test suite by running numpy.gradient itself.

Run through `scripts/gen_fixtures.sh`, which makes a local venv with NumPy first. The output,
crates/ndgrad/tests/fixtures/numpy_gradient.json, is committed; the Rust test
`tests/fixtures.rs` replays every case and demands NumPy's exact bits, dtypes and errors.

Every case stores the input array (as bit patterns, in C order, before a layout transform),
the call (axis, spacing arguments with their NumPy types, edge_order) and NumPy's answer:
either the outputs (dtype, shape, bits in C order of the logical array) or the exception
class and message. Large cases store a hash of the output bits instead of the bits.
"""

import json
import sys
from pathlib import Path

import numpy as np

SEED = 20261125
OUT = Path(__file__).resolve().parent.parent / "crates/ndgrad/tests/fixtures/numpy_gradient.json"

FLOATS = ["float64", "float32", "float16"]
COMPLEX = ["complex128", "complex64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
LAYOUTS = ["C", "F", "strided", "reversed", "transposed"]
UINT_OF = {8: np.uint64, 4: np.uint32, 2: np.uint16}
CANONICAL_NAN = {8: 0x7FF8000000000000, 4: 0x7FC00000, 2: 0x7E00}


def real_bits(a):
    """Bit patterns of a real float array as Python ints (NaNs canonical)."""
    a = np.ascontiguousarray(a)
    bits = a.view(UINT_OF[a.itemsize]).astype(np.uint64)
    bits[np.isnan(a)] = CANONICAL_NAN[a.itemsize]
    return [int(b) for b in bits.ravel()]


def value_bits(a):
    """Flat bits of any float/complex array in C order; complex as re, im pairs."""
    a = np.asarray(a)
    if np.iscomplexobj(a):
        pairs = np.stack([a.real, a.imag], axis=-1)
        return real_bits(pairs)
    return real_bits(a)


def fnv(words):
    h = 0xCBF29CE484222325
    for w in words:
        h ^= w
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def hashed(seed, count):
    """Deterministic values in [-1, 1), exact in float64, reproduced by the Rust test."""
    i = np.arange(count, dtype=np.uint64) + np.uint64(seed)
    k = (i * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return k.astype(np.float64) / 2.0 ** 31 - 1.0


def generated(dtype, shape, seed):
    """A large input described by a seed instead of its bits (see `hashed`)."""
    n = int(np.prod(shape))
    if dtype in COMPLEX:
        v = hashed(seed, 2 * n)
        return (v[0::2] + 1j * v[1::2]).astype(dtype).reshape(shape)
    if dtype in INTS:
        k = ((hashed(seed, n) + 1.0) * 2.0 ** 31).astype(np.int64)
        return (k - 2 ** 31).astype(dtype).reshape(shape)
    return hashed(seed, n).astype(dtype).reshape(shape)


def generated_coordinates(n, seed):
    """Strictly increasing, unevenly spaced coordinates, exact in float64."""
    frac = (hashed(seed, n) + 1.0) / 4.0
    return np.arange(n, dtype=np.float64) + frac


class Gen:
    """Marks an argument as generated: written as its seed, not its bits."""

    def __init__(self, array, spec):
        self.array, self.spec = array, spec


def encode_data(a):
    if a.dtype.kind in "iu":
        return [int(v) for v in a.ravel()]
    return value_bits(a)


def apply_layout(base, layout):
    if layout == "C":
        return base
    if layout == "F":
        return np.asfortranarray(base)
    if layout == "strided":
        return base[tuple(slice(None, None, 2) for _ in range(base.ndim))]
    if layout == "reversed":
        return base[tuple(slice(None, None, -1) for _ in range(base.ndim))]
    if layout == "transposed":
        return base.T
    raise ValueError(layout)


def encode_spacing(s):
    """A spacing argument with its NumPy type, so Rust can rebuild the same promotion."""
    if isinstance(s, Gen):
        return s.spec
    if isinstance(s, bool):
        raise TypeError("bool spacing is not generated")
    if isinstance(s, np.generic):  # before `float`: np.float64 subclasses float
        name = {np.float64: "f64", np.float32: "f32", np.float16: "f16"}[type(s)]
        return {"kind": name, "value": real_bits(np.asarray(s))[0]}
    if isinstance(s, (int, float)):
        return {"kind": "float", "value": real_bits(np.float64(s))[0]}
    a = np.asarray(s)
    if a.dtype.kind in "iu":
        return {"kind": "coords", "dtype": str(a.dtype), "shape": list(a.shape),
                "data": [int(v) for v in a.ravel()]}
    return {"kind": "coords", "dtype": str(a.dtype), "shape": list(a.shape),
            "data": real_bits(a)}


def run_case(name, base, layout, spacing, axis, edge_order, big=False):
    data = base.spec if isinstance(base, Gen) else None
    base = base.array if isinstance(base, Gen) else base
    f = apply_layout(base, layout)
    case = {
        "name": name,
        "dtype": str(base.dtype),
        "shape": list(base.shape),
        "layout": layout,
        "data": data if data is not None else encode_data(base),
        "axis": axis if not isinstance(axis, tuple) else list(axis),
        "spacing": [encode_spacing(s) for s in spacing],
        "edge_order": edge_order,
    }
    before = f.copy()
    try:
        with np.errstate(all="ignore"):
            args = [a.array if isinstance(a, Gen) else a for a in spacing]
            result = np.gradient(f, *args, axis=axis, edge_order=edge_order)
    except Exception as e:  # noqa: BLE001 - every NumPy exception is part of the spec
        cls = "AxisError" if isinstance(e, np.exceptions.AxisError) else type(e).__name__
        case["error"] = {"class": cls, "message": str(e)}
        return case
    assert np.array_equal(before, f, equal_nan=True), "numpy modified its input"
    outs = [result] if isinstance(result, np.ndarray) else list(result)
    case["single"] = isinstance(result, np.ndarray)
    enc = []
    for o in outs:
        item = {"dtype": str(o.dtype), "shape": list(o.shape)}
        bits = value_bits(o)
        if big:
            item["hash"] = fnv(bits)
            item["len"] = len(bits)
        else:
            item["bits"] = bits
        enc.append(item)
    case["outputs"] = enc
    return case


def random_data(rng, dtype, shape, specials):
    size = int(np.prod(shape))
    if dtype in INTS:
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    scale = 10.0 ** rng.integers(-3, 4)
    re = rng.standard_normal(size) * scale
    if dtype in COMPLEX:
        vals = re + 1j * rng.standard_normal(size) * scale
    else:
        vals = re
    vals = vals.astype(dtype)
    if specials and size:
        picks = rng.integers(0, size, size=max(1, size // 6))
        for k, p in enumerate(picks):
            special = [np.nan, np.inf, -np.inf, 0.0, -0.0][k % 5]
            if dtype in COMPLEX and k % 2:
                vals[p] = complex(vals[p].real, special)
            else:
                vals[p] = special
    return vals.reshape(shape)


def coordinates(rng, n, kind):
    if kind == "uniform":
        return np.arange(n) * 0.25 + 1.0
    if kind == "uneven":
        return np.cumsum(rng.uniform(0.1, 2.0, n)) - 3.0
    if kind == "decreasing":
        return -np.cumsum(rng.uniform(0.1, 2.0, n))
    if kind == "float32":
        return (np.cumsum(rng.uniform(0.1, 2.0, n))).astype(np.float32)
    if kind == "float16":
        return np.arange(n, dtype=np.float16) * np.float16(0.5) + np.float16(rng.integers(0, 3))
    if kind == "float16-uneven":
        return np.cumsum(rng.uniform(0.5, 2.0, n)).astype(np.float16)
    if kind == "int":
        return np.cumsum(rng.integers(1, 5, n)).astype(np.int64)
    if kind == "uint8":
        return np.arange(n, dtype=np.uint8) * np.uint8(3)
    if kind == "float32-uniform":
        return np.arange(n, dtype=np.float32) * np.float32(0.1)
    raise ValueError(kind)


SCALARS = [
    lambda rng: 0.5, lambda rng: 2, lambda rng: 0.1, lambda rng: np.float64(0.3),
    lambda rng: np.float32(0.3), lambda rng: np.float16(0.7), lambda rng: -1.5,
    lambda rng: np.array(0.2), lambda rng: np.array(0.2, dtype=np.float32),
]
COORD_KINDS = ["uniform", "uneven", "decreasing", "float32", "float16", "float16-uneven",
               "int", "uint8", "float32-uniform"]


def random_spacing(rng, f_shape, axes):
    form = rng.integers(0, 4)
    if form == 0:
        return []
    if form == 1:
        return [SCALARS[rng.integers(len(SCALARS))](rng)]
    out = []
    for ax in axes:
        if rng.random() < 0.3:
            out.append(SCALARS[rng.integers(len(SCALARS))](rng))
        else:
            kind = COORD_KINDS[rng.integers(len(COORD_KINDS))]
            n = f_shape[ax]
            if kind == "uint8" and n > 80:
                kind = "int"
            out.append(coordinates(rng, n, kind))
    return out


def logical_shape(shape, layout):
    if layout == "strided":
        return tuple(s // 2 for s in shape)
    if layout == "transposed":
        return tuple(reversed(shape))
    return tuple(shape)


def base_shape(shape, layout):
    if layout == "strided":
        return tuple(2 * s for s in shape)
    if layout == "transposed":
        return tuple(reversed(shape))
    return tuple(shape)


def tutorial_cases():
    return [run_case("tutorial: " + text, f, "C", spacing, axis, edge)
            for text, f, spacing, axis, edge in tutorial_list()]


def error_cases():
    f2 = np.arange(12.0).reshape(3, 4)
    f1 = np.arange(5.0)
    cases = [
        ("axis out of bounds", f2, [], 2, 1),
        ("negative axis out of bounds", f2, [], -3, 1),
        ("axis out of bounds in tuple", f2, [], (0, 5), 1),
        ("repeated axis", f2, [], (0, 0), 1),
        ("repeated axis negative", f2, [], (1, -1), 1),
        ("too many spacings", f2, [1.0, 2.0, 3.0], None, 1),
        ("two spacings for one axis", f2, [1.0, 2.0], 0, 1),
        ("coordinates for two axes", f2, [np.arange(3.0)], None, 1),
        ("2-D coordinates", f2, [np.ones((3, 1)), 1.0], None, 1),
        ("coordinates too long", f1, [np.arange(6.0)], None, 1),
        ("second coordinates wrong", f2, [np.arange(3.0), np.arange(3.0)], None, 1),
        ("length mismatch before 2-D", f2, [np.arange(4.0), np.ones((4, 1))], None, 1),
        ("edge order 3", f1, [], None, 3),
        ("too small for edge order 1", np.arange(1.0), [], None, 1),
        ("too small for edge order 2", np.arange(2.0), [], None, 2),
        ("too small second axis", np.ones((4, 2)), [], None, 2),
        ("too small unselected axis is fine", np.ones((4, 1)), [], 0, 2),
        ("length-1 coordinates", np.ones((1, 3)), [np.arange(1.0), 1.0], None, 1),
        ("spacing error before edge order", f1, [np.arange(4.0)], None, 3),
        ("axis error before spacing error", f2, [1.0, 2.0, 3.0], 4, 1),
        ("0-d input", np.array(3.0), [], None, 1),
        ("empty axis tuple", f2, [], (), 1),
        ("zero-length other axis", np.zeros((0, 5)), [], 1, 1),
        ("zero-length other axis, coordinates", np.zeros((4, 0)), [np.arange(4.0)], 0, 2),
        ("zero-length gradient axis", np.zeros((0, 5)), [], 0, 1),
        ("0-d coordinate broadcast", f2, [np.array(0.5)], None, 1),
        ("scalar for all axes", f2, [0.25], None, 2),
        ("negative axes order kept", np.ones((2, 3, 4)) * np.arange(4.0), [], (-1, 0), 1),
        ("exactly two samples", np.array([3.0, 5.0]), [], None, 1),
        ("exactly three samples edge 2", np.array([3.0, 5.0, 11.0]), [np.array([0.0, 1.0, 3.0])], None, 2),
        ("zero spacing", f1, [0.0], None, 1),
        ("zero coordinates difference", f1, [np.array([0.0, 1.0, 1.0, 2.0, 3.0])], None, 2),
        ("uniform with negative zero", f1, [np.array([0.0, -0.0, 0.0, -0.0, 0.0])], None, 1),
        ("NaN coordinates", f1, [np.array([0.0, np.nan, 2.0, 3.0, 4.0])], None, 2),
        ("inf spacing", f1, [np.inf], None, 2),
    ]
    return [run_case(n, f, "C", s, ax, e) for n, f, s, ax, e in cases]


def random_cases(rng, count):
    shapes = [(5,), (2,), (3,), (7,), (4, 5), (3, 1, 4), (2, 3, 4), (6, 2), (1, 5), (3, 3, 3, 2)]
    dtypes = FLOATS + COMPLEX + INTS
    cases = []
    for k in range(count):
        dtype = dtypes[k % len(dtypes)]
        shape = shapes[rng.integers(len(shapes))]
        layout = LAYOUTS[rng.integers(len(LAYOUTS))]
        f_shape = logical_shape(base_shape(shape, layout), layout)
        edge_order = int(rng.integers(1, 3))
        ndim = len(f_shape)
        candidates = [a for a in range(ndim) if f_shape[a] >= edge_order + 1]
        r = rng.random()
        if r < 0.35 or not candidates:
            axis, axes = None, list(range(ndim))
        elif r < 0.7:
            ax = int(candidates[rng.integers(len(candidates))])
            axis = ax - ndim if rng.random() < 0.4 else ax
            axes = [ax]
        else:
            perm = [int(a) for a in rng.permutation(candidates)]
            axes = perm[: max(1, int(rng.integers(1, len(perm) + 1)))]
            axis = tuple(a - ndim if rng.random() < 0.3 else a for a in axes)
        spacing = random_spacing(rng, f_shape, axes)
        base = random_data(rng, dtype, base_shape(shape, layout), specials=rng.random() < 0.3)
        name = f"random {k}: {dtype} {layout} {list(f_shape)} axis={axis} edge={edge_order}"
        cases.append(run_case(name, base, layout, spacing, axis, edge_order))
    return cases


def large_cases():
    # Large enough that the engine splits the work over several threads and tasks.
    def data(dtype, shape, seed):
        return Gen(generated(dtype, shape, seed), {"gen": "hashed", "seed": seed})

    def coords(n, seed):
        return Gen(generated_coordinates(n, seed), {"kind": "generated-coordinates", "n": n, "seed": seed})

    n = 300_000
    return [
        run_case("large 1-D f64", data("float64", (n,), 1), "C", [], None, 1, big=True),
        run_case("large 1-D f64 coordinates edge 2", data("float64", (n,), 2), "C",
                 [coords(n, 3)], None, 2, big=True),
        run_case("large 2-D f64", data("float64", (300, 256), 4), "C", [], None, 1, big=True),
        run_case("large 2-D f64 Fortran", data("float64", (300, 256), 5), "F",
                 [0.5, coords(256, 6)], None, 2, big=True),
        run_case("large 2-D f32 with f64 coordinates", data("float32", (256, 300), 7), "C",
                 [coords(256, 8), 0.1], None, 1, big=True),
        run_case("large 2-D complex128 strided", data("complex128", (200, 400), 9), "strided",
                 [coords(100, 10), 0.3], None, 2, big=True),
        run_case("large 3-D int32 reversed", data("int32", (40, 60, 50), 11), "reversed",
                 [], (2, 0), 2, big=True),
        run_case("large 3-D f32 transposed", data("float32", (50, 40, 60), 12), "transposed",
                 [np.float32(0.5)], None, 1, big=True),
    ]


DATA = Path(__file__).resolve().parent.parent / "data"
CLI_FIXTURES = Path(__file__).resolve().parent.parent / "crates/ndgrad-cli/tests/fixtures"


def write_png(path, pixels):
    """A minimal PNG writer (8/16-bit gray or 8-bit RGB), so no imaging library is needed."""
    import struct
    import zlib

    pixels = np.asarray(pixels)
    h, w = pixels.shape[:2]
    color = 2 if pixels.ndim == 3 else 0
    depth = 16 if pixels.dtype == np.uint16 else 8
    raw = pixels.astype(">u2" if depth == 16 else "u1").reshape(h, -1).view(np.uint8).reshape(h, -1)
    rows = b"".join(b"\x00" + row.tobytes() for row in raw)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def luminance(pixels):
    """The CLI's conversion of color to gray: (0.299 R + 0.587 G) + 0.114 B on raw values."""
    p = np.asarray(pixels, dtype=np.float64)
    if p.ndim == 2:
        return p
    return (0.299 * p[..., 0] + 0.587 * p[..., 1]) + 0.114 * p[..., 2]


def sample_image():
    """A 160x120 gray picture with a disc, a bar and a ramp: clear edges for the demo."""
    y, x = np.mgrid[0:120, 0:160]
    img = np.full((120, 160), 40.0)
    img += (x / 160.0) * 60
    img[(x - 55) ** 2 + (y - 60) ** 2 < 30 ** 2] = 220
    img[25:95, 105:135] = 150
    img[70:80, 20:140] = 90
    return np.clip(img, 0, 255).astype(np.uint8)


def sensor_table(rng, n=48):
    """An irregularly sampled day of temperature and humidity readings."""
    start = np.datetime64("2026-03-14T00:00:00")
    seconds = np.cumsum(rng.integers(600, 3000, n))
    seconds[0] = 0
    t = start + seconds.astype("m8[s]")
    hours = seconds / 3600.0
    temperature = np.round(12 + 8 * np.sin((hours - 9) / 24 * 2 * np.pi) + rng.normal(0, 0.2, n), 2)
    humidity = np.round(70 - 20 * np.sin((hours - 9) / 24 * 2 * np.pi) + rng.normal(0, 1.0, n), 1)
    lines = ["time,temperature,humidity"]
    lines += [f"{str(ti)},{a},{b}" for ti, a, b in zip(t, temperature, humidity)]
    return "\n".join(lines) + "\n", t, temperature, humidity


def tutorial_list():
    """The calls of a widely read np.gradient tutorial (shared/tutorial_examples.md)."""
    a = np.array
    x5 = np.linspace(0, 1, 5)
    win = np.mean(np.lib.stride_tricks.sliding_window_view(a([1, 2.1, 2.9, 4.2, 5]), 3), axis=-1)
    return [
        ("np.gradient(np.array([1, 3, 6, 10, 15]))", a([1, 3, 6, 10, 15]), [], None, 1),
        ("np.gradient(np.array([[1, 2, 3], [4, 5, 6]]))", a([[1, 2, 3], [4, 5, 6]]), [], None, 1),
        ("np.gradient(np.array([1, 4, 9, 16]), np.array([0, 1, 3, 6]))", a([1, 4, 9, 16]), [a([0, 1, 3, 6])], None, 1),
        ("np.gradient(np.array([[1, 2, 3], [4, 5, 6]]), np.array([1, 2]), np.array([0.5, 1, 2]))",
         a([[1, 2, 3], [4, 5, 6]]), [a([1, 2]), a([0.5, 1, 2])], None, 1),
        ("np.gradient(np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]))", a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), [], None, 1),
        ("np.gradient(np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), axis=2)",
         a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), [], 2, 1),
        ("np.gradient(np.array([1, 4, 9, 16, 25]), edge_order=2)", a([1, 4, 9, 16, 25]), [], None, 2),
        ("np.gradient(np.array([1, 2, np.nan, 4, 5]))", a([1, 2, np.nan, 4, 5]), [], None, 1),
        ("x = np.linspace(0, 1, 5); np.gradient(x**2, x)", x5 ** 2, [x5], None, 1),
        ("np.gradient(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]))", a([[0, 0, 0], [0, 1, 0], [0, 0, 0]]), [], None, 1),
        ("np.gradient(np.array([4, 3, 2.5, 2.1, 2]))", a([4, 3, 2.5, 2.1, 2]), [], None, 1),
        ("np.gradient(np.array([20, 22, 25, 24, 23]))", a([20, 22, 25, 24, 23]), [], None, 1),
        ("np.gradient(np.gradient(np.array([1, 4, 9, 16, 25])))", np.gradient(a([1, 4, 9, 16, 25])), [], None, 1),
        ("np.gradient(<3-point moving average of [1, 2.1, 2.9, 4.2, 5]>)", win, [], None, 1),
    ]


def tutorial_calls():
    out = []
    for text, f, spacing, axis, edge in tutorial_list():
        result = np.gradient(f, *spacing, axis=axis, edge_order=edge)
        results = [result] if isinstance(result, np.ndarray) else list(result)
        out.append({
            "call": text,
            "f": {"dtype": str(f.dtype), "shape": list(f.shape), "bits": value_bits(f.astype(np.float64))},
            "spacing": [{"dtype": str(np.asarray(s).dtype), "bits": value_bits(np.asarray(s, dtype=np.float64))}
                        for s in spacing],
            "axis": axis,
            "edge_order": edge,
            "numpy": [{"shape": list(r.shape), "bits": value_bits(r), "repr": repr(r)} for r in results],
        })
    return out


def write_sample_data(rng):
    DATA.mkdir(exist_ok=True)
    doc = {"numpy_version": np.__version__, "generator": "scripts/gen_fixtures.py", "calls": tutorial_calls()}
    (DATA / "tutorial_calls.json").write_text(json.dumps(doc, indent=1) + "\n")
    write_png(DATA / "sample.png", sample_image())
    text, *_ = sensor_table(rng)
    (DATA / "sensor.csv").write_text(text)


def write_cli_fixtures(rng):
    """Real files for the CLI's integration tests, with NumPy's answers next to them."""
    d = CLI_FIXTURES
    d.mkdir(parents=True, exist_ok=True)
    expected = {}

    def save(name, array):
        np.save(d / name, array)

    f64 = rng.standard_normal((6, 7))
    save("f64.npy", f64)
    expected["f64_all"] = np.gradient(f64)
    expected["f64_axis1_h05_e2"] = np.gradient(f64, 0.5, axis=1, edge_order=2)
    f32_be_f = np.asfortranarray(rng.standard_normal((5, 4)).astype(">f4"))
    save("f32_big_endian_fortran.npy", f32_be_f)
    expected["f32_be_f_all"] = np.gradient(f32_be_f.astype("<f4"), 2.0)
    i16 = rng.integers(-30000, 30000, (4, 5)).astype(np.int16)
    save("i16.npy", i16)
    expected["i16_all"] = np.gradient(i16)
    c64 = (rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3))).astype(np.complex64)
    save("c64.npy", c64)
    expected["c64_axis0"] = np.gradient(c64, axis=0)
    f16 = rng.standard_normal(9).astype(np.float16)
    save("f16.npy", f16)
    coords = np.cumsum(rng.uniform(0.5, 1.5, 9))
    save("coords.npy", coords)
    (d / "coords.txt").write_text("\n".join(repr(float(v)) for v in coords) + "\n")
    expected["f16_coords"] = np.gradient(f16, coords)
    u8 = rng.integers(0, 256, (3, 8)).astype(np.uint8)
    coords8 = np.cumsum(rng.uniform(0.5, 1.5, 8))
    save("coords8.npy", coords8)
    save("u8.npy", u8)
    expected["u8_h_coords_e2"] = np.gradient(u8, 3.0, coords8, edge_order=2)
    np.savez(d / "pair.npz", first=f64, second=i16)
    np.savez(d / "single.npz", only=f64)
    np.save(d / "bool.npy", np.array([True, False]))
    (d / "truncated.npy").write_bytes((d / "f64.npy").read_bytes()[:-20])
    # Images: 8-bit gray, 8-bit color, 16-bit gray.
    gray = rng.integers(0, 256, (12, 10)).astype(np.uint8)
    rgb = rng.integers(0, 256, (9, 11, 3)).astype(np.uint8)
    gray16 = rng.integers(0, 65536, (7, 8)).astype(np.uint16)
    write_png(d / "gray8.png", gray)
    write_png(d / "rgb8.png", rgb)
    write_png(d / "gray16.png", gray16)
    for name, pix in [("gray8", gray), ("rgb8", rgb), ("gray16", gray16)]:
        expected[name] = np.gradient(luminance(pix))
    np.save(d / "gray8_pixels.npy", gray)
    # A table with ISO-8601 times and a bad one.
    text, t, temperature, humidity = sensor_table(rng, 20)
    (d / "sensor.csv").write_text(text)
    x = (t - t[0]) / np.timedelta64(1, "s")
    expected["sensor_temperature"] = np.gradient(temperature, x)
    expected["sensor_humidity"] = np.gradient(humidity, x)
    x_min = (t - t[0]) / np.timedelta64(1, "m")
    expected["sensor_temperature_min_e2"] = np.gradient(temperature, x_min, edge_order=2)
    lines = text.splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",oops"
    (d / "bad.csv").write_text("\n".join(lines) + "\n")
    np.savez(d / "expected.npz", **{k: (v if isinstance(v, np.ndarray) else np.stack(v)) for k, v in expected.items()})


def main():
    rng = np.random.default_rng(SEED)
    cases = tutorial_cases() + error_cases() + random_cases(rng, 420) + large_cases()
    doc = {
        "numpy_version": np.__version__,
        "generator": "scripts/gen_fixtures.py",
        "seed": SEED,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":")))
    tmp.replace(OUT)
    write_sample_data(np.random.default_rng(SEED + 1))
    write_cli_fixtures(np.random.default_rng(SEED + 2))
    errors = sum("error" in c for c in cases)
    print(f"wrote {len(cases)} cases ({errors} errors) from NumPy {np.__version__} to {OUT}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
