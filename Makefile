# The two commands that matter: `make demo` and `make test`. Every target sets itself up first
# (tools/setup.sh is idempotent and quick when nothing changed).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/.venv/bin:$(PATH)
ANVIL := --network ethereum:local:foundry

.PHONY: setup browser demo test lint format-check forge-format-check slither test-forge test-ape \
	test-anvil fuzz check-bugs gas-report federated-sweep federated-privacy federated-distill \
	federated-demo bench-flower web format lock clean

setup:
	@tools/setup.sh

# Debian's Chromium for the page's browser tests (tests/web), installed once when missing.
browser:
	@tools/browser.sh

## The main demo: the reference scenario on text (155 simulated days of an honest contributor
## and a label-flipping attacker; the SMS texts, the averaged perceptron over 1,000 words) on the
## real contracts, deployed on an embedded anvil and run on the in-process revm backend, at gas
## price 0 as the reference assumed and at an L2's 0.005 gwei; reports in reports/simulation*/.
demo: setup
	ape run simulate --preset reference-text --backend revm --out reports/simulation
	ape run simulate --preset reference-l2 --backend revm --out reports/simulation-l2

## The whole test suite: every layer, in order; the first failure stops it.
test: lint format-check forge-format-check slither test-forge test-ape test-anvil

lint: setup
	ruff check .

format-check: setup
	ruff format --check .

forge-format-check: setup
	forge fmt --check

# Static analysis of the contracts; high or medium findings fail. (It runs `forge clean`.)
slither: setup
	slither . --filter-paths "node_modules|tests/|contracts/.cache|contracts/test/" --fail-medium

test-forge: setup
	forge test

# ape tests on the default provider (ape's in-process EVM, eth-tester). The forced compile
# guards against ape's incremental build missing a changed source (seen with derived contracts).
test-ape: setup browser
	ape compile --force
	ape test tests/

# The same ape tests on anvil (the encoders', artifacts' and federated rounds' tests touch no
# chain: they run once, above; the federated tests that do run on both).
test-anvil: setup browser
	ape test tests/ --ignore=tests/encoders --ignore=tests/artifacts --ignore=tests/test_doctests.py \
	  --ignore=tests/federated $(ANVIL)
	ape test tests/federated/test_aggregation_differential.py tests/federated/test_line.py $(ANVIL)

## The deep campaigns: every forge invariant 512 runs x depth 200 (102,400 calls each) and the
## fuzz tests 4,096 runs (FOUNDRY_PROFILE=deep), then the deep profiles of the stateful Hypothesis
## tests (trainer and market) and of the market's differential test.
fuzz: setup
	FOUNDRY_PROFILE=deep forge test
	HYPOTHESIS_PROFILE=deep ape test tests/trainer/test_stateful.py
	HYPOTHESIS_PROFILE=deep ape test tests/market/test_market_stateful.py \
	  tests/market/test_market_differential.py

## Each injected bug of tests/forge/bugs/ in turn, on a scratch copy: the suite must catch it.
check-bugs: setup
	tools/check-bugs.sh

## Exact gas of every model operation: reports/gas.json and docs/gas.md.
gas-report: setup
	ape run gas-report --out reports/gas.json

## The Byzantine sweep of the federated rounds off chain (5 rules x 6 attacks x 5 shares):
## reports/federated-sweep/ and the table of docs/federated.md.
federated-sweep: setup
	ape run federated_sweep --out reports/federated-sweep

## Differential privacy of the updates: accuracy against epsilon for each noise multiplier
## (10 honest participants, the mean and the median): reports/federated-privacy/.
federated-privacy: setup
	ape run federated_sweep --privacy --out reports/federated-privacy

## Distillation: the federated global model teaches the on-chain models (digits and the SMS
## texts, ~5 minutes: the texts are embedded): reports/federated-distill/.
federated-distill: setup
	ape run federated_distill --out reports/federated-distill

## The federated line end to end on an anvil of its own: six members (a sign-flipper, a
## straggler) train a digits MLP under the median for 4 rounds, then a lying aggregator is
## caught by a challenger; accuracy, payments, CIDs and gas in reports/federated-demo/.
federated-demo: setup
	ape run federated demo --out reports/federated-demo

## The federated line on Flower with 10 members on this machine, in the deployment runtime (a
## SuperLink and 10 SuperNodes) and the simulation runtime (Ray): rounds per minute, gas per
## round, the ServerApp's memory: reports/bench-flower*/.
bench-flower: setup
	python scripts/bench_flower.py --runtime deployment --clients 10 --rounds 3 --out reports/bench-flower
	python scripts/bench_flower.py --runtime simulation --clients 10 --rounds 3 --out reports/bench-flower-sim

## The web page for a deployment (ape run web --deployment FILE): http://127.0.0.1:8000
web: setup
	ape run web

format: setup
	ruff format . && ruff check --fix . && forge fmt

# Re-pin the full Python environment after changing pyproject.toml.
lock: setup
	{ head -2 requirements.lock; pip freeze --exclude-editable | grep -v '^-e' \
	  | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf .build out cache crytic-export contracts/.cache .pytest_cache .hypothesis
