# Set-up and everyday commands. Each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint docs fuzz bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

demo: $(PY)
	$(PIP) -e ".[plot]"
	$(PY) examples/walkthrough.py

test: $(PY)
	$(PIP) -e ".[dev]"
	$(PY) -m pytest -n auto

# the API reference and the pages, as HTML in build/docs; a warning is an error
docs: $(PY)
	$(PIP) -e ".[docs]"
	$(PY) -m sphinx -W --keep-going -q -b html docs build/docs

lint: $(PY)
	$(PIP) -e ".[dev]"
	$(PY) -m ruff check .
	$(PY) -m mypy src

# The fuzz tier at length: twenty times the examples of the bounded profile that make test runs.
fuzz: $(PY)
	$(PIP) -e ".[dev]"
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/test_fuzz_arguments.py tests/test_fuzz_programs.py

# torch==2.13.0 resolves to a local CPU wheel here; without it the PyTorch columns are skipped.
bench: $(PY)
	$(PIP) -e .
	$(PIP) torch==2.13.0 || echo "torch==2.13.0 not installable: comparing with NumPy only"
	$(PY) bench/run.py
	$(PY) bench/transforms.py
	$(PY) bench/safety.py
	$(PY) bench/core.py
	$(PY) bench/aliasing.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis src/*.egg-info
