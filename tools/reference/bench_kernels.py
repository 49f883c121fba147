#!/usr/bin/env python3
"""PyTorch CPU timings of the reference networks, for `syncbench bench-kernels`.

Times the reference modules (syncnet-python 0.2.3 with the stand-in weights; speed does not
depend on the values) on the shapes SyncBench benchmarks, with the same thread count, and prints
one JSON object: {"torch": version, "threads": n, "s3fd": {"244x132": ms_per_frame, ...},
"syncnet": {"lip_ms_per_window": .., "audio_ms_per_window": .., "batch": 20}}.

The S3FD time is the network forward (backbone, heads, priors and the built-in Detect), as
`S3FD.detect_faces` runs it per frame. It is split into the forward without Detect
("s3fd_forward": backbone, heads, priors, softmax) and Detect alone on that forward's outputs
("s3fd_detect"), and repeated with the face logit of every confidence head lowered by
--face-logit-offset ("s3fd_few_candidates": tens of rows leave Detect, as with real faces, where
every prior of the plain stand-ins passes its 0.05). Usage:
  tools/reference/.venv/bin/python tools/reference/bench_kernels.py [--threads 2] [--repeat 5]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import standin_weights as sw  # noqa: E402


SPREAD = {}


def median_seconds(fn, repeat: int, name: str) -> float:
    """Median of `repeat` timed runs after a warm-up; records (max - min) / median under `name`."""
    fn()  # warm-up (allocations, oneDNN primitive creation)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    SPREAD[name] = (max(times) - min(times)) / median if median > 0 else 0.0
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="244x132,320x180")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--face-logit-offset", type=float, default=5.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "s3fd": {}, "syncnet": {}}
    for key in ("s3fd_forward", "s3fd_detect", "s3fd_few_candidates"):
        result[key] = {}
    s3fd = sw.s3fd_module()
    few = sw.s3fd_module()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        # The same float32 subtraction as `syncbench bench-kernels` makes on its stand-ins.
        for name, parameter in few.named_parameters():
            if name.startswith("conf.") and name.endswith(".bias"):
                parameter[-1] -= args.face_logit_offset
        for size in args.sizes.split(","):
            w, h = map(int, size.split("x"))
            x = torch.rand(1, 3, h, w, generator=generator) * 255 - 120
            result["s3fd"][size] = 1000 * median_seconds(lambda: s3fd(x), args.repeat, "s3fd " + size)
            # The forward without Detect: the module calls `self.detect.forward(loc, conf, priors)`
            # last; a stand-in that keeps its arguments and returns them splits the two.
            detect, captured = s3fd.detect, {}

            class Keep:
                def forward(self, *inputs):
                    captured["inputs"] = inputs
                    return inputs

            s3fd.detect = Keep()
            result["s3fd_forward"][size] = 1000 * median_seconds(lambda: s3fd(x), args.repeat, "s3fd forward " + size)
            s3fd.detect = detect
            inputs = captured["inputs"]
            result["s3fd_detect"][size] = 1000 * median_seconds(lambda: detect.forward(*inputs), args.repeat, "s3fd detect " + size)
            result["s3fd_few_candidates"][size] = 1000 * median_seconds(lambda: few(x), args.repeat, "s3fd few candidates " + size)
        net = sw.syncnet_module()
        lip = torch.rand(args.batch, 3, 5, 224, 224, generator=generator) * 255
        audio = torch.randn(args.batch, 1, 13, 20, generator=generator) * 10
        result["syncnet"] = {
            "batch": args.batch,
            "lip_ms_per_window": 1000 * median_seconds(lambda: net.forward_lip(lip), args.repeat, "lip") / args.batch,
            "audio_ms_per_window": 1000 * median_seconds(lambda: net.forward_aud(audio), args.repeat, "audio") / args.batch,
        }
    result["spread"] = SPREAD
    print(json.dumps(result))


if __name__ == "__main__":
    main()
