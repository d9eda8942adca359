//! Replays the golden fixtures written by `scripts/gen_fixtures.py` from `numpy.gradient`
//! itself through the CPU engine, on one thread and on four.

mod fixture_replay;

use fixture_replay::{Engine, Fixture};
use ndarray::{ArrayD, ArrayViewD};
use ndgrad::{GradientOptions, Plan};

/// The CPU engine with a fixed thread count.
struct Cpu(usize);

impl Engine for Cpu {
    fn configure(&self, options: GradientOptions) -> GradientOptions {
        options.threads(self.0)
    }

    fn gradient<T: Fixture>(
        &self,
        plan: &Plan,
        f: ArrayViewD<'_, T>,
    ) -> Result<Vec<ArrayD<T::Output>>, ndgrad::Error> {
        plan.gradient(f)
    }
}

#[test]
fn every_fixture_matches_numpy_serially() {
    fixture_replay::replay(&Cpu(1));
}

#[test]
fn every_fixture_matches_numpy_on_four_threads() {
    fixture_replay::replay(&Cpu(4));
}
