"""wt% → at% → wt% for 10^6 alloys of 10 elements, against a pymatgen Composition loop (same run).

Prints throughput, peak memory and the per-alloy speed ratio. Run with ``make bench``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from substitute.composition import AlloyBatch, atomic_to_mass, mass_to_atomic
from substitute.elements import atomic_masses

ELEMENTS = ["Nd", "Pr", "Dy", "Tb", "Co", "Cu", "Ga", "Al", "B", "Fe"]
N_FAST, N_SLOW = 1_000_000, 10_000


def random_batch(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.0, 1.0, size=(n, len(ELEMENTS)))
    w[:, -1] += 6.0  # Fe-rich, like a magnet
    return w / w.sum(axis=1, keepdims=True)


def run_numpy(w: np.ndarray, repeat: int = 3) -> tuple[float, float, np.ndarray]:
    """Best of ``repeat`` timed runs, then one run under tracemalloc for the peak extra memory."""
    masses = atomic_masses(ELEMENTS)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        back = atomic_to_mass(mass_to_atomic(w, masses), masses)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    atomic_to_mass(mass_to_atomic(w, masses), masses)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak, back


def run_pymatgen(w: np.ndarray) -> tuple[float, np.ndarray]:
    from pymatgen.core import Composition

    out = np.empty_like(w)
    t0 = time.perf_counter()
    for i, row in enumerate(w):
        comp = Composition.from_weight_dict(dict(zip(ELEMENTS, row.tolist(), strict=True)))
        atomic = {el: comp.get_atomic_fraction(el) for el in ELEMENTS}
        back = Composition(atomic)
        out[i] = [float(back.get_wt_fraction(el)) for el in ELEMENTS]
    return time.perf_counter() - t0, out


def main() -> None:
    w = random_batch(N_FAST)
    dt, peak, back = run_numpy(w)
    err = float(np.abs(back - w).max())
    fast_rate = N_FAST / dt
    print(
        f"numpy   : {N_FAST:>9,d} alloys × {len(ELEMENTS)} elements wt→at→wt in {dt:.3f} s (best of 3) "
        f"= {fast_rate:,.0f} alloys/s; peak extra memory {peak / 2**20:.0f} MiB; max round-trip error {err:.1e}"
    )

    t0 = time.perf_counter()
    b = AlloyBatch(w, ELEMENTS)
    _ = b.atomic_array
    dt_b = time.perf_counter() - t0
    print(
        f"AlloyBatch: validate + at% for {N_FAST:,d} alloys in {dt_b:.3f} s = {N_FAST / dt_b:,.0f} alloys/s"
    )

    ws = w[:N_SLOW]
    dt_slow, back_slow = run_pymatgen(ws)
    slow_rate = N_SLOW / dt_slow
    agree = float(np.abs(back_slow - ws).max())
    print(
        f"pymatgen: {N_SLOW:>9,d} alloys in {dt_slow:.2f} s = {slow_rate:,.0f} alloys/s "
        f"(Composition.from_weight_dict → get_atomic_fraction → get_wt_fraction); max error {agree:.1e}"
    )
    print(
        f"ratio   : numpy is {fast_rate / slow_rate:,.0f}× faster per alloy than the pymatgen loop "
        f"(target ≥ 1000×; throughput target ≥ 5e6 alloys/s: {'met' if fast_rate >= 5e6 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
