#!/usr/bin/env python3
"""Goldens of the reference's crop step at and beyond the frame edge, for Tests/PipelineTests:
Fixtures/edge_crops.json (issue #11: boxes near the frame edge must never crash SyncBench, and the
crop must follow the reference exactly, or fail where the reference fails).

Every case runs the wheel's own `SyncNetPipeline._crop` (syncnet-python 0.2.3) unchanged: the
frames are synthetic pictures written as PNG (so `cv2.imread` returns them exactly), the
`cv2.VideoWriter` it opens is replaced by one that keeps the 224x224 crops it is given (the XVID
step is tested elsewhere), and the two ffmpeg calls for the audio slice are answered without
running ffmpeg (they do not touch the pictures). For each case the JSON records either the
SHA-256 of every crop written, in order, or the exception the reference raised (type and first
line), which is where the reference fails the whole clip.

Two more cases take the reference tracker's track on ../shared/data/example_boxes.json, shifted
left until its smallest x1 is -20 or -60 (the report in the issue), on synthetic 976x528 pictures.

The synthetic picture of frame i (width W, height H) has the byte value
`(7*x + 13*y + 51*c + 3*i) % 256` at row y, column x, channel c (BGR order as stored), so the test
can build the same pictures without any file.

Usage: tools/reference/.venv/bin/python tools/reference/make_edge_crop_goldens.py
"""

import hashlib
import json
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
from syncnet_python import syncnet_pipeline
from syncnet_python.syncnet_pipeline import SyncNetPipeline

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "edge_crops.json"
W, H, FRAMES = 160, 120, 20
DATA = ROOT.parent / "shared" / "data"


def picture(i, width=W, height=H):
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return ((7 * x + 13 * y + 51 * c + 3 * i) % 256).astype(np.uint8)


def moving(start, step):
    """FRAMES boxes starting at `start` (x1, y1, x2, y2), shifted by `step` each frame."""
    return [[start[k] + step[k] * i for k in range(4)] for i in range(FRAMES)]


CASES = {
    # Inside the frame: the ordinary path, for reference.
    "inside": moving([40, 20, 110, 90], [0.5, 0.25, 0.5, 0.25]),
    # x1 = -20: the face runs off the left edge; the centre stays inside.
    "left_edge_x1_minus_20": moving([-20, 20, 60, 100], [0, 0, 0, 0]),
    # Centre further left than crop_scale * half side: x1 of the window is negative, so NumPy
    # counts it from the end and the slice is empty (cv2.resize fails).
    "centre_left_of_window": moving([-150, 30, -50, 130], [0, 0, 0, 0]),
    # Entirely off-frame to the left but both window bounds negative: a non-empty slice taken
    # from the right part of the padded frame.
    "off_left_both_negative": moving([-300, 30, -200, 130], [0, 0, 0, 0]),
    # Off the bottom edge by more than the window: empty slice.
    "off_bottom": moving([40, 400, 120, 480], [0, 0, 0, 0]),
    # Off the right edge: the start lies past the padded frame, empty slice.
    "off_right": moving([600, 20, 680, 100], [0, 0, 0, 0]),
    # Partly past the right and bottom edges: the slice is clipped silently.
    "right_bottom_partial": moving([120, 80, 200, 160], [0, 0, 0, 0]),
    # Leaving the frame little by little: the first frames crop, then the slice empties.
    "walking_off_left": moving([40, 20, 120, 100], [-14, 0, -14, 0]),
    # Tiny boxes: a one-pixel crop (upscaled), and a zero-size box (empty slice).
    "tiny_one_pixel": moving([80.2, 60.2, 81.0, 61.0], [0, 0, 0, 0]),
    "zero_size": moving([80, 60, 80, 60], [0, 0, 0, 0]),
    # Negative size (x2 < x1, y2 < y1): a negative border for copyMakeBorder.
    "negative_size": moving([100, 90, 40, 30], [0, 0, 0, 0]),
    # Fractional coordinates whose window bounds are negative non-integers (int() truncates
    # toward zero).
    "negative_fractions": moving([-61.3, -47.7, 10.9, 24.1], [0, 0, 0, 0]),
    # Larger than the frame.
    "larger_than_frame": moving([-100, -100, 300, 250], [0, 0, 0, 0]),
}


def example_track_shifted(x1):
    """The reference tracker's first track on ../shared/data/example_boxes.json (min_track 50),
    shifted horizontally so that its smallest x1 is `x1` (the report of issue #11)."""
    boxes = json.loads((DATA / "example_boxes.json").read_text())
    dets = [[] for _ in range(max(b["frame"] for b in boxes) + 1)]
    for b in boxes:
        dets[b["frame"]].append(b)
    cfg = SimpleNamespace(num_failed_det=25, min_track=50, min_face_size=100)
    track = SyncNetPipeline._track(SimpleNamespace(cfg=cfg, _iou=SyncNetPipeline._iou), dets)[0]
    bbox = np.array(track["bbox"], dtype=np.float64)
    bbox[:, [0, 2]] += x1 - bbox[:, 0].min()
    return [int(f) for f in track["frame"]], bbox.tolist()


class KeepingWriter:
    crops = []

    def __init__(self, path, *args, **kwargs):
        KeepingWriter.crops = []
        Path(path).touch()  # `_crop` muxes and then deletes this file

    def write(self, image):
        KeepingWriter.crops.append(np.ascontiguousarray(image).copy())

    def release(self):
        pass


def main():
    syncnet_pipeline.cv2.VideoWriter = KeepingWriter
    syncnet_pipeline.subprocess.run = lambda *a, **k: subprocess.CompletedProcess(a, 0, "", "")
    pipeline = SimpleNamespace(cfg=SimpleNamespace(crop_scale=0.4, frame_rate=25, ffmpeg_bin="ffmpeg"))
    records = []
    cases = [(name, W, H, list(range(FRAMES)), boxes) for name, boxes in CASES.items()]
    if (DATA / "example_boxes.json").exists():
        for x1 in (-20, -60):
            frames, boxes = example_track_shifted(x1)
            cases.append((f"example_track_x1_{x1}", 976, 528, frames, boxes))
    with tempfile.TemporaryDirectory() as tmp:
        written = {}
        for name, width, height, track_frames, boxes in cases:
            frames = []
            for i in range(max(track_frames) + 1):
                path = Path(tmp) / f"{width}x{height}_{i:06d}.png"
                if path not in written:
                    cv2.imwrite(str(path), picture(i, width, height))
                    assert np.array_equal(cv2.imread(str(path)), picture(i, width, height))
                    written[path] = True
                frames.append(str(path))
            track = {"frame": np.array(track_frames), "bbox": np.array(boxes, dtype=np.float64)}
            record = {"name": name, "width": width, "height": height, "frames": track_frames, "boxes": boxes}
            try:
                SyncNetPipeline._crop(pipeline, track, frames, Path(tmp) / "speech.wav", Path(tmp) / "cropped" / name)
                record["crops"] = [hashlib.sha256(c.tobytes()).hexdigest() for c in KeepingWriter.crops]
                assert all(c.shape == (224, 224, 3) for c in KeepingWriter.crops)
            except Exception as error:  # the reference's failure: the whole clip fails here
                record["error"] = {"type": type(error).__name__, "message": str(error).strip().splitlines()[0],
                                   "crops_before": len(KeepingWriter.crops)}
            records.append(record)
            print(name, "->", "error " + record["error"]["type"] if "error" in record else f"{len(record['crops'])} crops")
    OUT.write_text(json.dumps({"picture": "(7*x + 13*y + 51*c + 3*i) % 256",
                               "cases": records}, indent=1) + "\n")
    print("wrote", OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
