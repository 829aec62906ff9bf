# The PMO backend: `make up` runs everything locally, `make test` runs the whole suite against its
# own PostgreSQL and Kafka. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STACK := deploy/local/stack.sh
PROFILE ?= dev
PYTEST_ARGS ?=
# A safety net so a hung test cannot eat CI's time budget (seconds per test).
PYTEST_TIMEOUT ?= 900
SRC_DIRS := shared/src $(wildcard services/*/src)
empty :=
space := $(empty) $(empty)
MYPYPATH := $(subst $(space),:,$(SRC_DIRS))

TOKEN_TENANT ?= demo
TOKEN_ROLES ?= pmo
TOKEN_SUB ?= dev-user

.PHONY: help install up down status logs clean token demo lint format typecheck test soak constraints event-docs bench images kube-tools kube-tools-background

help: ## Show this help
	@echo "PMO backend - make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'
	@echo "Profile: PROFILE=dev (default) or PROFILE=test for up/down/status/logs/clean."

install: ## Create .venv and install every package (pinned by constraints.txt)
	@$(STACK) install

up: ## Start PostgreSQL, Kafka and the four services; wait until all are ready
	@$(STACK) up $(PROFILE)

down: ## Stop the services, Kafka and PostgreSQL (data is kept)
	@$(STACK) down $(PROFILE)

# stack.sh status exits 3 when something is stopped and its last line says what to run: make
# adds no "Error 3" of its own.
status: ## Show what is running, or what to run when something is stopped
	@$(STACK) status $(PROFILE) || [ $$? -eq 3 ]

logs: ## Follow the service, Kafka and PostgreSQL logs
	@$(STACK) logs $(PROFILE)

clean: ## Stop everything and delete the local data of the profile
	@$(STACK) clean $(PROFILE)

token: ## Print a development JWT (tenant demo, role pmo) for the running dev stack
	@test -s .data/dev/jwt_secret || { echo "no .data/dev/jwt_secret: run 'make up' first" >&2; exit 1; }
	@$(VENV)/bin/pmo-dev-token --secret-file .data/dev/jwt_secret \
		--tenant $(TOKEN_TENANT) --roles $(TOKEN_ROLES) --sub $(TOKEN_SUB)

demo: ## Drive a project (with its office), a program, the PMO's standards and a portfolio by curl; import history (pmoctl); show the reports
	@deploy/local/demo.sh $(PROFILE)

lint: install ## ruff check + ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: install ## mypy --strict over shared/src and services/*/src
	MYPYPATH=$(MYPYPATH) $(VENV)/bin/mypy --strict $(SRC_DIRS)

kube-tools: ## Install the pinned manifest tools: kustomize, kubeconform, kube-apiserver, etcd (deploy/k8s/tools.sh)
	@deploy/k8s/tools.sh install all

# Starts the cold tool builds (kube-apiserver: ~9 min of both cores on a quiet machine) detached,
# before install, lint and typecheck, so they overlap them and the first test modules. The
# validation tests wait for them through tools.sh's per-tool locks; warm, this is a no-op.
kube-tools-background:
	@mkdir -p .data && setsid nohup deploy/k8s/tools.sh install all \
		>.data/kube-tools.log 2>&1 </dev/null &

test: kube-tools-background install lint typecheck ## Lint, typecheck, then run all tests against a throwaway test stack
	@set -uo pipefail; \
	trap '$(STACK) clean test' EXIT; \
	$(STACK) up test || exit $$?; \
	set -a; source .data/test/env; set +a; \
	$(PY) -m pytest --timeout=$(PYTEST_TIMEOUT) $(PYTEST_ARGS); \
	rc=$$?; \
	echo "pytest exit code: $$rc"; \
	exit $$rc

soak: install ## The long fault variants (tests/resilience, marker soak) on a stack of their own
	$(PY) -m pytest --timeout=$(PYTEST_TIMEOUT) -m soak $(PYTEST_ARGS) tests/resilience

event-docs: install ## Regenerate the committed JSON Schemas and AsyncAPI documents of the events
	for svc in project_svc program_svc portfolio_svc; do $(VENV)/bin/pmo-event-docs write $$svc.event_catalog:CATALOG || exit 1; done

constraints: install ## Re-pin constraints.txt from the current .venv
	@{ sed -n '/^#/p' constraints.txt; \
	  $(VENV)/bin/pip freeze --exclude-editable | grep -viE '^pmo[-_]'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@echo "constraints.txt updated"

images: ## Build the four service images (podman, debootstrap base; no Docker) and save OCI archives to .data/images
	@deploy/images/build.sh save

bench: install ## Benchmarks vs baselines on a stack of their own (BENCH_ARGS; bench/README.md)
	@bench/setup.sh
	$(PY) -m bench.run $(BENCH_ARGS)
