"""What-if throughput: 10^3 designs × 10^2 scenarios × 10^2 price draws = 10^7 evaluations.

Runs the same grid on the local backend and on Dask (a LocalCluster of 2 worker processes, one thread
each — this machine has 2 cores), checks that both give identical tables, and prints throughputs and the
Dask overhead ratio (Dask time ÷ local time). Cluster start-up is timed separately.

Run: ``python benchmarks/bench_whatif.py`` (``make bench``).
"""

from __future__ import annotations

import logging
import os
import time
import warnings

import numpy as np
import pandas as pd

import substitute as sb
from substitute.whatif import Design, scenario_grid, whatif

# the benchmark alloys are random: many lie beyond the evidence; the warning is not what is timed
warnings.simplefilter("ignore", sb.ModelDomainWarning)

N_DESIGNS, N_DRAWS = 1000, 100
VOLATILITY = {
    "Tb": 0.35,
    "Dy": 0.30,
    "Nd": 0.20,
    "Pr": 0.20,
}  # σ of ln price (assumed, as in the notebook)


def designs(n: int, seed: int = 0) -> list[Design]:
    """n sintered NdFeB designs around the default baseline: 0–4 wt% Dy, 0–1 wt% Tb, 0–20 % Ce of LRE."""
    rng = np.random.default_rng(seed)
    dy = rng.uniform(0, 4, n)
    tb = rng.uniform(0, 1, n) * (rng.random(n) < 0.5)
    ce = rng.uniform(0, 0.2, n)
    lre = 32.0 - dy - tb
    out = []
    for i in range(n):
        a = sb.Alloy.from_mass_percent(
            {
                "Nd": lre[i] * 0.75 * (1 - ce[i]),
                "Pr": lre[i] * 0.25 * (1 - ce[i]),
                "Ce": lre[i] * ce[i],
                "Dy": dy[i],
                "Tb": tb[i],
                "Co": 1.0,
                "Cu": 0.15,
                "Ga": 0.25,
                "Al": 0.2,
                "B": 0.95,
                "Fe": 100 - 32 - 1 - 0.15 - 0.25 - 0.2 - 0.95,
            },
            name=f"design-{i}",
        )
        out.append(
            Design(
                f"design-{i}",
                a,
                annual_volume_units_per_year=float(rng.integers(1_000, 200_000)),
                assembly_value_usd=float(rng.uniform(2_000, 8_000)),
                origin={"Dy": "CN", "Tb": {"CN": 0.5, "non-CN": 0.5}},
            )
        )
    return out


def scenarios():
    """10 Tb × 5 Dy price levels × 2 rule dates = 100 scenarios."""
    return scenario_grid(
        {
            "price_multipliers.Tb": [round(x, 2) for x in np.linspace(0.5, 5.0, 10)],
            "price_multipliers.Dy": [0.5, 1.0, 2.0, 3.0, 5.0],
            "as_of": ["2026-11-22", "2026-12-01"],
        }
    )


def main() -> None:
    import distributed

    ds, ss = designs(N_DESIGNS), scenarios()
    kw = {
        "draws": N_DRAWS,
        "seed": 20261125,
        "volatility": VOLATILITY,
        "study": None,
        "progress": False,
    }
    n_eval = len(ds) * len(ss) * N_DRAWS
    print(
        f"grid: {len(ds):,} designs × {len(ss)} scenarios × {N_DRAWS} draws = {n_eval:,} evaluations"
    )
    print(f"machine: {os.cpu_count()} cores")

    whatif(ds[:10], ss[:2], **kw)  # warm caches (price vectors, catalog, imports)
    t0 = time.perf_counter()
    local = whatif(ds, ss, **kw)
    t_local = time.perf_counter() - t0
    blocks_local = local.attrs["audit"]["timings_s"]["blocks"]

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    t_start = time.perf_counter() - t0
    try:
        whatif(ds[:10], ss[:2], backend="dask", scheduler=client, **kw)  # warm the workers' imports
        t0 = time.perf_counter()
        remote = whatif(ds, ss, backend="dask", scheduler=client, **kw)
        t_dask = time.perf_counter() - t0
    finally:
        client.close()
        cluster.close()
    blocks_dask = remote.attrs["audit"]["timings_s"]["blocks"]

    a, b = local.copy(), remote.copy()
    a.attrs, b.attrs = {}, {}
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    n_blocks = local.attrs["audit"]["n_blocks"]
    print(
        f"blocks: {n_blocks} of ≤ {local.attrs['audit']['block_size']:,} evaluations; results identical: yes"
    )
    print(
        f"local : {t_local:6.2f} s end to end ({n_eval / t_local:,.0f} evaluations/s); "
        f"blocks {blocks_local:.2f} s ({n_eval / blocks_local:,.0f} evaluations/s)"
    )
    print(
        f"dask  : {t_dask:6.2f} s end to end ({n_eval / t_dask:,.0f} evaluations/s); "
        f"blocks {blocks_dask:.2f} s ({n_eval / blocks_dask:,.0f} evaluations/s); 2 workers × 1 thread"
    )
    print(f"dask cluster start-up (not included above): {t_start:.2f} s")
    print(
        f"overhead ratio dask/local: end to end {t_dask / t_local:.2f}, blocks {blocks_dask / blocks_local:.2f}"
    )


if __name__ == "__main__":  # worker processes re-import this module: keep the run behind the guard
    main()
