"""Plots for notebooks and the design-review report (``sb.plot``); see :mod:`substitute.report.plots`.

Importing this module imports matplotlib; ``import substitute`` does not.
"""

from substitute.report.plots import br_hcj_map, content, cost_breakdown, demag, pareto, to_svg

__all__ = ["br_hcj_map", "content", "cost_breakdown", "demag", "pareto", "to_svg"]
