"""Design-review report: plots and the self-contained HTML page."""
