# make test runs everything CI runs. Node packages must be installed first
# (`make deps`, which .ci/run calls).
GO ?= go
FUZZTIME ?= 10s

.PHONY: test deps check gotest fuzz nodetest build bench

test: check gotest fuzz nodetest

deps:
	./.ci/npm-install

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

gotest:
	$(GO) test -race -count=1 ./...

fuzz:
	./.ci/fuzz $(FUZZTIME)

nodetest:
	./.ci/node-tests

build:
	$(GO) build -o rpsio ./cmd/rpsio

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./socketio/...
