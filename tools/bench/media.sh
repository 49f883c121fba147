#!/usr/bin/env bash
# Media front-end benchmark (issue: decoding + resampling + MFCC of a 60 s clip must be at least
# 10x faster than the reference's three ffmpeg steps, with peak memory under 300 MiB).
#
# Makes a 60 s clip by looping ../shared/data/example.avi, then times in the same run:
#   reference: docs/reference/pipeline.md §3 (convert to a 25 fps AVI), §4 (extract JPEGs), §5 (resample speech)
#              with the exact ffmpeg command lines the reference runs;
#   syncbench: `syncbench media bench` (25 fps BGR frames + 16 kHz audio + MFCC, in process).
# Usage: tools/bench/media.sh [SYNCBENCH_BINARY]   (default .build/release/syncbench)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
example=../shared/data/example.avi
[ -f "$example" ] || { echo "needs $example (the shared test data)" >&2; exit 2; }
[ -x "$bin" ] || swift build -c release --product syncbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ffmpeg -v error -stream_loop 11 -i "$example" -t 60 -c copy "$work/clip60.avi"
ffmpeg -v error -stream_loop 11 -i ../shared/data/example_speech.wav -t 60 -c copy "$work/speech60.wav"
now() { date +%s.%N; }
mkdir -p "$work/frames"
t0=$(now)
ffmpeg -v error -nostdin -i "$work/clip60.avi" -async 1 -q:v 2 -r 25 "$work/video.avi" -y
ffmpeg -v error -nostdin -i "$work/video.avi" -f image2 -q:v 2 -threads 1 "$work/frames/%06d.jpg" -y
ffmpeg -v error -nostdin -i "$work/speech60.wav" -f wav -ac 1 -ar 16000 "$work/speech.wav" -y
t1=$(now)
reference=$(echo "$t1 - $t0" | bc -l)
ours_json=$("$bin" media bench "$work/clip60.avi" --audio "$work/speech60.wav" --json)
ours=$(echo "$ours_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_seconds"])')
peak=$(echo "$ours_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peak_resident_mib"])')
frames=$(ls "$work/frames" | wc -l)
echo "clip: 60 s, $frames reference frames"
echo "syncbench: $ours_json"
printf 'reference ffmpeg steps: %.2f s\nsyncbench media bench: %.2f s\nspeed-up: %.1fx (target >= 10x)\npeak memory: %s MiB (target < 300 MiB)\n' \
  "$reference" "$ours" "$(echo "$reference / $ours" | bc -l)" "$peak"
