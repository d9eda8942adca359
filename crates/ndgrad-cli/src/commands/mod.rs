//! One module per subcommand.

pub mod demo;
pub mod edges;
pub mod flags;
pub mod grad;
pub mod info;
pub mod operators;
pub mod plot;

use std::io::Write;

/// Prints a line to stdout, reporting a closed pipe as an error the caller can recognize.
pub fn say(text: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}
