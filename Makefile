# Birdhouse developer commands. Everything runs from a virtualenv in .venv.
# Another interpreter in its own venv: make test PYTHON=$(sh infra/find_python.sh 3.12) VENV=.venv312
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two steps in one venv: what `make dev` runs, then the test toolchain on top (make test).
DEV_STAMP := $(VENV)/.installed-dev
STAMP := $(VENV)/.installed

.PHONY: install dev test lint typecheck run package-check clean lock

# make dev's set: the runtime set first, exactly as the Lambda package gets it (every version
# and every download's hash from requirements.lock), then the client, uvicorn and moto's
# server (requirements-devstack.txt). No pip upgrade, no test tools: this is the wait before
# the first link.
$(DEV_STAMP): requirements.lock requirements.txt requirements-local.txt requirements-devstack.txt \
		client/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-devstack.txt
	touch $(DEV_STAMP)

# make test's set: everything above, then the test toolchain (requirements-dev.txt).
$(STAMP): $(DEV_STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	# tweepy, for the sandbox tests, caps oauthlib below 4; the runtime pins oauthlib 4.0.1,
	# which tweepy works with (the tests prove it), so it goes in without its dependency check.
	$(BIN)/pip install --quiet --no-deps tweepy==4.17.0
	# Again, in case a tool above moved a locked package: the tests run what Lambda runs.
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $(STAMP)

## make lock: after editing requirements.txt, pin the whole runtime set with hashes for every
## platform (Linux arm64 for Lambda included) in requirements.lock.
lock:
	test -x $(BIN)/uv || ($(PYTHON) -m venv $(VENV) && \
		$(BIN)/pip install --quiet "$$(grep '^uv==' requirements-dev.txt)")
	$(BIN)/uv pip compile requirements.txt --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements.lock

install: $(STAMP)

## make dev: Birdhouse on http://localhost:8000, with an embedded AWS (moto on
## http://127.0.0.1:8002) and X sandbox for whatever .env / the environment does not configure.
## Prints an admin token and a link. The embedded state (accounts, invites, the app secret and
## its admin token) is kept in .dev-state/ across restarts; make dev FRESH=1 starts clean.
## Other ports: make dev PORT=8100 X_PORT=8101 MOTO_PORT=8102. Extra launcher flags: DEV_FLAGS=...
dev: $(DEV_STAMP)
	$(BIN)/python -m app.sandbox.dev $(if $(PORT),--port $(PORT)) $(if $(X_PORT),--x-port $(X_PORT)) \
		$(if $(MOTO_PORT),--moto-port $(MOTO_PORT)) $(if $(FRESH),--fresh) $(DEV_FLAGS)

## make test: lint, type checks, then the whole test suite, on every core (pytest-xdist).
## Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: pytest then keeps its
## rewritten test modules and plugins, and the next run starts in half the time.
test: $(STAMP) lint typecheck
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check app client tests infra benchmarks
	$(BIN)/ruff format --check app client tests infra benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

## make run: Birdhouse alone under uvicorn with reload on http://127.0.0.1:8000 (PORT=...),
## settings from the environment and .env, nothing stood in.
run: $(DEV_STAMP)
	$(BIN)/python -m app.sandbox.serve_local --reload $(if $(PORT),--port $(PORT))

## make package-check: build the Lambda zip with osls (no AWS account needed; its plugin
## compiles the bytecode with Python 3.12), lint the CloudFormation, check IAM scoping, arm64
## wheels, 3.12 bytecode, package metadata and size, then import the app from the unpacked zip
## on Python 3.12 and answer /healthz. Needs Node.js and Python 3.12 (infra/find_python.sh).
package-check: $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	npx osls package
	$(BIN)/pip install --quiet -r infra/requirements-check.txt
	$(BIN)/cfn-lint --ignore-checks W3005 -- .serverless/cloudformation-template-update-stack.json infra/*.yml
	$(BIN)/python -m infra.check_package .serverless

clean:
	rm -rf $(VENV) .venv312 .pytest_cache .mypy_cache .ruff_cache .serverless node_modules
