# The README's two commands: `make demo` (the main job) and `make test` (the whole suite).
# Both create the virtual environment from the lock file first, and start the Docker Engine if none runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lock engine bases clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

engine: $(STAMP)
	$(BIN)/dockwise doctor

# Debian 13 bases (the default) and the Debian 12 ones the base tests also run, each with the faithful distroless
# base the lean one is tested against; quick when already built.
bases: engine
	$(BIN)/dockwise base
	$(BIN)/dockwise base --only distroless --profile faithful
	$(BIN)/dockwise base --release bookworm
	$(BIN)/dockwise base --release bookworm --only distroless --profile faithful

demo: engine
	$(BIN)/dockwise demo

test: bases
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the lock after changing dependencies in pyproject.toml (needs uv: `pip install uv`).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 \
		--no-header --quiet -o requirements.lock

clean:
	rm -rf $(VENV) build dist src/*.egg-info
