#!/bin/sh
# The one build command of the rpsio binary: deploy/Dockerfile, `make build`
# and deploy/local-cluster.sh all run this, so the image holds what was
# tested. A static binary (no cgo), paths trimmed, symbols stripped.
#   deploy/build.sh [OUTPUT]     default: ./rpsio
set -eu
cd "$(dirname "$0")/.."
CGO_ENABLED=0 exec "${GO:-go}" build -trimpath -ldflags="-s -w" -o "${1:-rpsio}" ./cmd/rpsio
