//! From a validated [`Plan`] and the caller's buffers to kernel launches: which entry point,
//! the parameter block, and the grid. Pure arithmetic, no driver: the host emulation runs
//! exactly these launches.

use std::cmp::Reverse;

use ndgrad::backend::{BackendAxis, Formula, GhostFill, NumpyInterior};
use ndgrad::{DType, EdgeOrder, Plan};

use crate::error::Error;
use crate::params::{
    FAST_AXES, FILL_CONSTANT, FILL_MIRROR, FILL_WRAP, KIND_COORDINATE_TAPS, KIND_NUMPY,
    KIND_UNIFORM_TAPS, MAX_DIMS, NdgAxis, NdgParams,
};

/// Blocks a launch aims for: a few per SM on the largest GPUs, so that marching chunks of
/// dim 0 keeps every SM busy without re-reading planes across blocks more than needed.
const TARGET_BLOCKS: u64 = 2048;
/// Threads of a warp: a 2-D iteration this wide or wider marches its outer dim.
const WARP: usize = 32;
/// CUDA's limit on grid y and z.
const GRID_YZ_MAX: u64 = 65_535;

/// A gradient call planned for the GPU: each axis's formula (NumPy's, or the engine's taps
/// for accuracies, derivative orders and Savitzky–Golay windows), ghosts (boundary modes),
/// and coefficients in the compute type. Build it once per call (or once for many arrays of
/// one shape).
#[derive(Debug, Clone)]
pub struct GpuPlan {
    data: DType,
    shape: Vec<usize>,
    axes: Vec<BackendAxis>,
}

/// A device buffer as the kernel sees it: its address and byte strides (negative allowed).
#[derive(Debug, Clone, Copy)]
pub struct Buffer<'a> {
    /// Device address of element `[0, 0, ...]`.
    pub ptr: u64,
    /// Byte strides, one per dim of the planned shape.
    pub byte_strides: &'a [isize],
}

/// Byte strides of a C-contiguous array of `shape` with items of `item` bytes (what a
/// [`Buffer`] of freshly allocated device memory holds).
pub fn c_byte_strides(shape: &[usize], item: usize) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut step = item as isize;
    for (d, &n) in shape.iter().enumerate().rev() {
        strides[d] = step;
        step *= n.max(1) as isize;
    }
    strides
}

/// One kernel launch: the entry point of `kernels/grad.ptx`, its parameters and grid.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Entry point name, `ndg_grad_<data>[_<compute>]`.
    pub entry: &'static str,
    /// The kernel's only argument.
    pub params: NdgParams,
    /// Grid, in blocks.
    pub grid: [u32; 3],
    /// Block, in threads.
    pub block: [u32; 3],
}

impl GpuPlan {
    /// Plans `plan` (validated by the CPU engine's code, so errors are NumPy's) for data of
    /// type `data` on the GPU.
    ///
    /// # Errors
    /// [`Error::Unsupported`] naming the option the kernels do not run (a NaN policy);
    /// [`Error::Invalid`] for a constant boundary value the data's type cannot hold.
    pub fn new(plan: &Plan, data: DType) -> Result<GpuPlan, Error> {
        plan.check_constants(data).map_err(|e| Error::Invalid {
            detail: e.to_string(),
        })?;
        let axes = plan
            .backend_axes(data)
            .map_err(|e| Error::Unsupported { option: e.option })?;
        Ok(GpuPlan {
            data,
            shape: plan.shape().to_vec(),
            axes,
        })
    }

    /// The data's dtype.
    pub fn data_dtype(&self) -> DType {
        self.data
    }

    /// The dtype of every output (float64 for integer data, as NumPy).
    pub fn output_dtype(&self) -> DType {
        self.data.output()
    }

    /// The array shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The differentiated axes, in output order.
    pub fn axes(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.axis).collect()
    }

    /// The coefficient tables the caller uploads (as `f64`) before a launch: one per axis
    /// that reads one (coordinates, taps), in output order. Layouts: NumPy's coordinate
    /// interior `[a, b, c]` per interior sample; uniform taps the centre weights, then the
    /// left and the right end rows; coordinate taps `max(2 half_width + 1, end_width)`
    /// weights per real sample (zero-padded).
    pub fn tables(&self) -> Vec<Vec<f64>> {
        self.axes.iter().filter_map(table).collect()
    }

    /// The launches computing every output: one, or one per compute type when axes differ
    /// in it (`float32` data with one `float64` coordinate array and one Python-float
    /// spacing). None for empty arrays.
    ///
    /// # Errors
    /// [`Error::Layout`] when the buffers do not fit the plan (counts, strides that are not
    /// whole elements, misaligned pointers); [`Error::TooManyDims`].
    pub fn launches(
        &self,
        input: Buffer<'_>,
        outputs: &[Buffer<'_>],
        tables: &[u64],
    ) -> Result<Vec<Launch>, Error> {
        if outputs.len() != self.axes.len() {
            return Err(Error::Layout {
                detail: format!(
                    "{} outputs given for {} differentiated axes",
                    outputs.len(),
                    self.axes.len()
                ),
            });
        }
        let n_tables = self.tables().len();
        if tables.len() != n_tables {
            return Err(Error::Layout {
                detail: format!(
                    "{} coefficient tables given, the plan has {n_tables}",
                    tables.len()
                ),
            });
        }
        // Tables follow output order, one per coordinate axis.
        let mut next = tables.iter();
        let outs: Vec<Out<'_>> = outputs
            .iter()
            .enumerate()
            .map(|(k, &buffer)| Out {
                k,
                buffer,
                table: if self.has_table(k) {
                    *next.next().unwrap()
                } else {
                    0
                },
                origin: 0,
            })
            .collect();
        self.build(&self.shape, input, &outs)
    }

    /// The launch computing output `k` on one block of the array: `block` is its shape,
    /// `origin` its first index along output `k`'s axis, `input` addresses the block's first
    /// sample (the samples before and after it along that axis, [`ndgrad::Plan::reach`] of
    /// them or up to the array's ends, lie at the same strides), `table` is output `k`'s
    /// uploaded coefficient table (0 on an evenly spaced axis). The result is the whole
    /// array's, bit for bit: a Dask chunk's task computes its part of each output this way.
    ///
    /// # Errors
    /// [`Error::Layout`] for an output index, block or table that does not fit the plan.
    pub fn block_launches(
        &self,
        k: usize,
        origin: usize,
        block: &[usize],
        input: Buffer<'_>,
        output: Buffer<'_>,
        table: u64,
    ) -> Result<Vec<Launch>, Error> {
        let layout = |detail: String| Error::Layout { detail };
        let Some(a) = self.axes.get(k) else {
            return Err(layout(format!(
                "output {k} does not exist: the plan has {}",
                self.axes.len()
            )));
        };
        if block.len() != self.shape.len()
            || origin + block[a.axis] > self.shape[a.axis]
            || block.iter().zip(&self.shape).any(|(b, n)| b > n)
        {
            return Err(layout(format!(
                "a block of shape {block:?} starting at {origin} along axis {} does not fit \
                 the array's shape {:?}",
                a.axis, self.shape
            )));
        }
        if (table != 0) != self.has_table(k) {
            return Err(layout(format!(
                "output {k} {} a coefficient table",
                if self.has_table(k) {
                    "needs"
                } else {
                    "takes no"
                }
            )));
        }
        // Ghosts are read through the index map from the whole axis (a wrap reads the other
        // end): a block must hold the whole axis.
        let ghosts = a.ghosts.left + a.ghosts.right > 0;
        if ghosts && block[a.axis] != self.shape[a.axis] {
            return Err(Error::Unsupported {
                option: "boundary= on chunks that do not hold the whole axis",
            });
        }
        let out = Out {
            k,
            buffer: output,
            table,
            origin,
        };
        self.build(block, input, &[out])
    }

    /// Which of [`GpuPlan::tables`] output `k` reads: None where it reads none.
    pub fn table_index(&self, k: usize) -> Option<usize> {
        (k < self.axes.len() && self.has_table(k))
            .then(|| (0..k).filter(|&j| self.has_table(j)).count())
    }

    /// Whether output `k` reads a coefficient table.
    fn has_table(&self, k: usize) -> bool {
        !matches!(
            self.axes[k].formula,
            Formula::Numpy {
                interior: NumpyInterior::Uniform { .. },
                ..
            }
        )
    }

    /// Launches over an iteration of `shape` (the array's, or a block's), one per compute
    /// type among `outs`.
    fn build(
        &self,
        shape: &[usize],
        input: Buffer<'_>,
        outs: &[Out<'_>],
    ) -> Result<Vec<Launch>, Error> {
        let in_strides = element_strides(&input, self.data, shape, "input")?;
        let out_strides = outs
            .iter()
            .map(|o| element_strides(&o.buffer, self.output_dtype(), shape, "output"))
            .collect::<Result<Vec<_>, _>>()?;
        if outs.is_empty() || shape.contains(&0) {
            return Ok(Vec::new());
        }
        let axes: Vec<usize> = outs.iter().map(|o| self.axes[o.k].axis).collect();
        let dims = iteration_dims(shape, &in_strides, &axes)?;
        let geometry = Geometry::new(&dims, shape, &in_strides);
        let mut computes: Vec<DType> = outs.iter().map(|o| self.axes[o.k].compute).collect();
        computes.sort_by_key(|c| c.name());
        computes.dedup();
        Ok(computes
            .into_iter()
            .map(|compute| {
                let mut params = geometry.params(input.ptr);
                let group: Vec<usize> = (0..outs.len())
                    .filter(|&j| self.axes[outs[j].k].compute == compute)
                    .collect();
                for (slot, &j) in group.iter().enumerate() {
                    let (o, a) = (&outs[j], &self.axes[outs[j].k]);
                    let dim = dims.iter().position(|&d| d == Some(a.axis)).unwrap();
                    let p = &mut params.axes[slot];
                    *p = axis_params(a, dim, &geometry, &dims, &out_strides[j]);
                    p.out = o.buffer.ptr;
                    p.table = o.table;
                    p.origin = o.origin as i64;
                    p.len = self.shape[a.axis] as i64;
                    params.naxes = slot as i32 + 1;
                }
                // NumPy's formulas for up to FAST_AXES outputs run the fast kernels.
                let general = group.len() > FAST_AXES
                    || group.iter().any(|&j| {
                        let a = &self.axes[outs[j].k];
                        a.ghosts.left + a.ghosts.right > 0
                            || !matches!(a.formula, Formula::Numpy { .. })
                    });
                Launch {
                    entry: entry(self.data, compute, general),
                    params,
                    grid: geometry.grid,
                    block: geometry.block,
                }
            })
            .collect())
    }
}

/// One output of a launch: which, where, its table and its first index along its axis.
struct Out<'a> {
    k: usize,
    buffer: Buffer<'a>,
    table: u64,
    origin: usize,
}

/// Byte strides as element strides, with the pointer's alignment checked.
fn element_strides(
    b: &Buffer<'_>,
    dtype: DType,
    shape: &[usize],
    what: &str,
) -> Result<Vec<i64>, Error> {
    let layout = |detail: String| Error::Layout { detail };
    if b.byte_strides.len() != shape.len() {
        return Err(layout(format!(
            "the {what} has {} strides for {} dims",
            b.byte_strides.len(),
            shape.len()
        )));
    }
    let item = dtype.itemsize() as isize;
    // Complex values are loaded part by part: each part's alignment is what matters.
    let align = if dtype.kind() == 'c' { item / 2 } else { item } as u64;
    if !b.ptr.is_multiple_of(align) {
        return Err(layout(format!(
            "the {what}'s address {:#x} is not aligned to {align} bytes for {}",
            b.ptr,
            dtype.name()
        )));
    }
    b.byte_strides
        .iter()
        .map(|&s| {
            if s % item == 0 {
                Ok((s / item) as i64)
            } else {
                Err(layout(format!(
                    "the {what}'s byte stride {s} is not a multiple of the {} item size {item}; \
                     make it contiguous first",
                    dtype.name()
                )))
            }
        })
        .collect()
}

/// The array's dims in iteration order (decreasing input stride, the unit-stride one last),
/// dims of length 1 that are not differentiated left out, and `None` (length 1) dims up to
/// 3: a 2-D iteration at least a warp wide gets its `None` in the middle, so that threads
/// march its outer dim (index arithmetic once per thread, prefetching ahead) rather than
/// each computing one sample of a row; narrower ones, and 1-D, get them in front.
fn iteration_dims(
    shape: &[usize],
    strides: &[i64],
    axes: &[usize],
) -> Result<Vec<Option<usize>>, Error> {
    let mut dims: Vec<usize> = (0..shape.len())
        .filter(|&d| shape[d] > 1 || axes.contains(&d))
        .collect();
    dims.sort_by_key(|&d| Reverse(strides[d].unsigned_abs()));
    if dims.len() > MAX_DIMS {
        return Err(Error::TooManyDims { ndim: dims.len() });
    }
    if let [outer, inner] = dims[..]
        && shape[inner] >= WARP
    {
        return Ok(vec![Some(outer), None, Some(inner)]);
    }
    let pad = 3usize.saturating_sub(dims.len());
    Ok(std::iter::repeat_n(None, pad)
        .chain(dims.into_iter().map(Some))
        .collect())
}

/// Shape, strides and grid of the iteration.
struct Geometry {
    shape: Vec<i64>,
    strides: Vec<i64>,
    rows: i64,
    outer_chunk: i64,
    grid: [u32; 3],
    block: [u32; 3],
}

impl Geometry {
    fn new(dims: &[Option<usize>], shape: &[usize], strides: &[i64]) -> Geometry {
        let nd = dims.len();
        let shape: Vec<i64> = dims
            .iter()
            .map(|d| d.map_or(1, |d| shape[d] as i64))
            .collect();
        let strides: Vec<i64> = dims.iter().map(|d| d.map_or(0, |d| strides[d])).collect();
        let rows: i64 = shape[1..nd - 1].iter().product();
        let inner = shape[nd - 1] as u64;
        // Threads run along the unit-stride dim (32 of them: one warp reads whole lines),
        // rows fill the rest of a 256-thread block; a single row gets 256 along it.
        let bx = if rows == 1 { 256 } else { 32 }.min(inner.next_power_of_two());
        let by = (256 / bx).min((rows as u64).next_power_of_two());
        let gx = inner.div_ceil(bx);
        let gy = (rows as u64).div_ceil(by).min(GRID_YZ_MAX);
        let outer = shape[0] as u64;
        let z = TARGET_BLOCKS
            .div_ceil(gx * gy)
            .clamp(1, outer.min(GRID_YZ_MAX));
        let chunk = outer.div_ceil(z);
        let gz = outer.div_ceil(chunk);
        Geometry {
            shape,
            strides,
            rows,
            outer_chunk: chunk as i64,
            grid: [gx as u32, gy as u32, gz as u32],
            block: [bx as u32, by as u32, 1],
        }
    }

    /// The parameter block without its axes.
    fn params(&self, input: u64) -> NdgParams {
        let mut p = NdgParams {
            input,
            rows: self.rows,
            outer_chunk: self.outer_chunk,
            ndim: self.shape.len() as i32,
            ..Default::default()
        };
        p.shape[..self.shape.len()].copy_from_slice(&self.shape);
        p.strides[..self.strides.len()].copy_from_slice(&self.strides);
        p
    }
}

/// An axis's coefficient table, if it reads one (see [`GpuPlan::tables`]).
fn table(a: &BackendAxis) -> Option<Vec<f64>> {
    match &a.formula {
        Formula::Numpy {
            interior: NumpyInterior::NonUniform { weights },
            ..
        } => Some(weights.iter().flatten().copied().collect()),
        Formula::Numpy { .. } => None,
        Formula::UniformTaps {
            centre,
            left,
            right,
            ..
        } => Some(
            centre
                .iter()
                .chain(left.iter().flatten())
                .chain(right.iter().flatten())
                .copied()
                .collect(),
        ),
        Formula::CoordinateTaps {
            half_width,
            end_width,
            rows,
        } => {
            let width = (2 * half_width + 1).max(*end_width);
            let mut t = vec![0.0; width * rows.len()];
            for (row, w) in t.chunks_mut(width).zip(rows) {
                row[..w.len()].copy_from_slice(w);
            }
            Some(t)
        }
    }
}

/// One axis's parameters (pointers filled in by the caller).
fn axis_params(
    a: &BackendAxis,
    dim: usize,
    g: &Geometry,
    dims: &[Option<usize>],
    out_strides: &[i64],
) -> NdgAxis {
    let nd = dims.len();
    let fill = |f: GhostFill| match f {
        GhostFill::Wrap => (FILL_WRAP, [0.0; 2]),
        GhostFill::Mirror => (FILL_MIRROR, [0.0; 2]),
        GhostFill::Constant(v) => (FILL_CONSTANT, v),
    };
    let (fill_left, c_left) = fill(a.ghosts.left_fill);
    let (fill_right, c_right) = fill(a.ghosts.right_fill);
    let mut p = NdgAxis {
        row_pitch: if dim > 0 && dim < nd - 1 {
            g.shape[dim + 1..nd - 1].iter().product()
        } else {
            1
        },
        dim: dim as i32,
        ghost_left: a.ghosts.left as i64,
        ghost_right: a.ghosts.right as i64,
        constant: [c_left[0], c_left[1], c_right[0], c_right[1]],
        fill_left,
        fill_right,
        ..Default::default()
    };
    for (j, d) in dims.iter().enumerate() {
        p.out_strides[j] = d.map_or(0, |d| out_strides[d]);
    }
    match &a.formula {
        Formula::Numpy {
            edge_order,
            interior,
            first,
            last,
            left,
            right,
        } => {
            p.kind = KIND_NUMPY;
            p.first = (*first).into();
            p.last = (*last).into();
            p.left = *left;
            p.right = *right;
            p.edge_order = match edge_order {
                EdgeOrder::First => 1,
                EdgeOrder::Second => 2,
            };
            if let NumpyInterior::Uniform { h2 } = interior {
                p.uniform = 1;
                p.h2 = (*h2).into();
            }
        }
        Formula::UniformTaps {
            half_width,
            end_width,
            odd,
            divisor,
            ..
        } => {
            p.kind = KIND_UNIFORM_TAPS;
            p.half_width = *half_width as i32;
            p.end_width = *end_width as i32;
            p.odd = i32::from(*odd);
            p.h2 = (*divisor).into();
        }
        Formula::CoordinateTaps {
            half_width,
            end_width,
            ..
        } => {
            p.kind = KIND_COORDINATE_TAPS;
            p.half_width = *half_width as i32;
            p.end_width = *end_width as i32;
        }
    }
    p
}

/// The entry point for data of type `data` computed in `compute`: the NumPy-formula kernel,
/// or the general one (taps, ghosts).
fn entry(data: DType, compute: DType, general: bool) -> &'static str {
    let tag = match (data, compute) {
        (DType::F64, _) => 0,
        (DType::F32, DType::F64) => 2,
        (DType::F32, _) => 1,
        (DType::F16, DType::F64) => 5,
        (DType::F16, DType::F32) => 4,
        (DType::F16, _) => 3,
        (DType::C128, _) => 6,
        (DType::C64, DType::C128) => 8,
        (DType::C64, _) => 7,
        (DType::I8, _) => 9,
        (DType::I16, _) => 10,
        (DType::I32, _) => 11,
        (DType::I64, _) => 12,
        (DType::U8, _) => 13,
        (DType::U16, _) => 14,
        (DType::U32, _) => 15,
        (DType::U64, _) => 16,
    };
    ENTRIES[tag + if general { 17 } else { 0 }]
}

/// Every entry point of `kernels/grad.ptx` that computes gradients: the NumPy-formula
/// kernels, then the general ones in the same order.
pub const ENTRIES: [&str; 34] = [
    "ndg_grad_f64",
    "ndg_grad_f32",
    "ndg_grad_f32_f64",
    "ndg_grad_f16",
    "ndg_grad_f16_f32",
    "ndg_grad_f16_f64",
    "ndg_grad_c128",
    "ndg_grad_c64",
    "ndg_grad_c64_c128",
    "ndg_grad_i8",
    "ndg_grad_i16",
    "ndg_grad_i32",
    "ndg_grad_i64",
    "ndg_grad_u8",
    "ndg_grad_u16",
    "ndg_grad_u32",
    "ndg_grad_u64",
    "ndg_grad_f64_general",
    "ndg_grad_f32_general",
    "ndg_grad_f32_f64_general",
    "ndg_grad_f16_general",
    "ndg_grad_f16_f32_general",
    "ndg_grad_f16_f64_general",
    "ndg_grad_c128_general",
    "ndg_grad_c64_general",
    "ndg_grad_c64_c128_general",
    "ndg_grad_i8_general",
    "ndg_grad_i16_general",
    "ndg_grad_i32_general",
    "ndg_grad_i64_general",
    "ndg_grad_u8_general",
    "ndg_grad_u16_general",
    "ndg_grad_u32_general",
    "ndg_grad_u64_general",
];
