//! `ndgrad plot`: a chart of time series and their derivatives.

use std::path::PathBuf;

use anyhow::Result;
use ndarray::ArrayView1;
use ndgrad::{AxisSpacing, EdgeOrder, GradientOptions, Spacing};

use crate::files::{Format, refuse_overwrite, require};
use crate::gradient::Gradient;
use crate::options::{self, TimeUnit};
use plotters::chart::SeriesLabelPosition;

use crate::plot::{Panel, Series, Style, two_panels};
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
    /// Unit of date-time coordinates
    #[arg(long, value_enum, default_value_t = TimeUnit::S)]
    pub time_unit: TimeUnit,
    /// Edge order of the derivative: 1 or 2
    #[arg(long, default_value = "1", allow_negative_numbers = true,
          value_parser = options::edge_order())]
    pub edge_order: EdgeOrder,
}

/// A validated `plot` call.
struct PlotJob {
    table: PathBuf,
    output: PathBuf,
    x: Option<String>,
    y: Vec<String>,
    time_unit: TimeUnit,
    /// The derivative's edge order; its spacing comes from the table.
    gradient: Gradient,
}

impl Args {
    fn resolve(self) -> Result<PlotJob> {
        require(
            &self.table,
            Format::is_table,
            "plot needs a .csv or .tsv table",
        )?;
        require(
            &self.output,
            |f| f == Format::Image,
            "the plot is written as .png or .tif",
        )?;
        // .jpg reads as an image but is not written: said before any work.
        crate::images::format_of(&self.output)?;
        refuse_overwrite(&self.output, &[&self.table])?;
        let options = GradientOptions::new().edge_order(self.edge_order);
        Ok(PlotJob {
            gradient: Gradient::new(&self.table, options),
            table: self.table,
            output: self.output,
            x: self.x,
            y: self.y,
            time_unit: self.time_unit,
        })
    }
}

pub fn run(args: Args) -> Result<()> {
    let job = args.resolve()?;
    let t = table::read(&job.table, job.x.as_deref(), job.time_unit)?;
    let columns: Vec<&(String, Vec<f64>)> = if job.y.is_empty() {
        t.columns.iter().collect()
    } else {
        job.y
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
    let from = match &t.x {
        Some(x) => format!("--x '{}' in {}", x.name, job.table.display()),
        None => format!("the row numbers of {}", job.table.display()),
    };
    let gradient = job.gradient.with_spacing(
        Spacing::PerAxis(vec![AxisSpacing::from(x.clone())]),
        vec![from],
    );
    let plan = gradient.plan(&[n])?;
    let mut series = Vec::new();
    let mut derivatives = Vec::new();
    for (name, values) in columns {
        let d = plan
            .gradient(ArrayView1::from(values))
            .map_err(|e| gradient.explain(e, &[n]))?
            .remove(0);
        series.push(Series {
            name: name.clone(),
            values: values.clone(),
            style: Style::LineAndDots,
        });
        derivatives.push(Series {
            name: table::derivative_name(
                name,
                Some(t.x.as_ref().map_or("row", |x| x.name.as_str())),
                gradient.options.deriv,
            ),
            values: d.to_vec(),
            style: Style::LineAndDots,
        });
    }
    let per = match &t.x {
        Some(x) => match &x.time_unit {
            Some(u) => format!("per {u}"),
            None => format!("d/d{}", x.name),
        },
        None => "per row".to_string(),
    };
    let panels = [
        Panel {
            title: "Series",
            y_label: "value",
            series: &series,
            legend: SeriesLabelPosition::MiddleRight,
        },
        Panel {
            title: "Derivative",
            y_label: &per,
            series: &derivatives,
            legend: SeriesLabelPosition::MiddleRight,
        },
    ];
    two_panels(&job.output, &x, &x_label, panels, (1000, 760))
}
