"""Refit the shipped property model and its intervals (``make calibrate``).

1. :func:`substitute.properties.calibration.shipped_fit` — the MAP fit on all evidence;
2. :func:`substitute.properties.crossval.leave_one_source_out` — every source held out in turn, for the
   90 % intervals and the validation page;
3. write ``datasets/models/physics_params.json`` and ``datasets/models/loso_predictions.csv`` with the hash
   of the data they came from.
"""

from __future__ import annotations

import datetime as _dt

from substitute import data
from substitute.properties import _tables as tb
from substitute.properties import calibration as cal
from substitute.properties import crossval
from substitute.properties import evidence as ev

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Refit the shipped model and write ``datasets/models/physics_params.json`` (``make calibrate``)."""
    import argparse
    import sys
    import time

    ap = argparse.ArgumentParser(
        description="Refit the substitute property model on the shipped evidence"
    )
    ap.add_argument(
        "--no-cv", action="store_true", help="skip leave-one-source-out (keep the stored intervals)"
    )
    args = ap.parse_args(argv)
    try:
        crossval.fold_jobs()  # a bad SUBSTITUTE_JOBS is one line before the fit, not a traceback after it
    except ValueError as exc:
        print(f"calibrate: {exc}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    tb.clear_caches()
    params, obs, f = cal.shipped_fit()
    params["data_hash"] = data.file_hash(*cal.FIT_FILES)
    params["data_files"] = list(cal.FIT_FILES)
    params["calibration_data_hash"] = data.file_hash(ev.MAGNETS_FILE, ev.PAIRS_FILE)
    params["fitted_on"] = _dt.date.today().isoformat()
    params["fit_report"] = {
        "cost": f.cost,
        "n_residuals": f.n_residuals,
        "nfev": f.nfev,
        "n_absolute": len(obs.absolute),
        "n_pairs": len(obs.pairs),
        "parameters": [
            {
                "group": s.group,
                "name": s.name,
                "prior_mean": s.mean,
                "prior_sd": s.sd,
                "fitted": float(v),
            }
            for s, v in zip(f.spec, f.theta, strict=True)
        ],
    }
    print(
        f"fitted {len(f.spec)} parameters on {len(obs.absolute)} magnets and {len(obs.pairs)} pairs "
        f"in {time.perf_counter() - t0:.1f} s (cost {f.cost:.1f})"
    )
    if not args.no_cv:
        oof = crossval.leave_one_source_out(obs, params, f)
        params["uncertainty"].update(crossval.interval_offsets(oof))
        crossval.write_predictions(oof, params["data_hash"])
        print(f"leave-one-source-out done in {time.perf_counter() - t0:.1f} s")
    else:
        old = tb.params()
        params["uncertainty"] = old.get("uncertainty", params["uncertainty"])
    data.write_json(tb.PARAMS_FILE, params)
    tb.clear_caches()
    for prm in params["fit_report"]["parameters"]:
        print(
            f"  {prm['group']:>9s} {prm['name']:<28s} prior {prm['prior_mean']:.3g} ± {prm['prior_sd']:.3g} -> {prm['fitted']:.4g}"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
