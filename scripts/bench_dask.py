"""ndgrad.dask vs dask.array.gradient on the same distributed LocalCluster, in one run, with
the cluster's floor for the same outputs: an elementwise map per output, reduced alike.

Usage: scripts/bench_dask.sh   (2 worker processes, one thread each)
"""

import dask.array as da
import distributed
import numpy as np

import ndgrad
import ndgrad.dask
from bench import median_time


def timed(fn, repeats=5):
    return median_time(fn, repeats)


def main():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as client:
        import dask

        workers = len(client.scheduler_info()["workers"])
        print(f"LocalCluster: {workers} worker processes x 1 thread; dask {dask.__version__}, "
              f"ndgrad {ndgrad.__version__}; median of 5, results reduced on the workers")
        print(f"{'case':44}{'dask.array.gradient':>22}{'ndgrad.dask':>14}{'speed-up':>10}"
              f"{'map floor':>12}")
        cases = [
            ("6000x6000 f64, chunks 1500x1500, all axes", (6000, 6000), (1500, 1500), (), 1),
            ("4000x4000 f64, chunks 1000x1000, all axes", (4000, 4000), (1000, 1000), (), 1),
            ("4000x4000 f64, chunks 500x4000, x coords, edge 2", (4000, 4000), (500, 4000),
             ("coords",), 2),
            ("1-D 2e7 f64, chunks 1e6", (20_000_000,), (1_000_000,), (), 1),
        ]
        for name, shape, chunks, spacing, edge in cases:
            x = da.random.default_rng(0).standard_normal(shape, chunks=chunks).persist()
            distributed.wait(x)
            varargs = ()
            if spacing == ("coords",):
                varargs = (1.0, np.cumsum(np.random.default_rng(1).uniform(0.5, 1.5, shape[-1])))

            def run(fn):
                g = fn(x, *varargs, edge_order=edge)
                g = g if isinstance(g, (tuple, list)) else (g,)
                # Reduce on the workers: the time is the gradient, not the transfer.
                return da.compute(*[a.sum() for a in g])

            t_dask = timed(lambda: run(da.gradient))
            t_nd = timed(lambda: run(ndgrad.dask.gradient))
            # The floor on this cluster: as many outputs as the gradient, each an
            # elementwise map of the blocks (no halo, nothing between workers), reduced
            # the same way. What is left above it is the gradient's own work.
            n_out = x.ndim
            t_map = timed(lambda: da.compute(*[(x * float(k + 1)).sum() for k in range(n_out)]))
            print(f"{name:44}{t_dask * 1e3:19.0f} ms{t_nd * 1e3:11.0f} ms{t_dask / t_nd:9.2f}x"
                  f"{t_map * 1e3:9.0f} ms")
    cluster.close()


if __name__ == "__main__":
    main()
