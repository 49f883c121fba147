#!/usr/bin/env python3
"""Goldens of the reference's lossy media chain for Tests/MediaTests (FaithfulChainTests).

Writes Tests/MediaTests/Fixtures/faithful_goldens.json and faithful_crop_jpegs.bin:

* frames chain (docs/reference/pipeline.md §3, §4, §7.1): for each clip, the reference's exact commands
  `ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi -y` and
  `ffmpeg -i video.avi -f image2 -q:v 2 -threads 1 frames/%06d.jpg -y`, then per JPEG the SHA-256
  of the file and of `cv2.imread(file)`, and per picture of video.avi the SHA-256 of what
  `cv2.VideoCapture` returns. The MPEG-4 encoder runs with the CLI's `-threads auto`, which on this
  machine means `mpeg4_threads` slice threads (recorded; the bitstream depends on it), so the test
  pins its encoder to the same count. Also, per VideoCapture frame, the difference between OpenCV's
  BGR and the ffmpeg CLI's `-pix_fmt bgr24` decode of the same picture (OpenCV's bundled FFmpeg
  converts with its own libswscale).
* crop chain (§9.3, §10.1): 48 crops of 224x224 (rows 150-373, columns 500-723 of the example
  clip's pictures, decoded by the ffmpeg CLI to bgr24 with `-vsync passthrough`) written with
  `cv2.VideoWriter(..., fourcc XVID, 25, (224, 224))` (and, to pin OpenCV's BGR -> yuv420p
  conversion on its own, with fourcc I420: raw yuv420p, digests in `yuv420p_sha256`), re-extracted with
  `ffmpeg -i crop.avi -f image2 -threads 1 %06d.jpg -y`; per JPEG the SHA-256 of the file and of
  `cv2.imread`; the JPEG files themselves are concatenated into faithful_crop_jpegs.bin (sizes in
  the JSON) so the test can measure the residual of its own round trip against them.

Digests are the first 16 hex digits of SHA-256 over the uint8 array's C-order bytes (H x W x 3).
Deterministic: running it again on the same machine rewrites identical files.

Usage: tools/reference/.venv/bin/python tools/reference/make_faithful_goldens.py
"""

import hashlib
import json
import os
import platform
import subprocess
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
FIXTURES = ROOT / "Tests" / "MediaTests" / "Fixtures"
CLIPS = ["example.avi", "mochabench-mini/mocha-generation/1p_closeup_facingcamera/1_man_guitar.mp4"]
CROP_WINDOW = (150, 500, 224)  # top, left, size
CROP_COUNT = 48


def digest(data) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()[:16]


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", *args], check=True)


def auto_slice_threads(height: int) -> int:
    """libavcodec's `threads=auto` for a slice-threaded encoder (pthread_slice.c ff_slice_thread_init)."""
    cpus = len(os.sched_getaffinity(0))
    cpus = min(cpus, (height + 15) // 16)
    return min(cpus + 1, 16) if cpus > 1 else 1


def raw_pictures(path, width, height, *extra):
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), *extra, "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def frames_chain(relative: str) -> dict:
    clip = DATA / relative
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        avi = tmp / "video.avi"
        ffmpeg("-i", str(clip), "-async", "1", "-q:v", "2", "-r", "25", str(avi), "-y")
        (tmp / "frames").mkdir()
        ffmpeg("-i", str(avi), "-f", "image2", "-q:v", "2", "-threads", "1", str(tmp / "frames" / "%06d.jpg"), "-y")
        jpegs = sorted((tmp / "frames").glob("*.jpg"))
        jpeg_digests, imread_digests = [], []
        for path in jpegs:
            jpeg_digests.append(digest(path.read_bytes()))
            imread_digests.append(digest(np.ascontiguousarray(cv2.imread(str(path))).tobytes()))
        capture = cv2.VideoCapture(str(avi))
        captured = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            captured.append(np.ascontiguousarray(frame))
        height, width = captured[0].shape[:2]
        cli = raw_pictures(avi, width, height, "-vsync", "passthrough")
        assert len(cli) == len(captured), (len(cli), len(captured))
        differences = []
        for ours, theirs in zip(captured, cli):
            d = np.abs(ours.astype(np.int16) - theirs.astype(np.int16))
            differences.append({"max": int(d.max()), "mean": round(float(d.mean()), 6), "differing": int((d > 0).sum())})
    return {
        "path": relative,
        "width": width,
        "height": height,
        "mpeg4_threads": auto_slice_threads(height),
        "jpeg_sha256": jpeg_digests,
        "imread_sha256": imread_digests,
        "capture_sha256": [digest(f.tobytes()) for f in captured],
        "capture_vs_cli_bgr24": differences,
    }


def crop_chain() -> tuple[dict, bytes]:
    top, left, size = CROP_WINDOW
    pictures = raw_pictures(DATA / "example.avi", 976, 528, "-map", "0:v:0", "-vsync", "passthrough")
    crops = [np.ascontiguousarray(p[top:top + size, left:left + size]) for p in pictures[:CROP_COUNT]]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        avi = tmp / "crop.avi"
        writer = cv2.VideoWriter(str(avi), cv2.VideoWriter_fourcc(*"XVID"), 25, (size, size))
        for crop in crops:
            writer.write(crop)
        writer.release()
        (tmp / "crop").mkdir()
        ffmpeg("-i", str(avi), "-f", "image2", "-threads", "1", str(tmp / "crop" / "%06d.jpg"), "-y")
        jpegs = sorted((tmp / "crop").glob("*.jpg"))
        assert len(jpegs) == CROP_COUNT, len(jpegs)
        blobs = [p.read_bytes() for p in jpegs]
        images = [np.ascontiguousarray(cv2.imread(str(p))) for p in jpegs]
        # OpenCV's BGR24 -> yuv420p conversion on its own: the same writer with fourcc I420 (raw
        # yuv420p in AVI, so the file holds exactly what the XVID encoder was given).
        i420 = tmp / "i420.avi"
        writer = cv2.VideoWriter(str(i420), cv2.VideoWriter_fourcc(*"I420"), 25, (size, size))
        for crop in crops:
            writer.write(crop)
        writer.release()
        planes = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(i420), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                                check=True, capture_output=True).stdout
        frame_bytes = size * size * 3 // 2
        assert len(planes) == frame_bytes * CROP_COUNT, len(planes)
        yuv_digests = [digest(planes[i * frame_bytes:(i + 1) * frame_bytes]) for i in range(CROP_COUNT)]
        # What OpenCV's own writer+reader would give without the JPEG step (for the record).
        capture = cv2.VideoCapture(str(avi))
        xvid = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            xvid.append(frame)
    psnr = []
    for crop, image in zip(crops, images):
        mse = float(np.mean((crop.astype(np.float64) - image.astype(np.float64)) ** 2))
        psnr.append(round(10 * np.log10(255 ** 2 / mse), 3) if mse > 0 else None)
    record = {
        "source": "example.avi",
        "window": {"top": top, "left": left, "size": size},
        "count": CROP_COUNT,
        "crop_sha256": [digest(c.tobytes()) for c in crops],
        "yuv420p_sha256": yuv_digests,
        "xvid_capture_sha256": [digest(np.ascontiguousarray(f).tobytes()) for f in xvid],
        "jpeg_sha256": [digest(b) for b in blobs],
        "jpeg_sizes": [len(b) for b in blobs],
        "imread_sha256": [digest(i.tobytes()) for i in images],
        "psnr_vs_clean_crop_db": psnr,
    }
    return record, b"".join(blobs)


def main():
    version = subprocess.run(["ffmpeg", "-version"], check=True, capture_output=True, text=True).stdout.splitlines()[0]
    goldens = {
        "generator": "tools/reference/make_faithful_goldens.py",
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "ffmpeg_cli": version,
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
        "clips": [frames_chain(c) for c in CLIPS],
    }
    goldens["crops"], blob = crop_chain()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "faithful_crop_jpegs.bin").write_bytes(blob)
    (FIXTURES / "faithful_goldens.json").write_text(json.dumps(goldens, indent=1) + "\n")
    print("wrote", FIXTURES / "faithful_goldens.json", "and", FIXTURES / "faithful_crop_jpegs.bin", f"({len(blob)} bytes)")


if __name__ == "__main__":
    main()
