#!/usr/bin/env python3
"""Goldens of the reference's face tracker (`SyncNetPipeline._track`, docs/reference/pipeline.md §8.1) for
Tests/PipelineTests, written to Tests/PipelineTests/Fixtures/tracking.json.

Cases:
* every clip of ../shared/data/boxes (Haar-cascade boxes in the reference's detection shape; the
  whole clip as one scene of `jpeg_frames` frames, min_track 50 and 100): for each track its
  first/last frame and the SHA-256 of its interpolated float64 boxes (N x 4, C order) plus the
  first and last box; the inputs stay in ../shared;
* hand-made scenes stored in full: nawta's duplicate-track quirk (two faces whose order swaps,
  docs/reference/pipeline.md §8.2), a gap of exactly 25 and of 26 frames, a small face, a track of exactly
  min_track detections, three faces in one frame.

The reference's method is called unbound on a stand-in `self` holding its config, so no weights
are loaded. Usage: tools/reference/.venv/bin/python tools/reference/make_tracking_goldens.py
"""

import copy
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from syncnet_python.syncnet_pipeline import SyncNetPipeline

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "tracking.json"


def track(dets, min_track):
    fake = SimpleNamespace(cfg=SimpleNamespace(num_failed_det=25, min_track=min_track, min_face_size=100),
                           _iou=SyncNetPipeline._iou)
    return SyncNetPipeline._track(fake, copy.deepcopy(dets))


def summary(tracks):
    out = []
    for t in tracks:
        boxes = np.ascontiguousarray(t["bbox"], dtype=np.float64)
        out.append({"first": int(t["frame"][0]), "last": int(t["frame"][-1]),
                    "sha256": hashlib.sha256(boxes.tobytes()).hexdigest(),
                    "first_box": [float(v) for v in boxes[0]], "last_box": [float(v) for v in boxes[-1]]})
    return out


def per_frame(records, frames):
    dets = [[] for _ in range(frames)]
    for r in records:
        dets[r["frame"]].append({"frame": r["frame"], "bbox": r["bbox"], "conf": r["conf"]})
    return dets


def face(frame, x, y, size, conf):
    return {"frame": frame, "bbox": [x, y, x + size, y + size], "conf": conf}


def hand_cases():
    cases = {}
    # Two faces, order swapped in frames 3-8 (docs/reference/pipeline.md §8.2): nawta makes three tracks.
    dets = []
    for f in range(12):
        a, b = face(f, 10.0 + f, 20.0, 150.0, 0.99), face(f, 400.0, 30.0 + f, 160.0, 0.98)
        dets.append([b, a] if 3 <= f <= 8 else [a, b])
    cases["swapped_order"] = (dets, 5)
    # Gaps of 25 and 26 frames, a small face, exactly min_track + 1 and min_track detections.
    dets = [[] for _ in range(120)]
    for f in list(range(0, 10)) + list(range(35, 45)) + list(range(71, 80)):  # gaps 25, then 26
        dets[f].append(face(f, 100.0 + 0.5 * f, 50.0, 120.0 + 0.25 * f, 0.95))
    for f in range(0, 30, 2):  # a small face every other frame
        dets[f].append(face(f, 600.0, 300.0, 60.0 + f, 0.91))
    for f in range(90, 101):  # 11 detections: more than min_track 10
        dets[f].append(face(f, 300.0, 300.0, 101.0, 0.93))
    for f in range(101, 111):  # 10 more, a separate face far away: not more than 10
        dets[f].append(face(f, 900.0, 10.0, 200.0, 0.92))
    cases["gaps_sizes"] = (dets, 10)
    # Three faces in one frame, the third overlapping the first: the skipped second face.
    dets = []
    for f in range(8):
        faces = [face(f, 0.0, 0.0, 200.0, 0.99), face(f, 500.0, 0.0, 200.0, 0.98)]
        if f == 4:
            faces.append(face(f, 5.0, 5.0, 200.0, 0.97))
        dets.append(faces)
    cases["three_faces"] = (dets, 3)
    return cases


def main():
    result = {"clips": {}, "hand": {}}
    index = json.loads((DATA / "boxes" / "index.json").read_text())
    for group, info in index.items():
        for clip, meta in sorted(info["clips"].items()):
            records = json.loads((DATA / "boxes" / group / f"{clip}.json").read_text())
            dets = per_frame(records, meta["jpeg_frames"])
            result["clips"][f"{group}/{clip}"] = {
                "frames": meta["jpeg_frames"],
                "min_track_50": summary(track(dets, 50)), "min_track_100": summary(track(dets, 100))}
    for name, (dets, min_track) in hand_cases().items():
        result["hand"][name] = {"min_track": min_track, "detections": dets,
                                "tracks": [{"first": int(t["frame"][0]), "boxes": t["bbox"].tolist()}
                                           for t in track(dets, min_track)]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    counts = {k: len(v["min_track_50"]) for k, v in result["clips"].items()}
    print("wrote", OUT.relative_to(ROOT), sum(counts.values()), "tracks over", len(counts), "clips;",
          {k: len(v["tracks"]) for k, v in result["hand"].items()})


if __name__ == "__main__":
    main()
