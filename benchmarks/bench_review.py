"""Design review end to end: the shipped default study, and a study of 10^6 candidates.

Prints the time of each stage (ranking, verdicts and breakdowns, HTML with five inline SVG plots), the
report size, and the plot time against the obvious alternative (drawing every candidate) measured in the
same run. ``make bench``.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import substitute as sb
from substitute.ranking.study import Study
from substitute.report import plots
from substitute.report.html import render_html

sys.path.insert(0, str(Path(__file__).parent))
from bench_rank import BASE, REQ, SPACE

# the candidates include levers beyond the evidence; the warning is not what is timed
warnings.simplefilter("ignore", sb.ModelDomainWarning)

AS_OF = "2026-11-25"


def _review_and_render(study, label: str) -> sb.Review:
    t0 = time.perf_counter()
    rv = sb.review(study, top=5) if isinstance(study, Study) else sb.review(as_of=AS_OF, top=5)
    t1 = time.perf_counter()
    page = render_html(rv)
    t2 = time.perf_counter()
    rank_s = rv.result.timings.get("total_s", float("nan"))
    print(
        f"{label}: {len(rv.result.table):,} candidates; review {t1 - t0:.2f} s (ranking {rank_s:.2f} s), "
        f"HTML with 5 SVG plots {t2 - t1:.2f} s, {len(page.encode()) / 1e6:.2f} MB"
    )
    return rv


def _plot_ratio(rv: sb.Review) -> None:
    n = len(rv.result.table)
    timings = {}
    for name, k in (("subsampled (max_points 20,000)", 20_000), ("every candidate", n)):
        t0 = time.perf_counter()
        svg = plots.to_svg(plots.pareto(rv.result, max_points=k))
        timings[name] = time.perf_counter() - t0
        print(f"  pareto plot, {name}: {timings[name]:.2f} s, SVG {len(svg) / 1e6:.2f} MB")
    ratio = timings["every candidate"] / timings["subsampled (max_points 20,000)"]
    print(f"  ratio every-candidate / subsampled: {ratio:.1f}×")


def main() -> None:
    _review_and_render(None, "default study")
    big = Study(name="10^6 candidates", baseline=BASE, requirements=REQ, space=SPACE)
    rv = _review_and_render(big, "bench_rank design space")
    _plot_ratio(rv)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
