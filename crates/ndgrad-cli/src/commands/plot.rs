//! `ndgrad plot`: a chart of time series and their derivatives.

use std::path::PathBuf;

use anyhow::Result;
use ndarray::Array1;
use ndgrad::{AxisSpacing, GradientOptions};

use crate::files::{Format, refuse_overwrite};
use crate::plot::{Series, two_panels};
use crate::{UsageError, table};

/// Plot series from a table and their derivatives (two panels) as a PNG.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad plot sensor.csv --x time -o sensor.png
  ndgrad plot log.csv --x t --y temperature --y pressure -o log.png")]
pub struct Args {
    /// Input table (.csv or .tsv with a header line)
    pub table: PathBuf,
    /// Column holding the coordinates (numbers or ISO-8601 date-times); default: row number
    #[arg(long)]
    pub x: Option<String>,
    /// Column to plot (repeatable; default: every numeric column)
    #[arg(long = "y")]
    pub y: Vec<String>,
    /// Output image (.png)
    #[arg(short, long)]
    pub output: PathBuf,
    /// Unit of date-time coordinates: ns, us, ms, s, min, h or d
    #[arg(long, default_value = "s")]
    pub time_unit: String,
    /// Edge order of the derivative: 1 or 2
    #[arg(long, default_value_t = 1)]
    pub edge_order: i64,
}

pub fn run(args: Args) -> Result<()> {
    if !matches!(Format::of(&args.table)?, Format::Csv | Format::Tsv) {
        return Err(UsageError(format!(
            "{}: plot needs a .csv or .tsv table",
            args.table.display()
        ))
        .into());
    }
    if Format::of(&args.output)? != Format::Image {
        return Err(UsageError(format!(
            "{}: the plot is written as .png",
            args.output.display()
        ))
        .into());
    }
    refuse_overwrite(&args.output, &[&args.table])?;
    let t = table::read(&args.table, args.x.as_deref(), &args.time_unit)?;
    let columns: Vec<&(String, Vec<f64>)> = if args.y.is_empty() {
        t.columns.iter().collect()
    } else {
        args.y
            .iter()
            .map(|name| {
                t.columns.iter().find(|(n, _)| n == name).ok_or_else(|| {
                    let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
                    UsageError(format!(
                        "--y '{name}' is not a numeric column; choose from: {}",
                        names.join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let n = columns[0].1.len();
    let (x, x_label) = match &t.x {
        Some(x) => (
            x.values.clone(),
            match &x.time_unit {
                Some(u) => format!("{} ({u} since {})", x.name, x.cells[0]),
                None => x.name.clone(),
            },
        ),
        None => ((0..n).map(|i| i as f64).collect(), "row".to_string()),
    };
    let plan = ndgrad::Plan::with_numpy_edge_order(
        &[n],
        &GradientOptions::new().spacings([AxisSpacing::from(x.clone())]),
        args.edge_order,
    )?;
    let mut series = Vec::new();
    let mut derivatives = Vec::new();
    for (name, values) in columns {
        let d = plan
            .gradient(Array1::from(values.clone()).view())?
            .remove(0);
        series.push(Series {
            name: name.clone(),
            values: values.clone(),
        });
        derivatives.push(Series {
            name: format!(
                "d{name}/d{}",
                t.x.as_ref().map_or("row", |x| x.name.as_str())
            ),
            values: d.to_vec(),
        });
    }
    let per = match &t.x {
        Some(x) => match &x.time_unit {
            Some(u) => format!("per {u}"),
            None => format!("d/d{}", x.name),
        },
        None => "per row".to_string(),
    };
    two_panels(
        &args.output,
        &x,
        &x_label,
        &per,
        &series,
        &derivatives,
        (1000, 760),
    )
}
