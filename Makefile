# The two commands that matter on a fresh machine (see README):
#   make sandbox   start the sandbox on http://127.0.0.1:8080 (no Connect or Microsoft account)
#   make test      lint + the whole test suite, on both dependency stacks
# Everything installs itself into virtual environments under .venv-*; nothing is installed by hand.

PYTHON ?= python3
STACKS := runner next
PIP_FLAGS ?= --disable-pip-version-check --quiet

.PHONY: sandbox test test-ui lint benchmarks docs clean
# The stamp files are real: keep them, or every run would reinstall its stack.
.PRECIOUS: .venv-%/.installed

.venv-%/.installed: pyproject.toml constraints/%.txt
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/pip install $(PIP_FLAGS) --upgrade pip
	.venv-$*/bin/pip install $(PIP_FLAGS) -c constraints/$*.txt -e '.[test,sandbox,postgres,docs]'
	touch $@

sandbox: .venv-runner/.installed
	.venv-runner/bin/python -m sandbox

test: test-ui $(addprefix test-,$(STACKS)) docs

# The pages: ESLint, Vitest specs, then a rebuild that must equal the committed connect_ext/static/
# (Connect's cloud mode serves what is committed; it never builds).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test-ui: node_modules/.installed
	npm run lint
	npm test
	npm run check:static

test-%: .venv-%/.installed
	@echo "=== stack: $* ($$(.venv-$*/bin/python -c 'import connect.eaas.core, pydantic, importlib.metadata as m; print("connect-eaas-core", m.version("connect-eaas-core"), "pydantic", pydantic.VERSION)'))"
	.venv-$*/bin/ruff check .
	scripts/with-postgres.sh .venv-$*/bin/python -m pytest $(PYTEST_ARGS)

docs: .venv-runner/.installed
	NO_MKDOCS_2_WARNING=1 .venv-runner/bin/mkdocs build --strict --quiet --site-dir .venv-runner/site

# Figures beside their baselines, measured in the same run (see benchmarks/README.md).
benchmarks: .venv-runner/.installed
	scripts/with-postgres.sh .venv-runner/bin/python -m benchmarks $(BENCHMARK_ARGS)

lint: .venv-runner/.installed
	.venv-runner/bin/ruff check .

clean:
	rm -rf .venv-* .pytest_cache .ruff_cache htmlcov .coverage
