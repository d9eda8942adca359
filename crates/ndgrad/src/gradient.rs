//! The whole-array entry points: `gradient` and `gradient_into`.

use std::cmp::Reverse;
use std::mem::MaybeUninit;

use ndarray::{Array, ArrayView, ArrayViewMut, Dimension, IxDyn};

use crate::element::Element;
use crate::error::Error;
use crate::options::GradientOptions;
use crate::plan::Plan;

/// The gradient of `f` along the requested axes: NumPy's `np.gradient`, bit for bit.
///
/// Returns one array per differentiated axis, in the order the axes were given (NumPy
/// returns a single array when there is one axis; here it is a one-element `Vec`). Each
/// output is laid out in the input's memory order (like `np.empty_like`), so Fortran-ordered
/// inputs give Fortran-ordered outputs.
///
/// # Errors
/// NumPy's errors for invalid axes, spacing and too-short axes; see [`Plan::new`].
///
/// # Examples
/// ```
/// use ndarray::array;
/// use ndgrad::{gradient, GradientOptions};
///
/// let f = array![1.0, 2.0, 4.0, 7.0, 11.0];
/// let g = gradient(f.view(), &GradientOptions::new())?;
/// assert_eq!(g[0], array![1.0, 1.5, 2.5, 3.5, 4.0]);
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn gradient<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
) -> Result<Vec<Array<T::Output, D>>, Error> {
    Plan::new(f.shape(), options)?.gradient(f)
}

/// Like [`gradient`], writing into caller-provided outputs (one per axis, shaped like `f`,
/// any layout) instead of allocating.
///
/// # Errors
/// Those of [`gradient`], plus [`Error::OutputCount`] and [`Error::OutputShape`].
pub fn gradient_into<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    outputs: &mut [ArrayViewMut<'_, T::Output, D>],
) -> Result<(), Error> {
    Plan::new(f.shape(), options)?.gradient_into(f, outputs)
}

impl Plan {
    /// [`gradient`] with this plan; `f` must have the planned shape.
    ///
    /// # Errors
    /// [`Error::PlanShape`] if `f`'s shape differs from the plan's, [`Error::ThreadPool`] if
    /// the requested threads cannot be started.
    pub fn gradient<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
    ) -> Result<Vec<Array<T::Output, D>>, Error> {
        self.check_shape(f.shape())?;
        let redo = self.check_nan(&f)?;
        let mut outputs: Vec<_> = (0..self.axes.len())
            .map(|_| uninit_like::<T::Output, D>(&f))
            .collect();
        let targets: Vec<_> = outputs
            .iter_mut()
            .map(|o| (o.as_mut_ptr(), o.strides().to_vec()))
            .collect();
        // SAFETY: the outputs are fresh arrays shaped like `f`, owned here, described by
        // their own pointers and strides.
        unsafe { self.run_all(f.view(), &targets)? };
        // SAFETY: `run_all` wrote every element of every output exactly once: the slabs or
        // tasks partition all batch elements x all samples along the axis x all rows.
        let mut outputs: Vec<_> = outputs
            .into_iter()
            .map(|o| unsafe { o.assume_init() })
            .collect();
        if redo {
            let mut views: Vec<_> = outputs.iter_mut().map(|o| o.view_mut()).collect();
            self.redo_nan_lanes(&f, &mut views)?;
        }
        Ok(outputs)
    }

    /// [`gradient_into`] with this plan.
    ///
    /// # Errors
    /// [`Error::PlanShape`], [`Error::OutputCount`], [`Error::OutputShape`],
    /// [`Error::ThreadPool`].
    pub fn gradient_into<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        outputs: &mut [ArrayViewMut<'_, T::Output, D>],
    ) -> Result<(), Error> {
        self.check_shape(f.shape())?;
        if outputs.len() != self.axes.len() {
            return Err(Error::OutputCount {
                expected: self.axes.len(),
                found: outputs.len(),
            });
        }
        for (index, out) in outputs.iter().enumerate() {
            if out.shape() != f.shape() {
                return Err(Error::OutputShape {
                    index,
                    expected: f.shape().to_vec(),
                    found: out.shape().to_vec(),
                });
            }
        }
        let targets: Vec<_> = outputs
            .iter_mut()
            .map(|o| {
                (
                    o.as_mut_ptr() as *mut MaybeUninit<T::Output>,
                    o.strides().to_vec(),
                )
            })
            .collect();
        let redo = self.check_nan(&f)?;
        // SAFETY: the outputs are exclusively borrowed and shaped like `f` (checked above);
        // their pointers and strides describe them.
        unsafe { self.run_all(f.view(), &targets)? };
        if redo {
            self.redo_nan_lanes(&f, outputs)?;
        }
        Ok(())
    }

    fn check_shape(&self, shape: &[usize]) -> Result<(), Error> {
        if shape != self.shape.as_slice() {
            return Err(Error::PlanShape {
                expected: self.shape.clone(),
                found: shape.to_vec(),
            });
        }
        Ok(())
    }
}

/// An uninitialized array shaped like `f` and laid out in `f`'s memory order (axes sorted by
/// stride), so kernels walk input and output in step — what `np.empty_like` does.
pub(crate) fn uninit_like<O, D: Dimension>(
    f: &ArrayView<'_, impl Sized, D>,
) -> Array<MaybeUninit<O>, D> {
    let strides = f.strides();
    let mut order: Vec<usize> = (0..f.ndim()).collect();
    order.sort_by_key(|&a| Reverse(strides[a].unsigned_abs()));
    let shape: Vec<usize> = order.iter().map(|&a| f.shape()[a]).collect();
    let mut inverse = vec![0; order.len()];
    for (position, &a) in order.iter().enumerate() {
        inverse[a] = position;
    }
    let len = shape.iter().product();
    Array::from_shape_vec(IxDyn(&shape), crate::alloc::uninit_buffer::<O>(len))
        .expect("the buffer has one element per index")
        .permuted_axes(IxDyn(&inverse))
        .into_dimensionality::<D>()
        .expect("the output has the input's number of dimensions")
}
