#!/usr/bin/env bash
# Everything a fresh Debian 12 machine (with Swift 6.3) needs: system packages and a release build
# of syncbench at .build/release/syncbench.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
swift build -c release --product syncbench
echo "built $(pwd)/.build/release/syncbench"
