#!/usr/bin/env bash
# Throughput of `syncbench bench run --jobs N` (issue #13: "a scaling table for N = 1, 2 here").
#
# Registers the shared four-models clips (40 clips, four generators, with their face boxes) as one
# folder suite in a fresh database per N, runs `bench run --jobs N --plain` cold, and prints the wall
# time, clips per minute, the speed-up over one job, the parallel efficiency (speed-up / N) and the
# peak RSS (GNU time). Stand-in weights; the profile is the suite's default (mochabench). Each job's
# layers use cores / N threads (`bench run`'s default split), or THREADS when set (e.g. THREADS=1
# measures one job on one core, the baseline of the scaling a many-core machine sees).
#
# Usage: [THREADS=T] tools/bench/jobs.sh [SYNCBENCH_BINARY] [N ...]
#        (default .build/release/syncbench, N = 1 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2)
source tools/bench/common.sh
bench_setup "$bin" four-models
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
printf '%-6s %8s %10s %12s %9s %11s %10s\n' jobs threads "wall (s)" "clips/min" speed-up efficiency "peak MiB"
base=""
for n in "${counts[@]}"; do
  db="$work/jobs$n.sqlite"
  for model in "$data"/four-models/*/; do
    name=$(basename "$model")
    "$bin" bench add folder "$model" --model "$name" --suite four-models --boxes "$data/boxes/four-models/$name" \
      --db "$db" > /dev/null 2>&1
  done
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" bench run --jobs "$n" ${THREADS:+--threads-per-job $THREADS} --plain --weights "$work/weights" --db "$db" > "$work/run$n.log" 2>&1 || {
    echo "bench run --jobs $n failed:" >&2; tail -5 "$work/run$n.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  seconds=$(echo "$t1 - $t0" | bc -l)
  rate=$(echo "40 * 60 / $seconds" | bc -l)
  [ -n "$base" ] || base=$rate
  # Peak RSS: GNU time's %M, the largest resident set among the supervisor and the worker process
  # it waits for (Linux counts waited-for descendants in a child's maximum).
  threads=${THREADS:-$(( $(nproc) / n > 0 ? $(nproc) / n : 1 ))}
  printf '%-6s %8s %10.1f %12.2f %8.2fx %10.0f%% %10d\n' "$n" "$threads" "$seconds" "$rate" "$(echo "$rate / $base" | bc -l)" \
    "$(echo "100 * $rate / $base / $n" | bc -l)" "$(( $(cat "$work/rss") / 1024 ))"
done
