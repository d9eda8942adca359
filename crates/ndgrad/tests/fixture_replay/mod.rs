//! The golden fixtures written by `scripts/gen_fixtures.py` from `numpy.gradient` itself,
//! replayed through an [`Engine`]: NumPy's exact answer is demanded (output count, dtype,
//! shape and bits, NaNs compared as NaN whatever their payload, or the same exception class
//! and message). Shared by the CPU engine's test (`tests/fixtures.rs`) and the CUDA kernel's
//! host emulation (`crates/ndgrad-cuda-host/tests/host_emulation.rs`).

use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder, Slice};
use ndgrad::{
    AxisSpacing, Complex, Coordinates, Element, GradientOptions, NumpyErrorClass, Plan, Scalar,
    Spacing, f16,
};
use serde_json::Value;

const FIXTURES: &str = include_str!("../fixtures/numpy_gradient.json");

/// What computes the gradients of a validated plan (errors come from planning, before it).
pub trait Engine {
    /// Options every case starts from (a thread count, say).
    fn configure(&self, options: GradientOptions) -> GradientOptions {
        options
    }
    fn gradient<T: Fixture>(
        &self,
        plan: &Plan,
        f: ArrayViewD<'_, T>,
    ) -> Result<Vec<ArrayD<T::Output>>, ndgrad::Error>;
}

/// How a test element is read from the fixture and how its output is written as bits.
pub trait Fixture: Element + Sized {
    /// Values of this type taken from a flat list of stored words (complex takes two).
    fn from_words(words: &[Value]) -> Vec<Self>;
    /// Values from the deterministic generator (see `hashed` in the script).
    fn generated(count: usize, seed: u64) -> Vec<Self>;
    fn output_dtype() -> &'static str;
    fn output_bits(x: &Self::Output, out: &mut Vec<u64>);
}

fn hashed(count: usize, seed: u64) -> Vec<f64> {
    (0..count as u64)
        .map(|i| {
            let k = (i + seed).wrapping_mul(2_654_435_761) % (1 << 32);
            k as f64 / 2f64.powi(31) - 1.0
        })
        .collect()
}

fn word(v: &Value) -> u64 {
    v.as_u64().expect("fixture bits are unsigned integers")
}

fn f64_bits(x: f64, out: &mut Vec<u64>) {
    out.push(if x.is_nan() {
        0x7FF8_0000_0000_0000
    } else {
        x.to_bits()
    });
}
fn f32_bits(x: f32, out: &mut Vec<u64>) {
    out.push(if x.is_nan() {
        0x7FC0_0000
    } else {
        x.to_bits() as u64
    });
}
fn f16_bits(x: f16, out: &mut Vec<u64>) {
    out.push(if x.is_nan() {
        0x7E00
    } else {
        x.to_bits() as u64
    });
}

impl Fixture for f64 {
    fn from_words(w: &[Value]) -> Vec<Self> {
        w.iter().map(|v| f64::from_bits(word(v))).collect()
    }
    fn generated(n: usize, seed: u64) -> Vec<Self> {
        hashed(n, seed)
    }
    fn output_dtype() -> &'static str {
        "float64"
    }
    fn output_bits(x: &f64, out: &mut Vec<u64>) {
        f64_bits(*x, out)
    }
}
impl Fixture for f32 {
    fn from_words(w: &[Value]) -> Vec<Self> {
        w.iter().map(|v| f32::from_bits(word(v) as u32)).collect()
    }
    fn generated(n: usize, seed: u64) -> Vec<Self> {
        hashed(n, seed).into_iter().map(|x| x as f32).collect()
    }
    fn output_dtype() -> &'static str {
        "float32"
    }
    fn output_bits(x: &f32, out: &mut Vec<u64>) {
        f32_bits(*x, out)
    }
}
impl Fixture for f16 {
    fn from_words(w: &[Value]) -> Vec<Self> {
        w.iter().map(|v| f16::from_bits(word(v) as u16)).collect()
    }
    fn generated(n: usize, seed: u64) -> Vec<Self> {
        hashed(n, seed).into_iter().map(f16::from_f64).collect()
    }
    fn output_dtype() -> &'static str {
        "float16"
    }
    fn output_bits(x: &f16, out: &mut Vec<u64>) {
        f16_bits(*x, out)
    }
}
impl Fixture for Complex<f64> {
    fn from_words(w: &[Value]) -> Vec<Self> {
        let r = f64::from_words(w);
        r.chunks(2).map(|p| Complex::new(p[0], p[1])).collect()
    }
    fn generated(n: usize, seed: u64) -> Vec<Self> {
        let r = hashed(2 * n, seed);
        r.chunks(2).map(|p| Complex::new(p[0], p[1])).collect()
    }
    fn output_dtype() -> &'static str {
        "complex128"
    }
    fn output_bits(x: &Complex<f64>, out: &mut Vec<u64>) {
        f64_bits(x.re, out);
        f64_bits(x.im, out);
    }
}
impl Fixture for Complex<f32> {
    fn from_words(w: &[Value]) -> Vec<Self> {
        let r = f32::from_words(w);
        r.chunks(2).map(|p| Complex::new(p[0], p[1])).collect()
    }
    fn generated(n: usize, seed: u64) -> Vec<Self> {
        let r = hashed(2 * n, seed);
        r.chunks(2)
            .map(|p| Complex::new(p[0] as f32, p[1] as f32))
            .collect()
    }
    fn output_dtype() -> &'static str {
        "complex64"
    }
    fn output_bits(x: &Complex<f32>, out: &mut Vec<u64>) {
        f32_bits(x.re, out);
        f32_bits(x.im, out);
    }
}

macro_rules! integer_fixture {
    ($($t:ty),*) => {$(
        impl Fixture for $t {
            fn from_words(w: &[Value]) -> Vec<Self> {
                w.iter()
                    .map(|v| {
                        v.as_i64()
                            .map(|x| x as $t)
                            .or_else(|| v.as_u64().map(|x| x as $t))
                            .expect("fixture integers")
                    })
                    .collect()
            }
            fn generated(n: usize, seed: u64) -> Vec<Self> {
                hashed(n, seed)
                    .into_iter()
                    .map(|x| (((x + 1.0) * 2f64.powi(31)) as i64 - (1 << 31)) as $t)
                    .collect()
            }
            fn output_dtype() -> &'static str {
                "float64"
            }
            fn output_bits(x: &f64, out: &mut Vec<u64>) {
                f64_bits(*x, out)
            }
        }
    )*};
}
integer_fixture!(i8, i16, i32, i64, u8, u16, u32, u64);

fn fnv(words: &[u64]) -> u64 {
    words.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &w| {
        (h ^ w).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn shape_of(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("shape is a list")
        .iter()
        .map(|d| d.as_u64().expect("dimension") as usize)
        .collect()
}

fn layout_view<'a, T: Clone>(
    base: &'a ArrayD<T>,
    layout: &str,
    fortran: &'a ArrayD<T>,
) -> ArrayViewD<'a, T> {
    match layout {
        "C" => base.view(),
        "F" => fortran.view(),
        "strided" => base.slice_each_axis(|_| Slice::new(0, None, 2)),
        "reversed" => base.slice_each_axis(|_| Slice::new(0, None, -1)),
        "transposed" => base.t(),
        other => panic!("unknown layout {other}"),
    }
}

fn spacing_arg(v: &Value) -> AxisSpacing {
    let kind = v["kind"].as_str().expect("spacing kind");
    let bits = || word(&v["value"]);
    match kind {
        "float" => AxisSpacing::Uniform(Scalar::Float(f64::from_bits(bits()))),
        "f64" => AxisSpacing::Uniform(Scalar::F64(f64::from_bits(bits()))),
        "f32" => AxisSpacing::Uniform(Scalar::F32(f32::from_bits(bits() as u32))),
        "f16" => AxisSpacing::Uniform(Scalar::F16(f16::from_bits(bits() as u16))),
        "generated-coordinates" => {
            let n = v["n"].as_u64().expect("n") as usize;
            let seed = v["seed"].as_u64().expect("seed");
            let x: Vec<f64> = hashed(n, seed)
                .iter()
                .enumerate()
                .map(|(i, h)| i as f64 + (h + 1.0) / 4.0)
                .collect();
            AxisSpacing::from(x)
        }
        "coords" => {
            let shape = IxDyn(&shape_of(&v["shape"]));
            let data = v["data"].as_array().expect("coordinate data");
            let dtype = v["dtype"].as_str().expect("coordinate dtype");
            let c = match dtype {
                "float64" => {
                    Coordinates::F64(ArrayD::from_shape_vec(shape, f64::from_words(data)).unwrap())
                }
                "float32" => {
                    Coordinates::F32(ArrayD::from_shape_vec(shape, f32::from_words(data)).unwrap())
                }
                "float16" => {
                    Coordinates::F16(ArrayD::from_shape_vec(shape, f16::from_words(data)).unwrap())
                }
                // NumPy converts integer coordinates to float64 before differencing.
                _ if dtype.starts_with("int") || dtype.starts_with("uint") => {
                    let ints = i64::from_words(data);
                    let values = if dtype == "uint64" {
                        u64::from_words(data)
                            .into_iter()
                            .map(|x| x as f64)
                            .collect()
                    } else {
                        ints.into_iter().map(|x| x as f64).collect()
                    };
                    Coordinates::F64(ArrayD::from_shape_vec(shape, values).unwrap())
                }
                other => panic!("unsupported coordinate dtype {other}"),
            };
            AxisSpacing::Coordinates(c)
        }
        other => panic!("unknown spacing kind {other}"),
    }
}

fn class_name(c: NumpyErrorClass) -> &'static str {
    match c {
        NumpyErrorClass::AxisError => "AxisError",
        NumpyErrorClass::ValueError => "ValueError",
        NumpyErrorClass::TypeError => "TypeError",
        NumpyErrorClass::IndexError => "IndexError",
        NumpyErrorClass::Other => "Other",
    }
}

/// Runs one case; returns a description of the first mismatch.
fn check<T: Fixture>(case: &Value, engine: &impl Engine) -> Result<(), String> {
    let shape = shape_of(&case["shape"]);
    let count: usize = shape.iter().product();
    let data = match &case["data"] {
        Value::Array(words) => T::from_words(words),
        gen_spec => T::generated(count, gen_spec["seed"].as_u64().expect("seed")),
    };
    let base = ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|e| e.to_string())?;
    let fortran =
        ArrayD::from_shape_vec(IxDyn(&shape).f(), base.t().iter().cloned().collect()).unwrap();
    let f = layout_view(&base, case["layout"].as_str().unwrap(), &fortran);

    let mut options = engine.configure(GradientOptions::new());
    match &case["axis"] {
        Value::Null => {}
        Value::Array(list) => {
            options = options.axes(list.iter().map(|a| a.as_i64().unwrap() as isize))
        }
        a => options = options.axis(a.as_i64().unwrap() as isize),
    }
    let args: Vec<AxisSpacing> = case["spacing"]
        .as_array()
        .unwrap()
        .iter()
        .map(spacing_arg)
        .collect();
    options = options.with_spacing(Spacing::from_varargs(args));
    let result =
        Plan::with_numpy_edge_order(f.shape(), &options, case["edge_order"].as_i64().unwrap())
            .and_then(|plan| engine.gradient(&plan, f.view()));

    match (result, case.get("error")) {
        (Err(e), Some(expected)) => {
            let (class, message) = (class_name(e.numpy_class()), e.to_string());
            if class != expected["class"] || message != expected["message"] {
                return Err(format!(
                    "raised {class}({message:?}), NumPy raised {expected}"
                ));
            }
            Ok(())
        }
        (Err(e), None) => Err(format!("raised {e:?} but NumPy succeeded")),
        (Ok(_), Some(expected)) => Err(format!("succeeded but NumPy raised {expected}")),
        (Ok(outputs), None) => {
            let expected = case["outputs"].as_array().unwrap();
            if outputs.len() != expected.len() {
                return Err(format!(
                    "{} outputs, NumPy gave {}",
                    outputs.len(),
                    expected.len()
                ));
            }
            for (k, (out, exp)) in outputs.iter().zip(expected).enumerate() {
                if exp["dtype"] != T::output_dtype() {
                    return Err(format!(
                        "output {k}: dtype {} vs NumPy {}",
                        T::output_dtype(),
                        exp["dtype"]
                    ));
                }
                if out.shape() != shape_of(&exp["shape"]).as_slice() {
                    return Err(format!(
                        "output {k}: shape {:?} vs NumPy {}",
                        out.shape(),
                        exp["shape"]
                    ));
                }
                let mut bits = Vec::with_capacity(out.len());
                out.iter().for_each(|x| T::output_bits(x, &mut bits));
                if let Some(hash) = exp.get("hash") {
                    if fnv(&bits) != hash.as_u64().unwrap() {
                        return Err(format!("output {k}: bits differ from NumPy (hash)"));
                    }
                } else {
                    let want: Vec<u64> = exp["bits"].as_array().unwrap().iter().map(word).collect();
                    if let Some(i) =
                        (0..want.len().max(bits.len())).find(|&i| bits.get(i) != want.get(i))
                    {
                        return Err(format!(
                            "output {k}: word {i} is {:#x?}, NumPy has {:#x?}",
                            bits.get(i),
                            want.get(i)
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

fn run_case(case: &Value, engine: &impl Engine) -> Result<(), String> {
    match case["dtype"].as_str().unwrap() {
        "float64" => check::<f64>(case, engine),
        "float32" => check::<f32>(case, engine),
        "float16" => check::<f16>(case, engine),
        "complex128" => check::<Complex<f64>>(case, engine),
        "complex64" => check::<Complex<f32>>(case, engine),
        "int8" => check::<i8>(case, engine),
        "int16" => check::<i16>(case, engine),
        "int32" => check::<i32>(case, engine),
        "int64" => check::<i64>(case, engine),
        "uint8" => check::<u8>(case, engine),
        "uint16" => check::<u16>(case, engine),
        "uint32" => check::<u32>(case, engine),
        "uint64" => check::<u64>(case, engine),
        other => Err(format!("unsupported dtype {other}")),
    }
}

/// Replays every case through `engine`; panics listing the cases that differ.
pub fn replay(engine: &impl Engine) {
    let doc: Value = serde_json::from_str(FIXTURES).expect("fixtures parse");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 300, "expected at least 300 fixture cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            run_case(c, engine)
                .err()
                .map(|e| format!("{}: {e}", c["name"]))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from NumPy {}:\n{}",
        failures.len(),
        cases.len(),
        doc["numpy_version"],
        failures.join("\n")
    );
}
