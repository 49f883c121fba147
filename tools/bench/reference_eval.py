#!/usr/bin/env python3
"""Times the reference pipeline (syncnet-python 0.2.3 `SyncNetPipeline.inference`, CPU) on one
clip, for tools/bench/eval.sh. Weights: the stand-in files in WEIGHTS_DIR (written by
`syncbench weights standin`). With --boxes, S3FD's `detect_faces` is replaced by the boxes of that
file (frame i of the reference's JPEG list gets the boxes of frame i), exactly as syncbench's
`--boxes` replaces its detector. Prints one JSON line: seconds (wall time of `inference` only,
model loading excluded), offsets, confs, dists, the process's peak RSS in MiB, and the time spent
inside the two networks: detect_seconds and detect_frames (every `detect_faces` call, without
--boxes), syncnet_seconds and windows (every `forward_lip` and `forward_aud` call; windows counts
the lip windows).

Usage: tools/reference/.venv/bin/python tools/bench/reference_eval.py WEIGHTS_DIR VIDEO SPEECH [--boxes B.json] [--threads N]
"""

import argparse
import json
import logging
import resource
import tempfile
import time

import numpy
import torch
from syncnet_python.syncnet_pipeline import SyncNetPipeline


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights")
    parser.add_argument("video")
    parser.add_argument("speech")
    parser.add_argument("--boxes")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    torch.set_num_threads(args.threads)
    pipe = SyncNetPipeline(device="cpu", s3fd_weights=f"{args.weights}/sfd_face.pth", syncnet_weights=f"{args.weights}/syncnet_v2.model")
    if args.boxes:
        by_frame = {}
        for b in json.load(open(args.boxes)):
            by_frame.setdefault(b["frame"], []).append(b["bbox"] + [b["conf"]])
        calls = {"n": 0}

        def detect_faces(image, conf_th, scales):
            i = calls["n"]
            calls["n"] += 1
            return numpy.array(by_frame.get(i, []), dtype=numpy.float64).reshape(-1, 5)

        pipe.s3fd.detect_faces = detect_faces
    else:
        pipe.s3fd.detect_faces = timed(pipe.s3fd.detect_faces, "detect", lambda *a, **k: 1)
    net = pipe.syncnet.__S__
    net.forward_lip = timed(net.forward_lip, "syncnet", lambda x: int(x.shape[0]), count="windows")
    net.forward_aud = timed(net.forward_aud, "syncnet", lambda x: 0, count="windows")
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        offsets, confs, dists, best_conf, min_dist, _, has_face = pipe.inference(args.video, args.speech, cache_dir=work)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "offsets": [int(o) for o in offsets], "confs": [float(c) for c in confs],
                      "dists": [float(d) for d in dists], "peak_rss_mib": peak, **TIMING}))


TIMING = {"detect_seconds": 0.0, "detect_frames": 0, "syncnet_seconds": 0.0, "windows": 0}


def timed(function, name, items, count=None):
    """`function`, adding its wall time to TIMING[name + "_seconds"] and `items(*args)` to
    TIMING[count or name + "_frames"]."""
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMING[name + "_seconds"] += time.perf_counter() - start
            TIMING[count or name + "_frames"] += items(*args, **kwargs)
    return wrapper


if __name__ == "__main__":
    main()
