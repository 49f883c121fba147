#!/usr/bin/env bash
# Installs the Debian 12 packages SyncBench builds and tests against (idempotent: apt runs only
# when something is missing, and `apt-get update` at most once). Needs root or sudo.
set -euo pipefail
packages=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev  # Media
  libjpeg62-turbo-dev                                                           # Media (faithful chain: imread's JPEG decoder)
  libopenblas-dev                                                               # Tensor
  libsqlite3-dev                                                                # Store (GRDB)
  libcairo2-dev                                                                 # Reports
  ffmpeg                                                                        # tests compare with the ffmpeg CLI
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "Swift 6.3 is required (https://www.swift.org/install/linux/debian/12/)" >&2; exit 1; }
