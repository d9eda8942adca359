//! The keyword arguments beyond NumPy's (`accuracy`, `deriv`, `boundary`, `period`,
//! `constant_values`, `window_length`, `polyorder`, `nan_policy`), parsed once into core options for `ndgrad.gradient` and
//! `ndgrad.dask.gradient`, with errors that name the argument and the fix.

use ndgrad::{Boundaries, Boundary, EdgeOrder, GradientOptions, NanPolicy, Scheme, Side};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple};

/// The extension arguments of one call, as the Python wrapper passes them: a tuple
/// `(accuracy, deriv, boundary, period, constant_values, edge_order_given,
/// constant_values_given, window_length, polyorder, nan_policy)`.
pub struct Extensions<'py> {
    accuracy: Option<u8>,
    deriv: u8,
    /// Savitzky–Golay `(window_length, polyorder)`.
    window: Option<(usize, usize)>,
    boundary: Bound<'py, PyAny>,
    period: Bound<'py, PyAny>,
    constant_values: Bound<'py, PyAny>,
    edge_order_given: bool,
    constant_values_given: bool,
    nan_policy: NanPolicy,
}

impl<'py> Extensions<'py> {
    pub fn parse(ext: &Bound<'py, PyAny>) -> PyResult<Extensions<'py>> {
        let t = ext.cast::<PyTuple>()?;
        if t.len() != 10 {
            return Err(PyTypeError::new_err(
                "internal: extension tuple of 10 expected",
            ));
        }
        let accuracy = t.get_item(0)?;
        let accuracy = if accuracy.is_none() {
            None
        } else {
            let p = small_int(&accuracy, "accuracy")?;
            Some(u8::try_from(p).map_err(|_| {
                PyValueError::new_err(format!("accuracy={p} is not supported; use 2, 4, 6 or 8"))
            })?)
        };
        let k = small_int(&t.get_item(1)?, "deriv")?;
        let deriv = u8::try_from(k).map_err(|_| {
            PyValueError::new_err(format!("deriv={k} is not supported; use 1 to 4"))
        })?;
        let window = savgol_window(&t.get_item(7)?, &t.get_item(8)?, k)?;
        Ok(Extensions {
            accuracy,
            deriv,
            window,
            boundary: t.get_item(2)?,
            period: t.get_item(3)?,
            constant_values: t.get_item(4)?,
            edge_order_given: t.get_item(5)?.is_truthy()?,
            constant_values_given: t.get_item(6)?.is_truthy()?,
            nan_policy: nan_policy(&t.get_item(9)?)?,
        })
    }

    /// `options` (NumPy's arguments, with `edge_order`) extended for `n_axes` axes.
    pub fn apply(
        &self,
        mut options: GradientOptions,
        edge_order: i64,
        n_axes: usize,
    ) -> PyResult<GradientOptions> {
        let boundaries = self.boundaries(n_axes)?;
        let special = boundaries.iter().any(|b| *b != Boundary::OneSided);
        if let Some((w, d)) = self.window {
            if let Some(p) = self.accuracy {
                return Err(PyTypeError::new_err(format!(
                    "accuracy= cannot be combined with window_length= and polyorder=: \
                     accuracy={p} asks for finite differences, window_length={w} with \
                     polyorder={d} for a Savitzky-Golay fit; pass one or the other"
                )));
            }
            if self.edge_order_given {
                return Err(PyTypeError::new_err(
                    "edge_order= cannot be combined with window_length= and polyorder=: the \
                     fitted polynomial sets the ends too; drop edge_order=",
                ));
            }
        }
        if self.edge_order_given {
            let conflict = if self.accuracy.is_some() {
                Some("accuracy= sets the order at the ends too; pass accuracy= or edge_order=")
            } else if self.deriv != 1 {
                Some("edge_order= is NumPy's first derivative; with deriv= pass accuracy= instead")
            } else if special {
                Some("a boundary mode replaces the one-sided ends; pass accuracy= instead")
            } else {
                None
            };
            if let Some(why) = conflict {
                return Err(PyTypeError::new_err(format!(
                    "edge_order= cannot be combined with accuracy=, deriv= or boundary=: {why}"
                )));
            }
        }
        options.scheme = match (self.accuracy, self.window) {
            (Some(p), _) => Scheme::Accuracy(p),
            (None, Some((window_length, polyorder))) => Scheme::SavitzkyGolay {
                window_length,
                polyorder,
            },
            // NumPy's rule: 1 is first order, anything else accepted is second (above 2 is
            // validated, with NumPy's message, by the plan).
            (None, None) => Scheme::NumPy(if edge_order == 1 {
                EdgeOrder::First
            } else {
                EdgeOrder::Second
            }),
        };
        if edge_order > 2 && self.accuracy.is_none() && self.window.is_none() {
            return Err(PyValueError::new_err(
                "'edge_order' greater than 2 not supported",
            ));
        }
        options.deriv = self.deriv;
        options.boundary = Boundaries::PerAxis(boundaries);
        options.nan_policy = self.nan_policy;
        Ok(options)
    }

    /// One boundary per axis from `boundary=`, `period=` and `constant_values=`.
    fn boundaries(&self, n_axes: usize) -> PyResult<Vec<Boundary>> {
        let modes = per_axis(&self.boundary, n_axes, "boundary", is_mode_pair)?;
        let periods = per_axis(&self.period, n_axes, "period", |_| Ok(false))?;
        let constants = per_axis(&self.constant_values, n_axes, "constant_values", is_pair)?;
        let mut any_constant = false;
        let mut out = Vec::with_capacity(n_axes);
        for axis in 0..n_axes {
            let (left, right) = pair_of(&modes[axis])?;
            let (left, right) = (mode(&left)?, mode(&right)?);
            let period = &periods[axis];
            if left == Mode::Periodic || right == Mode::Periodic {
                if left != right {
                    return Err(PyValueError::new_err(
                        "boundary: 'periodic' applies to both ends of an axis; \
                         pass 'periodic', not a (left, right) pair",
                    ));
                }
                let period = if period.is_none() {
                    None
                } else {
                    Some(number(period, "period")?)
                };
                out.push(Boundary::Periodic { period });
                continue;
            }
            if !period.is_none() {
                return Err(PyTypeError::new_err(format!(
                    "period= applies to periodic axes, and differentiated axis number {axis} is \
                     not periodic; pass boundary='periodic' or drop period="
                )));
            }
            let (cl, cr) = pair_of(&constants[axis])?;
            let side = |m: Mode, c: &Bound<'py, PyAny>| -> PyResult<Side> {
                Ok(match m {
                    Mode::OneSided => Side::OneSided,
                    Mode::Reflect => Side::Reflect,
                    Mode::Constant => Side::Constant(number(c, "constant_values")?),
                    Mode::Periodic => unreachable!("handled above"),
                })
            };
            any_constant |= left == Mode::Constant || right == Mode::Constant;
            out.push(match (side(left, &cl)?, side(right, &cr)?) {
                (Side::OneSided, Side::OneSided) => Boundary::OneSided,
                (Side::Reflect, Side::Reflect) => Boundary::Reflect,
                (Side::Constant(a), Side::Constant(b)) if a.to_bits() == b.to_bits() => {
                    Boundary::Constant(a)
                }
                (l, r) => Boundary::Sides(l, r),
            });
        }
        if self.constant_values_given && !any_constant {
            return Err(PyTypeError::new_err(
                "constant_values= applies to boundary='constant' sides, and no side is \
                 constant; pass boundary='constant' or drop constant_values=",
            ));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    OneSided,
    Periodic,
    Reflect,
    Constant,
}

fn mode(v: &Bound<'_, PyAny>) -> PyResult<Mode> {
    let name: String = v.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "boundary modes are strings, not {}",
            v.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    Ok(match name.as_str() {
        "one-sided" => Mode::OneSided,
        "periodic" => Mode::Periodic,
        "reflect" => Mode::Reflect,
        "constant" => Mode::Constant,
        other => {
            return Err(PyValueError::new_err(format!(
                "boundary='{other}' is not supported; use 'one-sided', 'periodic', 'reflect' \
                 or 'constant'"
            )));
        }
    })
}

fn is_sequence(v: &Bound<'_, PyAny>) -> bool {
    v.is_instance_of::<PyTuple>() || v.is_instance_of::<PyList>()
}

/// A `(left, right)` pair of values.
fn is_pair(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(is_sequence(v) && v.len()? == 2)
}

/// A `(left, right)` pair of mode strings (not a list of per-axis entries).
fn is_mode_pair(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !is_pair(v)? {
        return Ok(false);
    }
    for item in v.try_iter()? {
        if !item?.is_instance_of::<PyString>() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One entry per axis: a sequence as long as the axis list is per axis; otherwise (a single
/// value, or a `(left, right)` pair) the same for every axis.
fn per_axis<'py>(
    v: &Bound<'py, PyAny>,
    n_axes: usize,
    name: &str,
    is_one_value: impl Fn(&Bound<'py, PyAny>) -> PyResult<bool>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if is_sequence(v) && !v.is_instance_of::<PyString>() {
        let items: Vec<Bound<'py, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        if items.len() == n_axes {
            return Ok(items);
        }
        if !is_one_value(v)? {
            return Err(PyValueError::new_err(format!(
                "{name} has {} entries for {n_axes} differentiated axes; give one value, one \
                 per axis, or a (left, right) pair",
                items.len()
            )));
        }
    }
    Ok(vec![v.clone(); n_axes])
}

/// A value for both ends, or a `(left, right)` pair.
fn pair_of<'py>(v: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if is_sequence(v) {
        let items: Vec<Bound<'py, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        if let [l, r] = items.as_slice() {
            return Ok((l.clone(), r.clone()));
        }
        return Err(PyValueError::new_err(format!(
            "a (left, right) pair has 2 entries, not {}",
            items.len()
        )));
    }
    Ok((v.clone(), v.clone()))
}

fn number(v: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    if v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a number, not bool"
        )));
    }
    v.call_method0("__float__")
        .and_then(|f| f.extract::<f64>())
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{name} must be a number, not {}",
                v.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })
}

/// `window_length=` and `polyorder=`: both or neither, non-negative ints (the plan checks
/// the rest, with the core's messages).
fn savgol_window(
    window_length: &Bound<'_, PyAny>,
    polyorder: &Bound<'_, PyAny>,
    deriv: i64,
) -> PyResult<Option<(usize, usize)>> {
    match (window_length.is_none(), polyorder.is_none()) {
        (true, true) => return Ok(None),
        (false, false) => {}
        (w_missing, _) => {
            let (given, missing) = if w_missing {
                ("polyorder=", "window_length=")
            } else {
                ("window_length=", "polyorder=")
            };
            return Err(PyTypeError::new_err(format!(
                "window_length= and polyorder= go together (a Savitzky-Golay fit): {given} \
                 was given without {missing}; pass both"
            )));
        }
    }
    let w = small_int(window_length, "window_length")?;
    let d = small_int(polyorder, "polyorder")?;
    if d < 0 {
        return Err(PyValueError::new_err(format!(
            "polyorder={d} is below deriv={deriv}; use a polyorder of at least {deriv}"
        )));
    }
    if w < 0 {
        return Err(PyValueError::new_err(format!(
            "window_length={w} must be odd and greater than polyorder={d}"
        )));
    }
    // Beyond usize (never on 64-bit) is simply too long a window.
    let w = usize::try_from(w).unwrap_or(usize::MAX);
    let d = usize::try_from(d).unwrap_or(usize::MAX);
    Ok(Some((w, d)))
}

/// `nan_policy=`: one of the four names.
fn nan_policy(v: &Bound<'_, PyAny>) -> PyResult<NanPolicy> {
    let name = v.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "nan_policy must be a string ('propagate', 'omit', 'split' or 'raise'), not {}",
            v.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    match name.to_string().as_str() {
        "propagate" => Ok(NanPolicy::Propagate),
        "omit" => Ok(NanPolicy::Omit),
        "split" => Ok(NanPolicy::Split),
        "raise" => Ok(NanPolicy::Raise),
        other => Err(PyValueError::new_err(format!(
            "nan_policy='{other}' is not supported; use 'propagate', 'omit', 'split' or 'raise'"
        ))),
    }
}

fn small_int(v: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        let index = v.call_method0("__index__").ok();
        if v.is_instance_of::<PyBool>() || index.is_none() {
            return Err(PyTypeError::new_err(format!(
                "{name} must be an int, not {}",
                v.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            )));
        }
    }
    v.call_method0("__index__")?
        .extract::<i64>()
        .map_err(|_| PyValueError::new_err(format!("{name} is out of range")))
}
