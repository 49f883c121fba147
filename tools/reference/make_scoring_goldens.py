#!/usr/bin/env python3
"""Goldens of the reference's SyncNet scoring (docs/reference/pipeline.md §10.4, §10.6) for Tests/PipelineTests.

Runs syncnet_python's own `calc_pdist` and the offset / confidence / minimum-distance /
frame-wise-confidence lines of `SyncNetInstance.evaluate` (copied verbatim below, after the
embeddings) on generated embeddings, and writes Tests/PipelineTests/Fixtures/scoring.json.

Embeddings are generated, not stored: with u = (out >> 11) * 2**-53 of SplitMix64,
  base[j]  = float32(10 * (2u - 1))          seed 0x5C0 + case index, (L + 8) x 1024 values
  noise[j] = float32(2 * (2u - 1))           seed 0x9015E + case index, L x 1024 values
  lip[i]   = base[i + 3]
  audio[i] = float32(float64(base[i + 3 + shift]) + float64(noise[i]))
so the audio lags or leads the lips by `shift` windows (0 for the unstructured case, where
audio = noise only). The Swift test builds the same arrays.

Usage: tools/reference/.venv/bin/python tools/reference/make_scoring_goldens.py
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy
import torch
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
import standin_weights as sw  # noqa: E402
from syncnet_python.SyncNetInstance import calc_pdist  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "scoring.json"
D = 1024

# (windows L, vshift, shift, structured)
CASES = [(40, 15, 2, True), (40, 15, -4, True), (12, 15, 1, True), (30, 10, 0, False), (1, 15, 0, True), (6, 3, 0, True)]


def uniform(seed, count):
    bits = sw.splitmix64_stream(seed, count)
    return (bits >> numpy.uint64(11)).astype(numpy.float64) * (2.0**-53)


def embeddings(index, windows, shift, structured):
    margin = 8
    base = (10.0 * (2.0 * uniform(0x5C0 + index, (windows + 2 * margin) * D) - 1.0)).astype(numpy.float32)
    base = base.reshape(windows + 2 * margin, D)
    noise = (2.0 * (2.0 * uniform(0x9015E + index, windows * D) - 1.0)).astype(numpy.float32).reshape(windows, D)
    lip = base[margin:margin + windows]
    if structured:
        audio = (base[margin + shift:margin + shift + windows].astype(numpy.float64) + noise.astype(numpy.float64)).astype(numpy.float32)
    else:
        audio = noise
    return torch.from_numpy(numpy.ascontiguousarray(lip)), torch.from_numpy(numpy.ascontiguousarray(audio))


def main():
    cases = []
    for index, (windows, vshift, shift, structured) in enumerate(CASES):
        im_feat, cc_feat = embeddings(index, windows, shift, structured)
        # --- SyncNetInstance.evaluate, verbatim from here on ---
        dists = calc_pdist(im_feat, cc_feat, vshift=vshift)
        mdist = torch.mean(torch.stack(dists, 1), 1)
        minval, minidx = torch.min(mdist, 0)
        offset = vshift - minidx
        conf = torch.median(mdist) - minval
        fdist = numpy.stack([dist[minidx].numpy() for dist in dists])
        fconf = torch.median(mdist).numpy() - fdist
        fconfm = signal.medfilt(fconf, kernel_size=9)
        # --- end of the reference's lines ---
        cases.append({
            "windows": windows, "vshift": vshift, "shift": shift, "structured": structured,
            "lip_sha256": hashlib.sha256(im_feat.numpy().tobytes()).hexdigest(),
            "audio_sha256": hashlib.sha256(cc_feat.numpy().tobytes()).hexdigest(),
            "distances": [[float(v) for v in d.numpy()] for d in dists],
            "mean_distances": [float(v) for v in mdist.numpy()],
            "offset": int(offset), "confidence": float(conf), "min_distance": float(minval),
            "framewise_confidence": [float(v) for v in numpy.atleast_1d(fconfm)],
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1) + "\n")
    print("wrote", OUT.relative_to(ROOT), [(c["windows"], c["offset"], round(c["confidence"], 3)) for c in cases])


if __name__ == "__main__":
    main()
