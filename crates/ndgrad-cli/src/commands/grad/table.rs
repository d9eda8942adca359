//! `grad` on a table: every numeric column against the x column (or a spacing), written as
//! a table.

use anyhow::Result;
use ndarray::ArrayView1;
use ndgrad::{AxisSpacing, Spacing};

use super::job::GradJob;
use crate::files::write_atomically;
use crate::options::TimeUnit;
use crate::table;

pub fn run(job: &GradJob, x: Option<&str>, time_unit: TimeUnit) -> Result<()> {
    let t = table::read(&job.input, x, time_unit)?;
    let gradient = match &t.x {
        Some(x) => job.gradient.clone().with_spacing(
            Spacing::PerAxis(vec![AxisSpacing::from(x.values.clone())]),
            vec![format!("--x '{}' in {}", x.name, job.input.display())],
        ),
        None => job.gradient.clone(),
    };
    // Every column has one value per row: one plan serves them all.
    let rows = t.columns.first().map_or(0, |c| c.1.len());
    let plan = gradient.plan(&[rows])?;
    let mut derivatives = Vec::with_capacity(t.columns.len());
    for (name, values) in &t.columns {
        let mut g = plan
            .gradient(ArrayView1::from(values))
            .map_err(|e| gradient.explain(e, &[rows]))?;
        derivatives.push((name.clone(), g.remove(0).to_vec()));
    }
    let delimiter = table::delimiter(&job.output);
    write_atomically(&job.output, |w| {
        let deriv = gradient.options.deriv;
        table::write(w, delimiter, t.x.as_ref(), deriv, &derivatives)
    })
}
