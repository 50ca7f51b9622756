# One command sets up and runs each job; every target installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: setup demo run test fuzz suite test-all-pythons unit lint bench eval model encoder encoder-vote openapi policies clean

$(STAMP): requirements-dev.txt shared/requirements.txt shared/requirements-encoder.txt requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt -c requirements.lock
	@# As in the classify function's EncoderLayer: the encoder's run time without its packages' own dependencies
	$(BIN)/pip install --quiet --no-deps -r shared/requirements-encoder.txt -c requirements.lock
	@# -qq: setuptools' notice on every editable install is no news to act on
	$(BIN)/pip install -qq --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# SAM CLI, checkov and the SAM translator live apart from the project's environment (their dependencies differ);
# the local stack expands each function's role with that translator.
$(TOOLS_STAMP): requirements-tools.txt requirements-tools.lock
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet -r requirements-tools.txt -c requirements-tools.lock
	touch $(TOOLS_STAMP)

## Start the embedded local stack, play the demo complaints through, print timelines.
## PROFILE=telecom (the default), property or hospital plays that desk's stories.
PROFILE ?=
demo: setup $(TOOLS_STAMP)
	$(BIN)/python -m infra.local demo --profile $(or $(PROFILE),telecom)

## Keep the local stack up for manual use (URLs, a token and the demo portal are printed); its data stays in
## .local (or ARGS="--data-dir DIR") across restarts.
run: setup $(TOOLS_STAMP)
	$(BIN)/python -m infra.local run $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

## Linters, then every test (unit, infra, integration on the local stack), on TEST_WORKERS processes, each
## test module's tests in one of them (an integration module shares one local stack).
TEST_WORKERS ?= 2
test: setup lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## The API fuzzed alone, deeper than in make test: FUZZ_EXAMPLES generated requests per operation and mode.
FUZZ_EXAMPLES ?= 100
fuzz: setup $(TOOLS_STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:randomly tests/integration/test_schemathesis.py

## Every test, without the linters.
suite: setup $(TOOLS_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## The linters once, then every test on each supported Python installed here, each in its own .venv-py3.x.
## PYTHONS may name interpreters by path too, e.g. PYTHONS="$$(pyenv root)/versions/3.13.0/bin/python".
PYTHONS ?= python3.11 python3.12 python3.13
test-all-pythons: lint
	@ran=""; for py in $(PYTHONS); do \
	  if $$py -c 'import sys' >/dev/null 2>&1; then \
	    version=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); echo "== $$py (Python $$version)"; \
	    $(MAKE) --no-print-directory PYTHON=$$py VENV=.venv-py$$version suite || exit 1; ran="$$ran $$version"; \
	  else echo "== $$py: not installed here, skipped"; fi; \
	done; test -n "$$ran" || { echo "none of $(PYTHONS) is installed"; exit 1; }; echo "passed on:$$ran"

## The fast layer, no local stack: the domain's rules on moto's DynamoDB with fakes for the other ports,
## and the template's checks. Under a minute.
unit: setup $(TOOLS_STAMP)
	$(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder tests/unit tests/infra

lint: setup $(TOOLS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared functions infra bench tests
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam validate --lint --region us-east-1
	$(TOOLS)/bin/checkov -f template.yaml --config-file .checkov.yaml
	LAYER_PYC=optional SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam build --region us-east-1 --build-dir .aws-sam/build

## Benchmarks on the local stack: each part prints its section, then one table of the headline figures.
bench: setup $(TOOLS_STAMP)
	$(BIN)/python -W ignore -m bench

## Classifier accuracy over the labelled complaints in tests/data, per profile (PROFILE=... for one): held-out
## sets and 5-fold cross-validation, per language, with per-category precision and recall and the confusion tables.
eval: setup
	$(BIN)/python -m bench.eval_classifier $(if $(PROFILE),--profile $(PROFILE))

## Train each profile's text model from its labelled complaints in tests/data and write
## shared/policies/<profile>.model.json (PROFILE=telecom trains one).
MODEL_PROFILES := $(or $(PROFILE),telecom property hospital)
model: setup
	@for profile in $(MODEL_PROFILES); do $(BIN)/python -m bench.train_classifier --profile $$profile || exit 1; done

## Fine-tune each profile's English encoder (PROFILE=telecom trains one) and write
## shared/policies/<profile>.encoder.{onnx,json}: PyTorch in .venv-encoder, tens of minutes a pass on one core.
ENCODER_VENV := .venv-encoder
ENCODER_PROFILES := $(or $(PROFILE),telecom property hospital)
$(ENCODER_VENV)/.installed: requirements-encoder-train.txt requirements-dev.txt requirements.lock
	$(PYTHON) -m venv $(ENCODER_VENV)
	$(ENCODER_VENV)/bin/pip install --quiet --upgrade pip
	$(ENCODER_VENV)/bin/pip install --quiet -r requirements-encoder-train.txt -c requirements.lock
	$(ENCODER_VENV)/bin/pip install -qq --no-deps -e .
	touch $@
encoder: $(ENCODER_VENV)/.installed
	@for profile in $(ENCODER_PROFILES); do $(ENCODER_VENV)/bin/python -m bench.train_encoder --profile $$profile || exit 1; done

## Choose each profile's text_model.encoder weight and consult_below (PROFILE=telecom chooses one's): an encoder and
## a linear model trained without the profile's last eight training sets, scored on those writers' English complaints.
encoder-vote: $(ENCODER_VENV)/.installed
	@for profile in $(ENCODER_PROFILES); do $(ENCODER_VENV)/bin/python -m bench.encoder_vote --profile $$profile || exit 1; done

## Compile the policy profiles (shared/policies/*.yaml, the source of truth) and their countries' working
## calendars (from the holidays package) into shared/policies/compiled and shared/policies/calendars, which the
## functions load at a cold start instead of parsing and validating YAML; commit what it writes. A stale
## compiled profile is never used: the tests and the layer's build refuse it, a function reads the YAML instead.
policies: setup
	$(BIN)/python -m infra.compile_policies

## Regenerate the OpenAPI document from the handlers (a test checks it is current).
openapi: setup
	$(BIN)/python -m infra.openapi

clean:
	rm -rf $(VENV) .venv-py3.* $(TOOLS) $(ENCODER_VENV) build/encoder .aws-sam .local .pytest_cache .mypy_cache .ruff_cache
