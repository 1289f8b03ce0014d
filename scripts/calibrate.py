"""Refit the property model: ``make calibrate`` runs this.

Writes ``datasets/models/physics_params.json`` (the fit, its 90 % intervals and the evidence index) and
``datasets/models/loso_predictions.csv`` (leave-one-source-out predictions), both with the hash of the data
they came from.
"""

from __future__ import annotations

import sys

from substitute.properties.refit import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
