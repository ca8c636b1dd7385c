# The README's two commands: `make demo` (the main job) and `make test` (the whole suite).
# Both create the virtual environment from the lock file first, and start the Docker Engine if none runs.
# `make check` is the fast tier: lint, types and the hermetic tests (no network, root, engine or browser), in seconds.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check lock engine bases compose-cli clean docs bench golden

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

engine: $(STAMP)
	$(BIN)/dockwise doctor

# Debian 13 bases (the default) and the Debian 12 ones the base tests also run, each with the faithful distroless
# base the lean one is tested against, and the Debian 13 arm64 bases the platform tests run under emulation (set up
# by `doctor --platforms`; the arm64 slim base takes minutes once); quick when already built.
bases: engine
	$(BIN)/dockwise base
	$(BIN)/dockwise base --only distroless --profile faithful
	$(BIN)/dockwise base --release bookworm
	$(BIN)/dockwise base --release bookworm --only distroless --profile faithful
	$(BIN)/dockwise doctor --platforms
	$(BIN)/dockwise base --platform linux/arm64

# Debian's docker-compose (1.29): the `compose` tests check every compose.yaml `init` writes with `docker-compose config`.
compose-cli:
	command -v docker-compose >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose)

demo: engine
	$(BIN)/dockwise demo

test: bases compose-cli
	$(BIN)/python -m pytest $(PYTEST_ARGS)

HERMETIC := not engine and not network and not root and not browser and not slow and not compose

check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	DOCKWISE_HERMETIC=1 HYPOTHESIS_PROFILE=check $(BIN)/python -m pytest -q -m "$(HERMETIC)" $(PYTEST_ARGS)

# Write the golden files of `dockwise init` (tests/golden/: the files and the plan of every fixture and corpus app)
# from the code; `make check` fails on any difference, so review the diff before committing it.
golden: $(STAMP)
	$(BIN)/python -m pytest -q tests/pyapp/test_golden.py --update-golden

# The performance goals (issue 10's table), each beside its peer in the same run: server throughput and startup,
# the distroless image's size (bench_webapp), inspect's time and memory against dive (bench_inspect), sbom's time,
# memory and licences against syft (bench_sbom); each writes its record in docs/benchmarks/, whose tables `docs` renders.
bench: bases
	$(BIN)/python benchmarks/bench_webapp.py --runs 7 --load-seconds 5 --json-out docs/benchmarks/bench-webapp.json
	$(BIN)/python benchmarks/bench_inspect.py --runs 7 --json-out docs/benchmarks/bench-inspect.json
	$(BIN)/python benchmarks/bench_sbom.py --runs 7 --json-out docs/benchmarks/sbom.json
	$(BIN)/python -m dockwise.report.bench_docs docs/benchmarks

# Regenerate docs/rules.md from the rule modules and the benchmark tables in docs/benchmarks/ from the JSON records
# the benchmarks wrote (`--json-out`); a test fails when either is stale.
docs: $(STAMP)
	$(BIN)/python -m dockwise.report.rule_docs docs/rules.md
	$(BIN)/python -m dockwise.report.bench_docs docs/benchmarks

# Refresh the lock after changing dependencies in pyproject.toml (uv is in the dev extra).
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes --python-version 3.11 \
		--no-header --quiet -o requirements.lock

clean:
	rm -rf $(VENV) build dist src/*.egg-info
