# Leasehold: two commands do everything on a fresh machine.
#   make demo   deploy to an embedded Anvil devnet and show the mirror answering
#   make test   the whole suite: lint, types, ape tests (eth-tester and Anvil), forge, slither
# Both bootstrap what they need (venv with pinned packages, npm packages, the offline solc) first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
SOLC_VERSION := 0.8.28

export SOLCX_BINARY_PATH := $(VENV)/solcx
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

VENV_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
SOLC := $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)

.PHONY: help setup browser compile demo test lint typecheck test-python test-anvil test-forge coverage slither abi gas lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# --- bootstrap -------------------------------------------------------------------------------

$(VENV_STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11+"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11+ is needed, $(PYTHON) is $$($(PYTHON) -V)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "error: cannot create .venv: apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Also writes .venv's SOLCX_BINARY_PATH default (offchain/_toolchain/__init__.py), so that
# .venv/bin/ape finds this solc in a shell that did not export the variable.
$(SOLC): $(VENV_STAMP) $(NPM_STAMP) offchain/_toolchain/solc_native.js offchain/_toolchain/__init__.py
	$(BIN)/python -m offchain._toolchain

setup: $(VENV_STAMP) $(NPM_STAMP) $(SOLC) ## create .venv, install pinned Python and npm packages and the offline solc

# The console's tests drive a real browser: Debian's chromium and chromium-driver. As root (CI, the
# test machines) they are installed when missing; otherwise the line says what to run.
browser: ## install Debian's chromium and chromium-driver when missing (the console's browser tests)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium and chromium-driver (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "error: the console's tests need Chromium: sudo apt-get install chromium chromium-driver"; exit 1; fi

# --- the main job ----------------------------------------------------------------------------

compile: setup ## compile contracts/ with ape (into .build/), offline
	$(BIN)/ape compile

demo: compile ## deploy to an embedded Anvil, run the scenario, show the mirror answering
	$(BIN)/python -m offchain.demo

# --- the whole suite -------------------------------------------------------------------------

test: setup browser lint typecheck test-python test-anvil test-forge coverage ## run the whole test suite
	@echo "all checks passed"

lint: setup ## ruff lint and format check, forge fmt check of the Solidity
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	forge fmt --check

typecheck: setup ## mypy (strict) on offchain/
	$(BIN)/mypy

# Two ape test processes side by side, one per core (tests/shards.py says how the tests are split).
# compile first: two processes that both found .build/ stale would compile into it at once.
test-python: compile ## ape tests on the in-process eth-tester chain (two shards in parallel)
	$(BIN)/python tests/shards.py

# Two sessions, each with its own Anvil: tests that call anvil_reorg run in a fresh one. After the
# blocks the other tests mine and revert, Anvil sometimes builds a reorganized fork on an empty
# state (no contract code at the new head); tests/conftest.py has the details.
test-anvil: setup ## ape tests that need Anvil (reorgs, gas, mirror end to end)
	$(BIN)/ape test tests -m "anvil and not fresh_anvil" --network ethereum:local:foundry
	$(BIN)/ape test tests -m "anvil and fresh_anvil" --network ethereum:local:foundry

test-forge: setup ## forge unit, fuzz and invariant tests
	forge test

# Coverage builds without the optimizer, so the contract-size tests (EIP-170, optimized sizes) are
# left to test-forge.
coverage: setup ## forge coverage summary of contracts/
	forge coverage --report summary --no-match-coverage '(tests/|contracts/test/)' \
		--no-match-test 'fits_the_contract_size_limit'

# slither exits 255 whenever it reports anything, so its status is ignored; the gate is the allow-list
# check (tests/tooling/test_static_analysis.py, keyed by finding), which fails on an unexplained High or
# Medium finding, a stale explanation, or an analysis that did not succeed.
slither: setup ## static analysis; fails on a High/Medium finding not explained in tests/tooling
	@mkdir -p .forge
	rm -f .forge/slither.json
	slither contracts --solc-standard-json --solc $(SOLC) --filter-paths 'node_modules|contracts/test' \
	  --solc-remaps '@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/' --exclude-dependencies \
	  --json .forge/slither.json || true
	$(BIN)/python tests/tooling/test_static_analysis.py .forge/slither.json

abi: compile ## compile and export the deployed contracts' ABIs into offchain/chain/abi/
	$(BIN)/python -m offchain._toolchain.export_abi

gas: setup ## regenerate the gas table in bench/GAS.md (Anvil)
	$(BIN)/python bench/gas.py

lock: ## refresh requirements.lock from the current venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^leasehold' > requirements.lock.new
	{ echo "# Exact versions of every Python package (pip freeze); make setup installs with these constraints."; cat requirements.lock.new; } > requirements.lock
	rm requirements.lock.new

clean: ## remove build outputs (keeps .venv and node_modules)
	rm -rf .build .forge contracts/.cache
