#!/usr/bin/env bash
# Time and memory of each protocol profile against `mochabench` (issue #12: "speed and memory of the
# new profiles: no worse per frame than mochabench").
#
# Cold `syncbench eval` of the shared example (5.4 s, 976x528) with its face boxes, one fresh
# database per run, stand-in weights; each profile runs REPEATS times (default 3) in turn and the
# median wall time and the largest peak RSS (GNU time) are printed with their ratio to mochabench's.
# All profiles score the same frames, so the ratios are per frame.
#
# Usage: tools/bench/profiles.sh [SYNCBENCH_BINARY] [REPEATS]   (default .build/release/syncbench, 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
repeats=${2:-3}
source tools/bench/common.sh
bench_setup "$bin" example.avi
profiles=(mochabench joonson wav2lip-real mova wav2lip-lrs latentsync)
declare -A times peaks
for round in $(seq "$repeats"); do
  for profile in "${profiles[@]}"; do
    db="$work/$profile-$round.sqlite"
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" eval "$data/example.avi" --audio "$data/example_speech.wav" \
      --boxes "$data/example_boxes.json" --profile "$profile" --weights "$work/weights" --db "$db" --json > "$work/out.json" 2> "$work/err" || {
      echo "eval --profile $profile failed:" >&2; tail -3 "$work/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    times[$profile]+="$(echo "$t1 - $t0" | bc -l) "
    peak=$(( $(cat "$work/rss") / 1024 ))
    [ "${peaks[$profile]:-0}" -ge "$peak" ] || peaks[$profile]=$peak
  done
done
echo "example.avi with boxes, cold eval, $repeats runs each, $(nproc) CPUs"
printf '%-13s %10s %8s %10s %10s %10s\n' profile "median s" spread "vs moch." "peak MiB" "vs moch."
base_time=$(median "${times[mochabench]}")
base_peak=${peaks[mochabench]}
for profile in "${profiles[@]}"; do
  m=$(median "${times[$profile]}")
  printf '%-13s %10.2f %7s%% %9.2fx %10d %9.2fx\n' "$profile" "$m" "$(spread "${times[$profile]}")" \
    "$(echo "$m / $base_time" | bc -l)" "${peaks[$profile]}" "$(echo "${peaks[$profile]} / $base_peak" | bc -l)"
done
