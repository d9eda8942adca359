//! `grad`'s flags, resolved once into the job every path runs: the checks that need no data
//! come first, the same whichever way the file will be read.

use std::path::PathBuf;

use anyhow::Result;

use super::Args;
use crate::UsageError;
use crate::files::{Format, input_location, refuse_overwrite, require};
use crate::gradient::Gradient;
use crate::options::TimeUnit;

/// A validated `grad` call.
pub struct GradJob {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Axes, spacing (for tables with `--x`: still to come from the table), edge order and
    /// threads.
    pub gradient: Gradient,
    pub mode: Mode,
}

/// How the input is read and the output written.
pub enum Mode {
    /// An .npy, .npz or image file or a Zarr array read whole.
    InMemory {
        format: Format,
        key: Option<String>,
        output: ArrayOutput,
    },
    /// Every numeric column of a table, against `--x` or the spacing.
    Table {
        x: Option<String>,
        time_unit: TimeUnit,
    },
    /// `--memory-limit`: an .npy file or a Zarr array in slabs, to one .npy per axis or
    /// a Zarr array (a group of arrays for several axes).
    Streamed {
        key: Option<String>,
        memory_limit: usize,
        progress: bool,
        stats: bool,
    },
}

/// What an array gradient is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayOutput {
    Npy,
    Npz,
    /// An array for one axis, a group of arrays `axis<k>` for several.
    Zarr,
}

impl Args {
    /// Checks the flags against each other and the file types, and reads the coordinate
    /// files; what remains to check needs the input's shape ([`Gradient::plan`]).
    pub fn resolve(self) -> Result<GradJob> {
        let in_format = Format::of(&self.input)?;
        let out_format = Format::of(&self.output)?;
        let location = input_location(&self.input, self.key.as_deref());
        let mut inputs = vec![location.as_path()];
        inputs.extend(self.scheme.spacing_files());
        refuse_overwrite(&self.output, &inputs)?;
        let mode = self.mode(in_format, out_format)?;
        let gradient = self.scheme.resolve(&self.derivative, &self.input)?;
        Ok(GradJob {
            gradient,
            input: self.input,
            output: self.output,
            mode,
        })
    }

    fn mode(&self, input: Format, output: Format) -> Result<Mode> {
        let table = input.is_table();
        if self.x.is_some() && !table {
            return Err(usage(
                "--x applies to .csv/.tsv tables; for arrays give --spacing",
            ));
        }
        if output == Format::Zarr {
            crate::zarr::check_target(&self.output)?;
        }
        // A flag that would change nothing is a mistake worth naming.
        if let Some(k) = &self.key
            && !matches!(input, Format::Npz | Format::Zarr)
        {
            return Err(usage(&format!(
                "--key {k} picks an array in an .npz archive or a Zarr group; {} holds one \
                 array, so drop --key",
                self.input.display()
            )));
        }
        if self.stats && self.memory_limit.is_none() {
            return Err(usage(
                "--stats reports a streamed run; it applies with --memory-limit",
            ));
        }
        if let Some(memory_limit) = self.memory_limit {
            let streams = |f: Format| matches!(f, Format::Npy | Format::Zarr);
            if !streams(input) || !streams(output) {
                return Err(usage(
                    "--memory-limit streams .npy files and Zarr arrays: give an .npy or .zarr \
                     input and output",
                ));
            }
            return Ok(Mode::Streamed {
                key: self.key.clone(),
                memory_limit,
                progress: !self.quiet,
                stats: self.stats,
            });
        }
        if table {
            return self.table_mode();
        }
        let output = match require(
            &self.output,
            |f| matches!(f, Format::Npy | Format::Npz | Format::Zarr),
            "array gradients are written as .npy, .npz or .zarr",
        )? {
            Format::Npy => ArrayOutput::Npy,
            Format::Zarr => ArrayOutput::Zarr,
            _ => ArrayOutput::Npz,
        };
        Ok(Mode::InMemory {
            format: input,
            key: self.key.clone(),
            output,
        })
    }

    fn table_mode(&self) -> Result<Mode> {
        require(
            &self.output,
            Format::is_table,
            "a table's derivatives are written as .csv or .tsv",
        )?;
        if self.scheme.axes.iter().any(|&a| a != 0 && a != -1) {
            return Err(usage("a table's columns are 1-D: --axis can only be 0"));
        }
        if self.x.is_some() && !self.scheme.spacing.is_empty() {
            return Err(usage("give either --x COLUMN or --spacing, not both"));
        }
        Ok(Mode::Table {
            x: self.x.clone(),
            time_unit: self.scheme.time_unit,
        })
    }
}

fn usage(message: &str) -> anyhow::Error {
    UsageError(message.to_string()).into()
}
