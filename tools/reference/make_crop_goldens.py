#!/usr/bin/env python3
"""Goldens of the reference's crop step (`SyncNetPipeline._crop`, docs/reference/pipeline.md §9.1-9.3, up to the
224x224 resize, before the XVID writer) for Tests/PipelineTests: Fixtures/crops.json.

The track is the reference tracker's (`_track`, min_track 50) on ../shared/data/example_boxes.json;
the frames are the example clip's pictures decoded by the ffmpeg CLI to bgr24 (no rate
conversion: picture i is frame i; the 132 pictures cover track frames 0-131, later frames are
skipped as the reference skips unreadable frames). For each frame the script records the crop
rectangle (pad, y1, y2, x1, x2) computed by the reference's own lines (copied verbatim below) and
the SHA-256 of the 224x224x3 crop.

Usage: tools/reference/.venv/bin/python tools/reference/make_crop_goldens.py
"""

import copy
import hashlib
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
from scipy import signal
from syncnet_python.syncnet_pipeline import SyncNetPipeline

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "crops.json"


def main():
    boxes = json.loads((DATA / "example_boxes.json").read_text())
    frames_count = max(b["frame"] for b in boxes) + 1
    dets = [[] for _ in range(frames_count)]
    for b in boxes:
        dets[b["frame"]].append(b)
    cfg = SimpleNamespace(num_failed_det=25, min_track=50, min_face_size=100, crop_scale=0.4)
    track = SyncNetPipeline._track(SimpleNamespace(cfg=cfg, _iou=SyncNetPipeline._iou), copy.deepcopy(dets))[0]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(DATA / "example.avi"), "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
                         check=True, capture_output=True).stdout
    pictures = np.frombuffer(raw, np.uint8).reshape(-1, 528, 976, 3)

    # --- SyncNetPipeline._crop, verbatim (minus the video writer) ---
    s, x, y = [], [], []
    for b in track["bbox"]:
        s.append(max(b[3] - b[1], b[2] - b[0]) / 2)
        x.append((b[0] + b[2]) / 2)
        y.append((b[1] + b[3]) / 2)
    s, x, y = map(lambda v: signal.medfilt(v, 13), (s, x, y))
    records = []
    for i, fidx in enumerate(track["frame"]):
        if fidx >= len(pictures):
            continue  # the reference's `if img is None: continue`
        img = pictures[fidx]
        bs = s[i]
        cs = cfg.crop_scale
        pad = int(bs * (1 + 2 * cs))
        img_p = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(110, 110, 110))
        my, mx = y[i] + pad, x[i] + pad
        y1, y2 = int(my - bs), int(my + bs * (1 + 2 * cs))
        x1, x2 = int(mx - bs * (1 + cs)), int(mx + bs * (1 + cs))
        crop = cv2.resize(img_p[y1:y2, x1:x2], (224, 224))
        # --- end of the reference's lines ---
        records.append({"frame": int(fidx), "pad": pad, "y1": y1, "y2": y2, "x1": x1, "x2": x2,
                        "frame_sha256": hashlib.sha256(img.tobytes()).hexdigest(),
                        "crop_sha256": hashlib.sha256(np.ascontiguousarray(crop).tobytes()).hexdigest()})
    OUT.write_text(json.dumps({"track_first": int(track["frame"][0]), "track_last": int(track["frame"][-1]),
                               "pictures": len(pictures), "crops": records}, indent=1) + "\n")
    print("wrote", OUT.relative_to(ROOT), len(records), "crops")


if __name__ == "__main__":
    main()
