//! The `ndgrad` command: NumPy-exact gradients of arrays, time series and images in files.

mod array;
mod cleanup;
mod codec;
mod commands;
mod files;
mod gradient;
mod images;
mod memory;
mod npy;
mod options;
mod plot;
mod spacing;
mod stream;
mod table;
mod zarr;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A mistake in how the command was called (exit code 2), as opposed to a problem with the
/// data in a file (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

#[derive(Parser)]
#[command(
    name = "ndgrad",
    version,
    about = "NumPy-exact gradients of arrays, time series and images in files",
    long_about = "NumPy-exact gradients of arrays, time series and images in files.\n\n\
                  Results equal numpy.gradient on the same data, bit for bit.",
    after_help = "Examples:\n  ndgrad demo\n  ndgrad grad field.npy -o grad.npz --spacing 0.5\n  \
                  ndgrad laplacian field.npy -o lap.npy\n  ndgrad curl u.npy v.npy -o vort.npy\n  \
                  ndgrad edges photo.png -o edges.png\n  ndgrad info field.npy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Grad(commands::grad::Args),
    Magnitude(commands::operators::MagnitudeArgs),
    Laplacian(commands::operators::LaplacianArgs),
    /// The divergence of a vector field: dU/dx0 + dV/dx1 (+ dW/dx2).
    #[command(after_help = commands::operators::DIVERGENCE_HELP)]
    Divergence(commands::operators::FieldArgs),
    /// The curl of a 2- or 3-component vector field (vorticity in 2-D).
    #[command(after_help = commands::operators::CURL_HELP)]
    Curl(commands::operators::FieldArgs),
    Edges(commands::edges::Args),
    Plot(commands::plot::Args),
    Info(commands::info::Args),
    Demo(commands::demo::Args),
}

fn main() -> ExitCode {
    cleanup::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let result = match cli.command {
        Command::Grad(a) => commands::grad::run(a),
        Command::Magnitude(a) => commands::operators::magnitude(a),
        Command::Laplacian(a) => commands::operators::laplacian(a),
        Command::Divergence(a) => commands::operators::divergence(a),
        Command::Curl(a) => commands::operators::curl(a),
        Command::Edges(a) => commands::edges::run(a),
        Command::Plot(a) => commands::plot::run(a),
        Command::Info(a) => commands::info::run(a),
        Command::Demo(a) => commands::demo::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ndgrad: error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// A closed pipe (`ndgrad info x.npy | head -1`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
