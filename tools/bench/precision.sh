#!/usr/bin/env bash
# Agreement and speed of `--precision bf16` against fp32 (issue #13, "An opt-in faster precision").
#
# 1. Scores: every shared clip (the example with its speech and boxes; four-models/ with its boxes
#    and each video's own audio; mochabench-mini/ with its speech files and boxes), cold `eval` in
#    fp32 then in bf16 on one database, so the bf16 run recomputes only the network stages. Per
#    clip: the same tracks (ids and frame ranges), the same offsets, |ΔLSE-C| and |ΔLSE-D| per track
#    and by the profile's rule; and the embeddings stage's time in each precision.
# 2. Detections: S3FD over the first FRAMES frames of every shared clip, in fp32 and bf16, default
#    threshold: boxes matched by IoU, their shift in pixels (largest corner movement), and the
#    boxes found in one precision only, per generator and over all clips.
#
# Stand-in weights (the only ones here): their detections are not faces, but they exercise S3FD as
# the official weights would.
# Usage: tools/bench/precision.sh [SYNCBENCH_BINARY] [FRAMES] [all|scores|detections]   (default
# .build/release/syncbench, 40, all)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/release/syncbench}
frames=${2:-40}
part=${3:-all}
source tools/bench/common.sh
bench_setup "$bin" boxes
"$bin" bench-kernels --no-reference --repeat 1 --sizes 64x48 --batch 1 --precision bf16 > /dev/null 2>&1 || {
  echo "this CPU cannot run --precision bf16 (no AVX512_BF16)" >&2; exit 2; }

# clips: VIDEO|AUDIO (or -)|BOXES
clips=("$data/example.avi|$data/example_speech.wav|$data/example_boxes.json")
for model in MoCha SadTalker hallo3 aniportrait-square; do
  for i in $(seq -w 1 10); do clips+=("$data/four-models/$model/$i.mp4|-|$data/boxes/four-models/$model/$i.json"); done
done
for video in "$data"/mochabench-mini/mocha-generation/*/*.mp4; do
  category=$(basename "$(dirname "$video")"); name=$(basename "$video" .mp4)
  clips+=("$video|$data/mochabench-mini/benchmark/speeches/$category/${name}_speech.wav|$data/boxes/mochabench-mini/$category/$name.json")
done

db="$work/precision.sqlite"
: > "$work/scores.list"
: > "$work/detect.list"
[ "$part" = detections ] || for clip in "${clips[@]}"; do
  IFS='|' read -r video audio boxes <<<"$clip"
  key=$(echo "$video" | md5sum | cut -c1-12)
  for precision in fp32 bf16; do
    args=(eval "$video" --boxes "$boxes" --weights "$work/weights" --db "$db" --json --precision "$precision")
    [ "$audio" = - ] || args+=(--audio "$audio")
    "$bin" "${args[@]}" > "$work/$key.$precision.json" 2> /dev/null || true
  done
  echo "$video $work/$key.fp32.json $work/$key.bf16.json" >> "$work/scores.list"
done

[ "$part" = scores ] || for clip in "${clips[@]}"; do
  video=${clip%%|*}
  key=$(echo "$video" | md5sum | cut -c1-12)
  for precision in fp32 bf16; do
    "$bin" detect "$video" --weights "$work/weights" --max-frames "$frames" --precision "$precision" --json > "$work/$key.detect.$precision.json"
  done
  echo "$video $work/$key.detect.fp32.json $work/$key.detect.bf16.json" >> "$work/detect.list"
done

python3 - "$work/scores.list" "$work/detect.list" <<'EOF'
import json, statistics, sys

def load(path):
    try:
        return json.load(open(path))
    except Exception:
        return None

def summary(values, scale=1, unit=""):
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values) * scale:.4f}{unit}, p95 {p95 * scale:.4f}{unit}, max {values[-1] * scale:.4f}{unit}"

def scores(lines):
    print("1. Scores with the shared boxes, fp32 vs bf16")
    clips = tracks = same_tracks = same_offsets = 0
    dc, dd, clip_dc, clip_dd, t32, t16, worst = [], [], [], [], [], [], []
    for line in lines:
        video, a, b = line.split()
        f, g = load(a), load(b)
        if not f or not g or f.get("status") != "ok":
            continue
        clips += 1
        ids = lambda e: [(t["track"], t["start_frame"], t["end_frame"]) for t in e["tracks"]]
        same_tracks += ids(f) == ids(g)
        t32.append(f["stages"]["embeddings"]["seconds"]); t16.append(g["stages"]["embeddings"]["seconds"])
        for x, y in zip(f["tracks"], g["tracks"]):
            if x.get("confidence") is None or y.get("confidence") is None:
                continue
            tracks += 1
            same_offsets += x["offset"] == y["offset"]
            dc.append(abs(x["confidence"] - y["confidence"])); dd.append(abs(x["min_dist"] - y["min_dist"]) / x["min_dist"])
            worst.append((dc[-1], video.split("/data/")[-1], x["track"], x["offset"], y["offset"]))
        if f.get("lse_c") is not None and g.get("lse_c") is not None:
            clip_dc.append(abs(f["lse_c"] - g["lse_c"]))
        if f.get("lse_d") is not None and g.get("lse_d") is not None:
            clip_dd.append(abs(f["lse_d"] - g["lse_d"]) / f["lse_d"])
    print(f"clips scored: {clips}; same tracks (ids and frames) in {same_tracks}; tracks scored: {tracks}; same offset in {same_offsets}")
    print(f"per track |ΔLSE-C|: {summary(dc)}")
    print(f"per track |ΔLSE-D| / LSE-D: {summary(dd, 100, ' %')}")
    print(f"per clip (profile's rule) |ΔLSE-C|: {summary(clip_dc)}; |ΔLSE-D| / LSE-D: {summary(clip_dd, 100, ' %')}")
    for d, video, track, o32, o16 in sorted(worst, reverse=True)[:3]:
        print(f"  largest |ΔLSE-C| {d:.4f}: {video} track {track}, offset {o32} / {o16}")
    if t32:
        print(f"embeddings stage: fp32 {sum(t32):.1f} s, bf16 {sum(t16):.1f} s over the {clips} clips = {sum(t32) / sum(t16):.2f}x")

def iou(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0])); h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0

def detections(lines):
    print("2. S3FD detections (first frames, default threshold), fp32 vs bf16, by clip group")
    fresh = lambda: {"clips": 0, "fp32": 0, "bf16": 0, "shifts": [], "conf": [], "only32": 0, "only16": 0}
    groups, total = {}, fresh()
    for line in lines:
        video, a, b = line.split()
        name = video.split("/data/")[-1]
        group = "/".join(name.split("/")[:2]) if name.startswith("four-models/") else name.split("/")[0]
        f, g = load(a) or [], load(b) or []
        for entry in (groups.setdefault(group, fresh()), total):
            entry["clips"] += 1; entry["fp32"] += len(f); entry["bf16"] += len(g)
        for frame in sorted({d["frame"] for d in f} | {d["frame"] for d in g}):
            x = [d for d in f if d["frame"] == frame]; y = [d for d in g if d["frame"] == frame]
            used = set()
            for d in x:
                best = max(((iou(d["bbox"], e["bbox"]), j) for j, e in enumerate(y) if j not in used), default=(0, None))
                for entry in (groups[group], total):
                    if best[0] >= 0.5:
                        entry["shifts"].append(max(abs(p - q) for p, q in zip(d["bbox"], y[best[1]]["bbox"])))
                        entry["conf"].append(abs(d["conf"] - y[best[1]]["conf"]))
                    else:
                        entry["only32"] += 1
                if best[0] >= 0.5:
                    used.add(best[1])
            for entry in (groups[group], total):
                entry["only16"] += len(y) - len(used)
    for group, e in list(groups.items()) + [("all", total)]:
        print(f"{group}: {e['clips']} clips, {e['fp32']} boxes fp32, {e['bf16']} bf16; matched {len(e['shifts'])}; "
              f"shift px {summary(e['shifts'])}; |Δconf| max {max(e['conf'], default=0):.4f}; fp32 only {e['only32']}, bf16 only {e['only16']}")

score_lines, detect_lines = open(sys.argv[1]).readlines(), open(sys.argv[2]).readlines()
if score_lines:
    scores(score_lines)
if score_lines and detect_lines:
    print()
if detect_lines:
    detections(detect_lines)
EOF
