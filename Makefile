# `make` (or `make help`) lists the targets. Every target creates .venv if it is missing: a
# fresh machine needs Python 3.12 (.python-version, the Lambda functions' own; uv finds it and
# never downloads one) and make; Node.js 22 or 24 for synth and deploys
# (`make doctor` checks). uv installs .venv from uv.lock; uv itself comes from PyPI into
# .tools/ the first time.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.8
UV     := .tools/bin/uv
PRE_COMMIT_VERSION := 4.7.0
OCP_PORT     ?= 8000
OCP_AWS_PORT ?= 5000
export OCP_PORT OCP_AWS_PORT
export UV_PYTHON_DOWNLOADS := never
# Python keeps the bytecode it compiles (__pycache__, which git ignores; the Lambda package
# compiles its own) even where PYTHONDONTWRITEBYTECODE is set, as on the shared machine:
# without it every process of `make test` compiled its ~1,800 modules again, 3 to 5 s of
# CPU each (docs/testing.md, "Where the time goes").
unexport PYTHONDONTWRITEBYTECODE
# Deployed stage (infra/): `make deploy STAGE=prod`.
STAGE   ?= dev
ASSEMBLY := infra/cdk.out
# The CDK CLI, for deploying only (synthesis is `python -m infra`): npx fetches
# this exact version from the npm registry the first time.
CDK_CLI := aws-cdk@2.1148.1
CDK     := npx --yes $(CDK_CLI)
# Against `make run`'s local AWS.
LOCAL_AWS := AWS_ENDPOINT_URL=http://127.0.0.1:$(OCP_AWS_PORT) AWS_ACCESS_KEY_ID=local \
	AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 OCP_STAGE=local
# Against a deployed stage, with your AWS credentials.
DEPLOYED := env -u AWS_ENDPOINT_URL OCP_STAGE=$(STAGE)

.DEFAULT_GOAL := help
.PHONY: help doctor lock lint format hooks run session watch show-call test test-fast bench \
	enterprise signing-secret dial clean synth bootstrap deploy destroy deployed-enterprise \
	deployed-operator deployed-watch openapi fuzz

help:                  ## this list
	@echo "OCP REST API v1.1 (README.md). Targets:"
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

doctor:                ## check the prerequisites (Python, Node.js, npx, AWS credentials)
	@python3 -m local.prerequisites

$(UV):
	@python3 -m local.prerequisites python
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock .python-version | $(UV)
	$(UV) sync --frozen --quiet
	touch $(STAMP)

# The Lambda platform's builds of the compiled runtime dependencies (infra/lambda_wheels.py,
# for infra/lambda_platform.py's architecture and Python): fetched with uv and the hashes in
# uv.lock, like the venv, so that synthesis (make synth, tests/infra) reads no network.
LAMBDA_WHEELS := $(VENV)/.lambda-wheels
$(LAMBDA_WHEELS): $(STAMP) infra/lambda_platform.py
	$(PY) -m infra.lambda_wheels --uv $(UV)
	touch $(LAMBDA_WHEELS)

lock: $(UV)            ## after editing pyproject.toml's pins: write uv.lock again
	$(UV) lock

run: $(STAMP)          ## local AWS (moto, OCP_AWS_PORT=5000) + the API on http://127.0.0.1:8000 (OCP_PORT)
	$(PY) -m local.run

session: $(STAMP)      ## print an Authorization header for `make run`: AUTH=$(make -s session)
	@$(PY) -m local.session --base http://127.0.0.1:$(OCP_PORT)

watch: $(STAMP)        ## live view of `make run`: calls, blasts, scheduled work
	@$(LOCAL_AWS) $(PY) -m chalicelib.admin watch

show-call: $(STAMP)    ## make show-call ID=12: a call's timeline, from `make run`
	@$(LOCAL_AWS) $(PY) -m chalicelib.admin show-call "$(ID)"

# loadfile: the tests of a file run in one process, so tests/stack starts one stack
# (xdist 3.8's loadgroup, with pytest 9, still spread an xdist_group over both).
test: lint $(LAMBDA_WHEELS)  ## the quality gates, then the whole suite (2 processes)
	$(PY) -m pytest -n 2 --dist loadfile -q

test-fast: $(STAMP)    ## unit and API tiers only (no workflows, stack or synthesis)
	$(PY) -m pytest -n 2 -q tests/unit tests/api

openapi: $(STAMP)      ## docs/: the OpenAPI description, the reference page, the Postman collection
	$(PY) -m chalicelib.reference --out docs

fuzz: $(STAMP)         ## schemathesis, deeper than make test's pass: OCP_FUZZ_EXAMPLES=100 by default
	OCP_FUZZ_EXAMPLES=$${OCP_FUZZ_EXAMPLES:-100} $(PY) -m pytest -p no:xdist -q tests/contract/test_fuzz.py

lint: $(STAMP)         ## ruff's linter and formatter check, mypy's type check, the import graph (no circles)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m tests.import_graph

format: $(STAMP)       ## ruff: format the code and apply the linter's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

hooks: $(STAMP)        ## optional: git pre-commit hooks (ruff and mypy, from .venv) via pre-commit run by uv
	.tools/bin/uvx pre-commit@$(PRE_COMMIT_VERSION) install

bench: $(STAMP) $(LAMBDA_WHEELS)  ## cold start of the staged package, AWS requests per route, their cost
	$(PY) -m bench

enterprise: $(STAMP)   ## make enterprise NAME=Acme, against the running `make run`
	$(LOCAL_AWS) $(PY) -m chalicelib.admin create-enterprise --name "$(NAME)"

signing-secret: $(STAMP)  ## make signing-secret EID=1 [FINISH=1]: rotate a status callback signing secret, against `make run`
	$(LOCAL_AWS) $(PY) -m chalicelib.admin rotate-signing-secret --eid "$(EID)" $(if $(FINISH),--finish)

dial: $(STAMP)         ## make dial TO=3035550102,3035550105 [FROM=7202108298] [TRYALL=1], against `make run`
	$(LOCAL_AWS) $(PY) -m chalicelib.admin dial --to "$(TO)" $(if $(FROM),--from "$(FROM)") $(if $(TRYALL),--tryall)

synth: $(STAMP) $(LAMBDA_WHEELS)  ## CloudFormation for STAGE into infra/cdk.out: offline, no AWS credentials
	@python3 -m local.prerequisites node
	$(PY) -m infra --stage $(STAGE) --outdir $(ASSEMBLY) $(INFRA_FLAGS)

bootstrap:             ## once per AWS account and region: the CDK's asset bucket and roles
	$(CDK) bootstrap

deploy: synth          ## make deploy STAGE=dev: deploy the stage with the account's credentials
	$(CDK) deploy --app $(ASSEMBLY) ocp-$(STAGE)
	@echo "Next: the web console's first operator: make deployed-operator STAGE=$(STAGE) USERNAME=you EMAIL=you@example.com (docs/console.md)"

destroy: synth         ## make destroy STAGE=dev: remove the stage (README "Deploy" says what stays)
	$(CDK) destroy --app $(ASSEMBLY) ocp-$(STAGE)

deployed-enterprise: $(STAMP)  ## make deployed-enterprise STAGE=dev NAME=Acme, in the deployed stage
	$(DEPLOYED) $(PY) -m chalicelib.admin create-enterprise --name "$(NAME)"

deployed-operator: $(STAMP)  ## make deployed-operator STAGE=dev USERNAME=alice EMAIL=alice@example.com: a console operator
	$(DEPLOYED) $(PY) -m chalicelib.admin create-operator --username "$(USERNAME)" --email "$(EMAIL)"

deployed-watch: $(STAMP)  ## make deployed-watch STAGE=dev: the live view of a deployed stage
	@$(DEPLOYED) $(PY) -m chalicelib.admin watch

clean:                 ## remove .venv, .tools, caches and build output
	rm -rf $(VENV) .tools .pytest_cache .hypothesis .mypy_cache .ruff_cache infra/build $(ASSEMBLY)
