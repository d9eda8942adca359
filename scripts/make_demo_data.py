"""Write data/sensor_gappy.csv, the gappy noisy series of `ndgrad demo` (part 4).

Run with any Python that has NumPy: `.venv/bin/python scripts/make_demo_data.py`. The output
is committed and bundled into the binary; the fixed seed makes it the same on every run.

What a cheap outdoor logger gives: readings every 5 to 15 minutes (the interval jitters, so
the time axis is uneven) over two days, a daily cycle with a cold front passing on the
second afternoon, sensor noise well below the signal, values rounded to 0.01 degrees, and
missing readings written as empty cells: a few single dropouts and one outage of 10
readings (the timestamps are still logged).
"""

from pathlib import Path

import numpy as np

SEED = 20260314
N = 300
OUT = Path(__file__).resolve().parent.parent / "data/sensor_gappy.csv"


def series(rng):
    seconds = np.cumsum(rng.integers(5 * 60, 15 * 60 + 1, N))
    seconds -= seconds[0]
    hours = seconds / 3600.0
    daily = 4.0 * np.sin((hours - 9.0) / 24.0 * 2 * np.pi)
    front = -3.0 * (1 + np.tanh((hours - 38.0) / 1.5)) / 2  # 3 degrees colder within ~3 h
    temperature = 11.0 + daily + front + rng.normal(0.0, 0.08, N)
    missing = np.zeros(N, bool)
    missing[rng.choice(np.arange(10, N - 10), 6, replace=False)] = True
    missing[150:160] = True  # the outage
    return seconds, np.where(missing, np.nan, np.round(temperature, 2))


def main():
    seconds, temperature = series(np.random.default_rng(SEED))
    t = np.datetime64("2026-03-14T00:00:00") + seconds.astype("m8[s]")
    lines = ["time,temperature"]
    lines += [f"{ti},{'' if np.isnan(v) else f'{v:.2f}'}" for ti, v in zip(t, temperature)]
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
