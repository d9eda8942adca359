"""CUDA graph capture (GPU.md §8, step 6).

ndgrad with scalar spacing enqueues one kernel and never synchronizes, so it must capture:
  torch   ndgrad.gradient(x, 0.5) under torch.cuda.graph; new data copied into x, the graph
          replayed: the outputs must equal ndgrad's eager result and numpy.gradient, bit for bit
  cupy    the same under cupy stream capture, writing into out= arrays (nothing is allocated
          while capturing)
cupy.gradient with uniform coordinate arrays reduces them with a blocking device-to-host copy
(cupy/_math/sumprod.py: `(diffx == diffx[0]).all()`), so its capture is expected to fail; its time
against scalar spacing is that synchronization's cost. Exit 1 if an ndgrad capture fails or differs.
"""

import sys
import time

from gpu_common import (cupy_events, cupy_or_reason, host_bits_equal, median_ms, ndgrad_gpu,
                        need_numpy, skip, torch_events, torch_or_reason)

SHAPE = (64, 128, 256)  # 16 MB in f64: the bit check against NumPy stays fast
BIG = (128, 256, 512)   # 128 MB: larger than L2, for the coordinate-array timing


def torch_graph(np, torch, ndgrad):
    x = torch.rand(SHAPE, dtype=torch.float64, device="cuda")
    # Warm up on a side stream (torch's documented pattern): the first call loads the module
    # (JIT), which must not happen while capturing.
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            ndgrad.gradient(x, 0.5)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        outs = ndgrad.gradient(x, 0.5)
    x.copy_(torch.rand_like(x))  # the replay must read the new values
    graph.replay()
    torch.cuda.synchronize()
    host = x.cpu().numpy()
    eager = ndgrad.gradient(x, 0.5)
    ref = np.gradient(host, 0.5)
    ok = all(host_bits_equal(np, o.cpu().numpy(), e.cpu().numpy()) and
             host_bits_equal(np, o.cpu().numpy(), r) for o, e, r in zip(outs, eager, ref))
    ev = torch_events(torch)
    t_graph = median_ms(ev, lambda i: graph.replay(), reps=20)
    t_eager = median_ms(ev, lambda i: ndgrad.gradient(x, 0.5), reps=20)
    return ok, f"replay {t_graph:.3f} ms, eager {t_eager:.3f} ms"


def cupy_graph(np, cp, ndgrad):
    x = cp.random.random(SHAPE)
    outs = [cp.empty_like(x) for _ in SHAPE]
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        ndgrad.gradient(x, 0.5, out=outs)  # warm-up: module load before capturing
        stream.synchronize()
        stream.begin_capture()
        try:
            ndgrad.gradient(x, 0.5, out=outs)
        finally:
            graph = stream.end_capture()
        x[...] = cp.random.random(SHAPE)
        for o in outs:
            o.fill(cp.nan)
        graph.launch(stream=stream)
        stream.synchronize()
    ref = np.gradient(cp.asnumpy(x), 0.5)
    return all(host_bits_equal(np, cp.asnumpy(o), r) for o, r in zip(outs, ref))


def cupy_coordinates(cp, ndgrad):
    """Times of cupy.gradient and ndgrad.gradient with uniform coordinate arrays against scalar
    spacing (BIG array and 100 elements), then cupy.gradient's capture (expected to fail)."""
    lines = []
    for shape in (BIG, (100,)):
        x = cp.random.random(shape)
        coords = [cp.arange(n, dtype=cp.float64) * 0.5 for n in shape]
        ev = cupy_events(cp)
        t = {
            "cupy coords": median_ms(ev, lambda i: cp.gradient(x, *coords), reps=20),
            "cupy scalar": median_ms(ev, lambda i: cp.gradient(x, 0.5), reps=20),
            "ndgrad coords": median_ms(ev, lambda i: ndgrad.gradient(x, *coords), reps=20),
            "ndgrad scalar": median_ms(ev, lambda i: ndgrad.gradient(x, 0.5), reps=20),
        }
        lines.append(f"{'x'.join(map(str, shape))} f64: " +
                     ", ".join(f"{k} {v:.3f} ms" for k, v in t.items()))
    # Last: a failed capture leaves the stream's capture invalidated until it is ended.
    x = cp.random.random(SHAPE)
    coords = [cp.arange(n, dtype=cp.float64) * 0.5 for n in SHAPE]
    stream = cp.cuda.Stream(non_blocking=True)
    error = None
    with stream:
        stream.begin_capture()
        try:
            cp.gradient(x, *coords)
        except Exception as e:  # noqa: BLE001 - whatever CUDA error the sync raises
            error = f"{type(e).__name__}: {e}"
        finally:
            try:
                stream.end_capture()
            except Exception as e:  # noqa: BLE001
                error = error or f"{type(e).__name__} at end_capture: {e}"
    cp.cuda.Device().synchronize()
    captured = "fails as expected" if error else "UNEXPECTEDLY captured"
    return lines, f"cupy.gradient(coords) capture {captured}", error


def main():
    np = need_numpy()
    cp, cp_why = cupy_or_reason()
    torch, torch_why = torch_or_reason()
    if cp is None and torch is None:
        skip(f"{cp_why}; {torch_why}")
    ndgrad = ndgrad_gpu()
    failed, summary = False, []
    for name, fw, why in (("torch.cuda.graph", torch, torch_why), ("cupy capture", cp, cp_why)):
        if fw is None:
            print(f"{name}: SKIPPED ({why})")
            summary.append(f"{name} skipped")
            continue
        t0 = time.perf_counter()
        try:
            if fw is torch:
                ok, times = torch_graph(np, torch, ndgrad)
            else:
                ok, times = cupy_graph(np, cp, ndgrad), ""
            verdict = "captured, replay bits equal" if ok else "captured, replay bits DIFFER"
        except Exception as e:  # noqa: BLE001 - a capture error is the result being checked
            ok, times, verdict = False, "", f"FAILED: {type(e).__name__}: {e}"
        failed |= not ok
        print(f"ndgrad under {name}: {verdict} {times} ({time.perf_counter() - t0:.1f} s)")
        summary.append(f"ndgrad {name} " + ("ok" if ok else "FAIL"))
    if cp is not None:
        lines, verdict, error = cupy_coordinates(cp, ndgrad)
        for line in lines:
            print(line)
        print(f"{verdict}" + (f" ({error})" if error else ""))
        summary.append(verdict)
    print("SUMMARY: " + "; ".join(summary))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
