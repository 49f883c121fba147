#!/usr/bin/env bash
# Everything a fresh Debian 12 machine (with Swift 6.3) needs: system packages and a release build
# of syncbench at .build/release/syncbench.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
swift build -c release --product syncbench
echo "built $(pwd)/.build/release/syncbench"
# The official network weights (weights/README.md), unless they are already there.
if [ ! -f weights/syncnet_v2.model ] || [ ! -f weights/sfd_face.pth ]; then
  if ! .build/release/syncbench weights fetch weights; then
    echo "WARNING: could not download the official weights (offline?). Writing deterministic STAND-IN" >&2
    echo "WARNING: weights to ./weights so the pipeline runs: their scores are MEANINGLESS. Replace them" >&2
    echo "WARNING: with the official files later: .build/release/syncbench weights fetch --force" >&2
    .build/release/syncbench weights standin weights
  fi
fi
