# make test runs everything CI runs. It installs the Node test suites' npm
# packages when they are missing or stale (`make deps`); the browser test
# also needs Debian's chromium, which .ci/run installs.
GO ?= go
FUZZTIME ?= 10s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

SHELL := /bin/bash

.PHONY: test deps check gotest k8s fuzz nodetest build bench

test: check gotest fuzz nodetest
	@./.ci/summary

deps:
	./.ci/npm-install

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	$(GO) run $(STATICCHECK) ./...
	cd deploy/k8s/validate && $(GO) vet ./... && $(GO) mod tidy -diff

gotest:
	@mkdir -p .cache
	set -o pipefail; { $(GO) test -race -count=1 -v ./... && $(MAKE) -s k8s; } 2>&1 | tee .cache/gotest.log | { grep -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)' || true; }

# deploy/k8s decoded strictly into the Kubernetes API types. A module of its
# own (deploy/k8s/validate/go.mod), so k8s.io/api stays out of rpsio's go.mod.
k8s:
	cd deploy/k8s/validate && $(GO) test -count=1 -v ./...

fuzz:
	./.ci/fuzz $(FUZZTIME)

nodetest: deps
	./.ci/node-tests

# The same command as deploy/Dockerfile's (deploy/build.sh).
build:
	GO=$(GO) ./deploy/build.sh rpsio

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./socketio/...
