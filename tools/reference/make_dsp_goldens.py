#!/usr/bin/env python3
"""Writes the golden files of the DSP tests (MFCC, medfilt, interp) into Tests/DSPTests/Fixtures/.

Run with the reference environment from the package root or anywhere:

    tools/reference/.venv/bin/python tools/reference/make_dsp_goldens.py

Deterministic: fixed seeds, no timestamps; running it twice gives identical files.  Every file is
listed with its SHA-256 in Fixtures/MANIFEST.json together with the package versions used.
"""
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import python_speech_features
import scipy
import scipy.interpolate
import scipy.io.wavfile
import scipy.signal
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "DSPTests", "Fixtures")
SPEECH_REL = "../shared/data/example_speech.wav"  # relative to the package root, as the tests see it
SPEECH = os.path.normpath(os.path.join(ROOT, SPEECH_REL))

written = []


def save(name, array):
    path = os.path.join(OUT, name)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)
    written.append(name)
    print(f"wrote {name:40s} {str(array.dtype):8s} {array.shape}")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def reference_mfcc(signal):
    # Exactly what syncnet_python's SyncNetInstance does: wavfile.read, then mfcc(audio, sample_rate).
    return python_speech_features.mfcc(signal, 16000)


def synthetic_signal(n, seed):
    """Seeded noise + a chirp, with a clipped stretch (±32767/-32768) and a run of exact zeros."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    x = 2000.0 * rng.standard_normal(n) + 9000.0 * np.sin(2 * np.pi * (200.0 * t + 2500.0 * t * t))
    # Overdrive the middle fifth so that it clips at both rails.
    a, b = 2 * n // 5, 3 * n // 5
    x[a:b] *= 8.0
    x = np.clip(np.round(x), -32768, 32767)
    if n >= 4:
        x[1], x[2], x[3] = 32767, -32768, -32768
    if n >= 16000:
        # 1000 zeros: the pre-emphasised signal is 0 on [4001, 5000), so frames 26-28 lie
        # entirely inside it; energy and every filter-bank energy are 0 there (eps replacement).
        x[4000:5000] = 0
    return x.astype(np.int16)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".npy") or name.endswith(".json"):
            os.remove(os.path.join(OUT, name))

    # --- MFCC of the real speech file (input stays in ../shared/data; only its hash is stored) ---
    if not os.path.exists(SPEECH):
        sys.exit(f"missing {SPEECH}: the real-speech golden needs the shared test data")
    rate, speech = scipy.io.wavfile.read(SPEECH)
    assert rate == 16000 and speech.dtype == np.int16 and speech.ndim == 1
    mfcc = reference_mfcc(speech)
    save("mfcc_example_speech.npy", mfcc)
    speech_info = {
        "path": SPEECH_REL,
        "sha256": sha256(SPEECH),
        "sampleRate": int(rate),
        "samples": int(speech.shape[0]),
        "output": "mfcc_example_speech.npy",
        "layout": "frames x 13 float64, python_speech_features.mfcc(signal, 16000)",
    }
    with open(os.path.join(OUT, "mfcc_example_speech.json"), "w") as f:
        json.dump(speech_info, f, indent=2, sort_keys=True)
        f.write("\n")
    written.append("mfcc_example_speech.json")
    print("wrote mfcc_example_speech.json (input SHA-256 %s)" % speech_info["sha256"])

    # --- MFCC of synthetic signals ---
    cases = [("1_zero", np.zeros(1, np.int16)), ("1_min", np.array([-32768], np.int16))]
    for i, n in enumerate([399, 400, 401, 560, 561, 16000]):
        cases.append((str(n), synthetic_signal(n, seed=100 + i)))
    for tag, signal in cases:
        save(f"mfcc_synthetic_{tag}_input.npy", signal)
        save(f"mfcc_synthetic_{tag}_output.npy", reference_mfcc(signal))
    try:
        python_speech_features.mfcc(np.zeros(0, np.int16), 16000)
        raise AssertionError("mfcc of an empty signal no longer raises; update the Swift behaviour")
    except IndexError:
        print("checked: mfcc of an empty signal raises IndexError (Swift throws emptySignal)")

    # --- mel filter bank with coinciding band edges (nfft 64: several b_j = b_{j+1}) ---
    save("melfilterbank_26_nfft64.npy", python_speech_features.base.get_filterbanks(26, 64, 16000, 0, 8000))

    # --- medfilt ---
    # Lengths 1 and 5 are shorter than the kernel on purpose; SciPy warns about exactly that.
    warnings.filterwarnings("ignore", "kernel_size exceeds volume extent")
    rng = np.random.default_rng(7)
    for dtype, kernel, tag in [(np.float64, 13, "f64_k13"), (np.float32, 9, "f32_k9")]:
        for n in [1, 5, 13, 50]:
            # Half-integers in [-4, 4] (many ties, negatives, zeros) mixed with continuous values.
            x = rng.integers(-8, 9, size=n) / 2.0
            mask = rng.random(n) < 0.5
            x[mask] = rng.normal(0.0, 100.0, size=int(mask.sum()))
            x = x.astype(dtype)
            y = scipy.signal.medfilt(x, kernel)
            assert y.dtype == dtype, (y.dtype, dtype)
            save(f"medfilt_{tag}_n{n}_input.npy", x)
            save(f"medfilt_{tag}_n{n}_output.npy", y)

    # --- interp: frames of detections -> every frame, as the tracker does, plus clamped ends ---
    rng = np.random.default_rng(11)
    frames = np.sort(rng.choice(np.arange(0, 200), size=60, replace=False)).astype(np.float64)
    values = rng.uniform(-50.0, 900.0, size=frames.size)
    inside = np.arange(frames[0], frames[-1] + 1, dtype=np.float64)
    x = np.concatenate([inside, rng.uniform(frames[0], frames[-1], size=200),
                        [frames[0] - 3.5, frames[-1] + 2.0, -1e300, 1e300]])
    y = np.interp(x, frames, values)
    # interp1d(kind="linear") is what the tracker calls; it must agree with np.interp in range.
    y1 = scipy.interpolate.interp1d(frames, values)(x[: inside.size + 200])
    assert np.array_equal(y1, y[: inside.size + 200])
    save("interp_sample_points.npy", frames)
    save("interp_values.npy", values)
    save("interp_x.npy", x)
    save("interp_output.npy", y)

    manifest = {
        "generator": "tools/reference/make_dsp_goldens.py",
        "packages": {p: version(p) for p in ["numpy", "scipy", "python_speech_features"]},
        "python": sys.version.split()[0],
        "files": {name: sha256(os.path.join(OUT, name)) for name in sorted(written)},
    }
    with open(os.path.join(OUT, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in written)
    print(f"wrote MANIFEST.json: {len(written)} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
