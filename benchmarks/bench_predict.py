"""Throughput of substitute.predict on 10^6 alloys x 2 temperatures (target <= 2 s on one core),
and the speed-up over an obvious per-alloy loop on a small sample.

Run: ``python benchmarks/bench_predict.py [n_alloys]``. Prints the best of three runs (the machine
may be shared).
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

import substitute as sb
from substitute.properties import predict_arrays

# the benchmark alloys are random: many lie beyond the evidence; the warning is not what is timed
warnings.simplefilter("ignore", sb.ModelDomainWarning)


def make_batch(n: int, seed: int = 0) -> sb.AlloyBatch:
    rng = np.random.default_rng(seed)
    els = ["Nd", "Pr", "Dy", "Tb", "Ce", "Co", "Cu", "Ga", "Al", "B", "Fe"]
    m = np.zeros((n, len(els)))
    tre = rng.uniform(28.0, 32.0, n)
    dy, tb, ce = rng.uniform(0, 6, n), rng.uniform(0, 1, n), rng.uniform(0, 5, n)
    light = tre - dy - tb - ce
    m[:, 0], m[:, 1] = 0.75 * light, 0.25 * light
    m[:, 2], m[:, 3], m[:, 4] = dy, tb, ce
    m[:, 5], m[:, 6], m[:, 7], m[:, 8] = rng.uniform(0, 2.5, n), 0.15, 0.2, 0.1
    m[:, 9] = rng.uniform(0.9, 1.0, n)
    m[:, 10] = 100.0 - m[:, :10].sum(axis=1)
    return sb.AlloyBatch(m / 100.0, els)


def best_of(fn, k: int = 3) -> float:
    times = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    temps = [20.0, 150.0]
    t0 = time.perf_counter()
    batch = make_batch(n)
    _ = batch.atomic_array
    print(f"built batch of {n:,} alloys in {time.perf_counter() - t0:.2f} s (not timed below)")
    sb.predict(make_batch(10), temperature_C=temps)  # warm caches
    t_df = best_of(lambda: sb.predict(batch, temperature_C=temps))
    t_arr = best_of(lambda: predict_arrays(batch, "sintered", temps))
    rows = n * len(temps)
    print(f"predict (DataFrame)      : {t_df:.2f} s  -> {rows / t_df:,.0f} rows/s  (target <= 2 s)")
    print(f"predict_arrays (no frame): {t_arr:.2f} s  -> {rows / t_arr:,.0f} rows/s")
    k = 200
    small = make_batch(k, seed=1)
    t_loop = best_of(lambda: [sb.predict(small[i], temperature_C=temps) for i in range(k)], 1)
    t_vec = best_of(lambda: sb.predict(small, temperature_C=temps))
    print(
        f"per-alloy loop on {k} alloys: {t_loop:.3f} s; vectorised: {t_vec:.4f} s; ratio {t_loop / t_vec:,.0f}x"
    )
    print(f"extrapolated loop for {n:,} alloys: {t_loop / k * n / 3600:.1f} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
