# make test runs everything CI runs. It installs the Node test suites' npm
# packages when they are missing or stale (`make deps`); the browser test
# also needs Debian's chromium, which .ci/run installs.
GO ?= go
FUZZTIME ?= 10s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

SHELL := /bin/bash

.PHONY: test deps check gotest fuzz nodetest build bench

test: check gotest fuzz nodetest
	@./.ci/summary

deps:
	./.ci/npm-install

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	$(GO) run $(STATICCHECK) ./...

gotest:
	@mkdir -p .cache
	set -o pipefail; $(GO) test -race -count=1 -v ./... 2>&1 | tee .cache/gotest.log | { grep -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)' || true; }

fuzz:
	./.ci/fuzz $(FUZZTIME)

nodetest: deps
	./.ci/node-tests

build:
	$(GO) build -o rpsio ./cmd/rpsio

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./socketio/...
