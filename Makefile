# substitute — make targets. Every target that needs Python creates .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint bench fuzz calibrate validation docs browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,docs,notebook]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/substitute rank

lint: $(STAMP)
	$(BIN)/ruff check substitute tests benchmarks scripts notebooks
	$(BIN)/ruff format --check substitute tests benchmarks scripts notebooks
	$(BIN)/mypy

# Chromium for tests/test_report_browser.py; SUBSTITUTE_BROWSER=skip skips both.
browser:
ifeq ($(SUBSTITUTE_BROWSER),skip)
	@echo "browser: SUBSTITUTE_BROWSER=skip, not checking for Chromium"
else
	bash scripts/ensure-chromium.sh
endif

test: $(STAMP) lint browser validation docs
	$(BIN)/python -m pytest

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Every parser of user input against >= 10,000 generated and mutated inputs (tests/fuzzing.py); the suite
# runs a short derandomised pass (tests/test_fuzz.py). FUZZ_EXAMPLES=N to change the count.
FUZZ_EXAMPLES ?= 10000
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py --examples $(FUZZ_EXAMPLES)

# Refit the model on the evidence, and recount the evidence's data card (scripts/calibration_card.py).
calibrate: $(STAMP)
	$(BIN)/python scripts/calibrate.py
	$(BIN)/python scripts/calibration_card.py

validation: $(STAMP)
	$(BIN)/python scripts/validation_report.py

# Docs site (mkdocs.yml) into build/site; warnings are errors. Data cards come from datasets/**/*.md
# at build time (scripts/build_docs_data_cards.py, an mkdocs hook).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
