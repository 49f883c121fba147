#!/usr/bin/env bash
# End-to-end benchmark of `syncbench eval` against the reference pipeline, in one run on this
# machine (issue: cold eval >= 1.5x faster than the reference with S3FD, >= 1.3x with the same
# boxes; identical rerun < 0.5 s; peak RSS < 500 MiB and flat for a 60 s clip).
#
# Both sides use the stand-in weights (identical tensors, `docs/standin-weights.md`) and 2 threads.
# Reference: tools/reference/.venv (tools/reference/setup.sh), `inference` timed without model
# loading. syncbench: wall time of the whole command, fresh database (cold), then the same command
# again (rerun). Peak RSS from GNU time.
# Usage: tools/bench/eval.sh [SYNCBENCH_BINARY]   (default .build/release/syncbench)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
data=../shared/data
python=tools/reference/.venv/bin/python
[ -f "$data/example.avi" ] || { echo "needs $data/example.avi (the shared test data)" >&2; exit 2; }
[ -x "$python" ] || { echo "needs the reference environment: tools/reference/setup.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
[ -x "$bin" ] || swift build -c release --product syncbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" weights standin "$work/weights" > /dev/null
ffmpeg -v error -stream_loop 11 -i "$data/example.avi" -t 60 -c copy "$work/clip60.avi"
ffmpeg -v error -stream_loop 11 -i "$data/example_speech.wav" -t 60 -c copy "$work/speech60.wav"

now() { date +%s.%N; }
# run_ours NAME DB ARGS... : prints "seconds peak_mib"
run_ours() {
  local db=$1; shift
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" eval "$@" --weights "$work/weights" --db "$db" --json > "$work/out.json" || true
  t1=$(now)
  echo "$(echo "$t1 - $t0" | bc -l) $(( $(cat "$work/rss") / 1024 ))"
}
field() { python3 -c "import json,sys; d=json.load(open('$work/out.json')); print($1)"; }

report() {  # report LABEL REF_SECONDS OURS_SECONDS TARGET
  printf '%-34s reference %7.2f s   syncbench %7.2f s   speed-up %5.2fx (target >= %s)\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)" "$4"
}

echo "== example.avi + example_speech.wav (5.4 s, 976x528), stand-in weights, 2 threads"
# The reference prints ffmpeg's and its own chatter: keep only its JSON line.
reference() { "$python" tools/bench/reference_eval.py "$work/weights" "$@" 2>> "$work/reference.log" | tail -1; }
ref_boxes=$(reference "$data/example.avi" "$data/example_speech.wav" --boxes "$data/example_boxes.json")
ref_s3fd=$(reference "$data/example.avi" "$data/example_speech.wav")
/usr/bin/time -f "%M" -o "$work/refrss" "$python" tools/bench/reference_eval.py "$work/weights" "$data/example.avi" "$data/example_speech.wav" > /dev/null 2>> "$work/reference.log"
jq_ref() { echo "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])"; }

read -r ours_boxes peak_boxes < <(run_ours "$work/boxes.sqlite" "$data/example.avi" --audio "$data/example_speech.wav" --boxes "$data/example_boxes.json")
echo "  syncbench --boxes: status $(field "d['status']"), LSE-C $(field "d['best_confidence']"), LSE-D $(field "d['min_dist']")"
read -r rerun _ < <(run_ours "$work/boxes.sqlite" "$data/example.avi" --audio "$data/example_speech.wav" --boxes "$data/example_boxes.json")
echo "  rerun computed: $(field "[k for k,v in d['stages'].items() if v['status']=='computed']")"
read -r ours_s3fd peak_s3fd < <(run_ours "$work/s3fd.sqlite" "$data/example.avi" --audio "$data/example_speech.wav")
echo "  syncbench with S3FD: status $(field "d['status']")"
echo "  reference (boxes): $ref_boxes"
echo "  reference (S3FD):  $ref_s3fd"

echo "== 60 s loop of the example (S3FD on every frame)"
read -r ours_60 peak_60 < <(run_ours "$work/loop.sqlite" "$work/clip60.avi" --audio "$work/speech60.wav")
echo "  syncbench: $(printf '%.2f' "$ours_60") s, status $(field "d['status']")"

echo
echo "== results (same machine, same run)"
report "cold eval, S3FD included" "$(jq_ref "$ref_s3fd")" "$ours_s3fd" 1.5
report "cold eval, same boxes" "$(jq_ref "$ref_boxes")" "$ours_boxes" 1.3
printf '%-34s %.3f s (target < 0.5 s)\n' "identical rerun" "$rerun"
printf '%-34s syncbench %d MiB with S3FD, %d MiB with boxes (target < 500); reference %d MiB\n' "peak RSS, 5.4 s clip" "$peak_s3fd" "$peak_boxes" "$(( $(cat "$work/refrss") / 1024 ))"
printf '%-34s %d MiB (5.4 s clip: %d MiB; flat means about equal)\n' "peak RSS, 60 s clip" "$peak_60" "$peak_s3fd"
