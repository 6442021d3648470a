# The two commands that matter on a fresh machine (see README):
#   make sandbox   start the sandbox on http://127.0.0.1:8080 (no Connect or Microsoft account)
#   make test      lint + the whole test suite, on both dependency stacks
# Everything installs itself into virtual environments under .venv-*; nothing is installed by hand.

PYTHON ?= python3
PIP_FLAGS ?= --disable-pip-version-check --quiet
# The runner Connect runs the extension in, and the Poetry that installs it (the image's own).
RUNNER_VERSION := 43.1
POETRY_VERSION := 2.5.1
# The API fuzzer (make api-fuzz), in an environment of its own: it needs rich >= 13.9, and
# connect-openapi-client's renderer pins rich < 13.
SCHEMATHESIS_VERSION := 4.32.5

.PHONY: sandbox test test-ui test-runner test-next check-lock lint benchmarks docs api-fuzz clean
# The stamp files are real: keep them, or every run would reinstall its stack.
.PRECIOUS: .venv-%/.installed

# Poetry in an environment of its own, as in the runner image (never inside the extension's).
.venv-poetry/.installed:
	$(PYTHON) -m venv .venv-poetry
	.venv-poetry/bin/pip install $(PIP_FLAGS) poetry==$(POETRY_VERSION)
	touch $@

# Poetry acting on the runner's environment, as the image's does (virtualenvs.create = false).
RUNNER_ENV := env POETRY_VIRTUALENVS_CREATE=false VIRTUAL_ENV=$(CURDIR)/.venv-runner PATH=$(CURDIR)/.venv-runner/bin:$(PATH)
POETRY := $(RUNNER_ENV) $(CURDIR)/.venv-poetry/bin/poetry --no-interaction

# The runner's stack, installed the way Connect installs the extension: the runner package first (the
# image has it), then the entrypoint's plain `poetry install` from poetry.lock into that same
# environment, then the optional groups the whole suite needs, then `pip check`.
.venv-runner/.installed: pyproject.toml poetry.lock .venv-poetry/.installed
	rm -rf .venv-runner
	$(PYTHON) -m venv .venv-runner
	.venv-runner/bin/pip install $(PIP_FLAGS) --upgrade pip
	.venv-runner/bin/pip install $(PIP_FLAGS) connect-extension-runner==$(RUNNER_VERSION)
	$(POETRY) install
	$(POETRY) install --no-root --only browser,docs
	.venv-runner/bin/pip check
	touch $@

# The next stack (the next runner: connect-eaas-core 38, pydantic 2): the same dependency lists,
# constrained by constraints/next.txt instead of the lock (scripts/stack_requirements.py).
.venv-next/.installed: pyproject.toml constraints/next.txt scripts/stack_requirements.py
	rm -rf .venv-next
	$(PYTHON) -m venv .venv-next
	.venv-next/bin/pip install $(PIP_FLAGS) --upgrade pip
	.venv-next/bin/python scripts/stack_requirements.py constraints/next.txt > .venv-next/requirements.txt
	.venv-next/bin/pip install $(PIP_FLAGS) -r .venv-next/requirements.txt
	.venv-next/bin/pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

sandbox: .venv-runner/.installed
	.venv-runner/bin/python -m sandbox

test: check-lock test-ui test-runner test-next docs api-fuzz

# poetry.lock must match pyproject.toml: a stale lock is what Connect would install.
check-lock: .venv-poetry/.installed
	.venv-poetry/bin/poetry check --lock --no-interaction

# The pages: ESLint, Vitest specs, then a rebuild that must equal the committed connect_ext/static/
# (Connect's cloud mode serves what is committed; it never builds).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-ui: node_modules/.installed
	npm run lint
	npm test
	npm run check:static

# On the runner's stack, the runner's own test command (extension-test): `poetry run flake8`, then
# `poetry run pytest` (with ruff, the project's linter, between them). The pages' half of it
# (`npm run lint`, `npm run test`) is test-ui.
test-runner: .venv-runner/.installed
	@echo "=== stack: runner ($$(.venv-runner/bin/python -c 'import importlib.metadata as m; print(*(f"{p} {m.version(p)}" for p in ("connect-extension-runner", "connect-eaas-core", "pydantic")))'))"
	$(POETRY) run flake8
	.venv-runner/bin/ruff check .
	OVERAGE_REQUIRE_RUNNER=1 scripts/with-postgres.sh $(POETRY) run pytest $(PYTEST_ARGS)

test-next: .venv-next/.installed
	@echo "=== stack: next ($$(.venv-next/bin/python -c 'import importlib.metadata as m; print(*(f"{p} {m.version(p)}" for p in ("connect-eaas-core", "pydantic")))'))"
	scripts/with-postgres.sh .venv-next/bin/python -m pytest $(PYTEST_ARGS)

# A bounded schemathesis run against the sandbox, checked against docs/openapi.json (scripts/api-fuzz.sh).
.venv-schemathesis/.installed:
	$(PYTHON) -m venv .venv-schemathesis
	.venv-schemathesis/bin/pip install $(PIP_FLAGS) schemathesis==$(SCHEMATHESIS_VERSION)
	touch $@

api-fuzz: .venv-runner/.installed .venv-schemathesis/.installed
	scripts/api-fuzz.sh .venv-runner/bin/python .venv-schemathesis/bin/st

docs: .venv-runner/.installed
	NO_MKDOCS_2_WARNING=1 .venv-runner/bin/mkdocs build --strict --quiet --site-dir .venv-runner/site

# Figures beside their baselines, measured in the same run (see benchmarks/README.md).
benchmarks: .venv-runner/.installed
	scripts/with-postgres.sh .venv-runner/bin/python -m benchmarks $(BENCHMARK_ARGS)

lint: .venv-runner/.installed
	.venv-runner/bin/ruff check .
	$(POETRY) run flake8

clean:
	rm -rf .venv-* .pytest_cache .ruff_cache htmlcov .coverage
