#!/usr/bin/env bash
# End-to-end benchmark of `syncbench eval` against the reference pipeline, in one run on this
# machine. Issue #13's rows: cold eval >= 3x faster than the reference with S3FD, >= 2x with the
# same boxes; S3FD (`syncbench detect` over the clip's frames, start and load included, and the
# detection stage inside eval) >= 3x the reference's `detect_faces` calls; SyncNet per window
# inside eval (its embeddings stage: crops decoded, both towers) >= 2.5x the reference's
# `forward_lip` + `forward_aud` calls; identical rerun < 0.5 s; peak RSS <= 300 MiB and flat for
# a 60 s clip.
#
# Both sides use the stand-in weights (identical tensors, `docs/standin-weights.md`) and 2 threads.
# Reference: tools/reference/.venv (tools/reference/setup.sh), `inference` timed without model
# loading. syncbench: wall time of the whole command, fresh database (cold), then the same command
# again (rerun). The timed rows run REPEATS times (default 5), alternating the two sides, and print
# the median and the spread ((max - min) / median) of each side and the ratio of the medians
# (single runs here swing by +-25 %), then each round's own ratio and how many fall below the
# target. Peak RSS from GNU time, once per clip.
# Usage: [REPEATS=N] tools/bench/eval.sh [SYNCBENCH_BINARY]   (default .build/release/syncbench)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
python=tools/reference/.venv/bin/python
[ -x "$python" ] || { echo "needs the reference environment: tools/reference/setup.sh" >&2; exit 2; }
source tools/bench/common.sh
bench_setup "$bin" example.avi
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

report() {  # report LABEL "REFERENCE VALUES..." "OURS VALUES..." TARGET [UNIT, default s]
  local ref ours unit=${5:-s}
  ref=$(median "$2")
  ours=$(median "$3")
  printf '%-28s reference %6.2f %-2s (spread %3s%%)   syncbench %6.2f %-2s (spread %3s%%)   speed-up %5.2fx (target >= %s)\n' \
    "$1" "$ref" "$unit" "$(spread "$2")" "$ours" "$unit" "$(spread "$3")" "$(echo "$ref / $ours" | bc -l)" "$4"
  # Each round's own ratio (its reference run and ours ran back to back), for targets that must
  # hold in every run, not only in the medians.
  paste <(tr ' ' '\n' <<<"$2" | grep .) <(tr ' ' '\n' <<<"$3" | grep .) |
    awk -v target="$4" '{ r = $1 / $2; line = line sprintf(" %.2fx", r); if (r < target) below++ }
      END { printf "%-28s per round:%s (%s)\n", "", line, below ? below " below the target" : "every round at the target" }'
}

repeats=${REPEATS:-5}
echo "== example.avi + example_speech.wav (5.4 s, 976x528), stand-in weights, 2 threads, $repeats runs per row"
# The reference prints ffmpeg's and its own chatter: keep only its JSON line.
reference() { "$python" tools/bench/reference_eval.py "$work/weights" "$@" 2>> "$work/reference.log" | tail -1; }
jq_ref() { echo "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])"; }
ref_boxes="" ref_s3fd="" ours_boxes="" ours_s3fd="" reruns=""
ref_detect="" ref_window="" ours_detect="" ours_detect_stage="" ours_window=""
jq_out() { echo "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
for round in $(seq "$repeats"); do
  out=$(reference "$data/example.avi" "$data/example_speech.wav" --boxes "$data/example_boxes.json")
  ref_boxes+="$(jq_ref "$out") "
  ref_boxes_line=$out
  read -r seconds peak_boxes < <(run_ours "$work/boxes$round.sqlite" "$data/example.avi" --audio "$data/example_speech.wav" --boxes "$data/example_boxes.json")
  ours_boxes+="$seconds "
  boxes_line="status $(field "d['status']"), LSE-C $(field "d['best_confidence']"), LSE-D $(field "d['min_dist']")"
  read -r seconds _ < <(run_ours "$work/boxes$round.sqlite" "$data/example.avi" --audio "$data/example_speech.wav" --boxes "$data/example_boxes.json")
  reruns+="$seconds "
  rerun_computed=$(field "[k for k,v in d['stages'].items() if v['status']=='computed']")
  out=$(reference "$data/example.avi" "$data/example_speech.wav")
  ref_s3fd+="$(jq_ref "$out") "
  ref_s3fd_line=$(jq_out "$out" "{k: d[k] for k in ('seconds', 'offsets', 'confs', 'dists')}")
  ref_detect+="$(jq_out "$out" "d['detect_seconds']") "
  ref_window+="$(jq_out "$out" "1000 * d['syncnet_seconds'] / max(1, d['windows'])") "
  ref_windows=$(jq_out "$out" "d['windows']")
  read -r seconds peak_s3fd < <(run_ours "$work/s3fd$round.sqlite" "$data/example.avi" --audio "$data/example_speech.wav")
  ours_s3fd+="$seconds "
  ours_detect_stage+="$(field "d['stages']['detections']['seconds']") "
  ours_window+="$(field "1000 * d['stages']['embeddings']['seconds'] / max(1, sum(t['windows'] for t in d['tracks']))") "
  ours_windows=$(field "sum(t['windows'] for t in d['tracks'])")
  t0=$(now)
  "$bin" detect "$data/example.avi" --weights "$work/weights" --json > /dev/null
  ours_detect+="$(echo "$(now) - $t0" | bc -l) "
done
echo "  syncbench --boxes: $boxes_line"
echo "  rerun computed: $rerun_computed"
echo "  syncbench with S3FD: status $(field "d['status']")"
echo "  reference (boxes): $ref_boxes_line"
echo "  reference (S3FD):  $ref_s3fd_line"
echo "  SyncNet windows: reference $ref_windows, syncbench $ours_windows"
/usr/bin/time -f "%M" -o "$work/refrss" "$python" tools/bench/reference_eval.py "$work/weights" "$data/example.avi" "$data/example_speech.wav" > /dev/null 2>> "$work/reference.log"

echo "== 60 s loop of the example (S3FD on every frame)"
read -r ours_60 peak_60 < <(run_ours "$work/loop.sqlite" "$work/clip60.avi" --audio "$work/speech60.wav")
echo "  syncbench: $(printf '%.2f' "$ours_60") s, status $(field "d['status']")"

echo
echo "== results (same machine, same run)"
report "cold eval, S3FD included" "$ref_s3fd" "$ours_s3fd" 3
report "cold eval, same boxes" "$ref_boxes" "$ours_boxes" 2
report "S3FD, syncbench detect" "$ref_detect" "$ours_detect" 3
report "S3FD, inside eval" "$ref_detect" "$ours_detect_stage" 3
report "SyncNet per window" "$ref_window" "$ours_window" 2.5 ms
printf '%-28s median %.3f s (spread %s%%; target < 0.5 s)\n' "identical rerun" "$(median "$reruns")" "$(spread "$reruns")"
printf '%-28s syncbench %d MiB with S3FD, %d MiB with boxes (target <= 300); reference %d MiB\n' "peak RSS, 5.4 s clip" "$peak_s3fd" "$peak_boxes" "$(( $(cat "$work/refrss") / 1024 ))"
printf '%-28s %d MiB (5.4 s clip: %d MiB; flat means about equal)\n' "peak RSS, 60 s clip" "$peak_60" "$peak_s3fd"
