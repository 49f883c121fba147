#!/usr/bin/env python3
"""Golden outputs of the OpenCV image operations SyncBench re-implements (Media target).

Writes Tests/MediaTests/Fixtures/image_goldens.json (one record per case: operation, input
description, output shape, SHA-256 of the output bytes), a few small .npy files holding complete
outputs (and the one non-random input), and image_goldens.MANIFEST.json (SHA-256 of every fixture
file plus the OpenCV / NumPy versions). Deterministic: running it twice gives identical files.

Random inputs are never stored. They are generated from (seed, width, height) by SplitMix64:

    state = seed (uint64)
    next():  state += 0x9E3779B97F4A7C15
             z = state
             z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
             z = (z ^ (z >> 27)) * 0x94D049BB133111EB
             return z ^ (z >> 31)                      (all arithmetic mod 2**64)

The image bytes are the outputs' little-endian bytes, concatenated, cut to height*width*3, in
C order of an (height, width, 3) uint8 array. Tests/MediaTests/ImageTestSupport.swift implements
the same generator.

Usage: tools/reference/.venv/bin/python tools/reference/make_image_goldens.py
"""

import hashlib
import json
import platform
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "MediaTests" / "Fixtures"
GOLDENS = "image_goldens.json"
MANIFEST = "image_goldens.MANIFEST.json"


def splitmix64_bytes(seed: int, count: int) -> np.ndarray:
    """The first `count` bytes of the SplitMix64 stream for `seed` (see module docstring)."""
    words = (count + 7) // 8
    with np.errstate(over="ignore"):
        k = np.arange(1, words + 1, dtype=np.uint64)
        z = np.uint64(seed) + k * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z.astype("<u8").view(np.uint8)[:count]


def random_image(seed: int, width: int, height: int) -> np.ndarray:
    return splitmix64_bytes(seed, width * height * 3).reshape(height, width, 3).copy()


def bgr_cube() -> np.ndarray:
    """Every 24-bit colour once: pixel i (row-major, 4096x4096) is b = i >> 16, g = (i >> 8) & 255, r = i & 255."""
    i = np.arange(1 << 24, dtype=np.uint32)
    img = np.stack([(i >> 16) & 255, (i >> 8) & 255, i & 255], axis=-1).astype(np.uint8)
    return img.reshape(4096, 4096, 3)


def hsv_edge_image() -> np.ndarray:
    """Greys, pure primaries and secondaries at every level, and near-ties between channels."""
    pixels = []
    for v in range(256):
        pixels.append((v, v, v))
        for b, g, r in ((v, 0, 0), (0, v, 0), (0, 0, v), (v, v, 0), (v, 0, v), (0, v, v),
                        (255, v, 0), (0, 255, v), (v, 0, 255), (0, v, 255), (255, 0, v), (v, 255, 0)):
            pixels.append((b, g, r))
        if v > 0:
            w = v - 1
            for b, g, r in ((v, v, w), (v, w, v), (w, v, v), (v, w, w), (w, v, w), (w, w, v),
                            (v, w, 0), (w, v, 0), (0, v, w), (0, w, v), (v, 0, w), (w, 0, v)):
                pixels.append((b, g, r))
    width = 64
    while len(pixels) % width:
        pixels.append((0, 0, 0))
    return np.array(pixels, dtype=np.uint8).reshape(-1, width, 3)


def scene_size(width: int, height: int) -> tuple[int, int]:
    """PySceneDetect 0.6 automatic downscale (docs/reference/pipeline.md section 7.1)."""
    longer = max(width, height)
    if longer < 256:
        return width, height
    f = longer / 256
    if f <= 1:
        return width, height
    return max(1, round(width / f)), max(1, round(height / f))


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    cases = []
    stored = {}
    seed_counter = [1000]

    def next_seed() -> int:
        seed_counter[0] += 1
        return seed_counter[0]

    def add(name, op, params, source, input_desc, run, store=False):
        record = {"name": name, "op": op, "params": params, "input": input_desc}
        try:
            out = run(source)
        except cv2.error as error:
            record["error"] = str(error).strip().splitlines()[-1]
            cases.append(record)
            return
        record["output"] = {"width": int(out.shape[1]), "height": int(out.shape[0]), "sha256": sha256(out)}
        if store:
            file = f"{name}.npy"
            stored[file] = out
            record["npy"] = file
        cases.append(record)

    def rand(width, height):
        seed = next_seed()
        return random_image(seed, width, height), {"seed": seed, "width": width, "height": height}

    small_store = {(50, 37), (23, 23), (3, 3)}

    # Section 6.1: the 0.25 detector downscale, fx/fy mode.
    for w, h in [(1280, 720), (640, 360), (1920, 1080), (976, 528), (853, 481), (850, 480),
                 (854, 480), (50, 37), (23, 23), (7, 5), (3, 3), (2, 2), (1, 1)]:
        img, desc = rand(w, h)
        add(f"quarter_{w}x{h}", "resize_fx", {"fx": 0.25, "fy": 0.25}, img, desc,
            lambda s: cv2.resize(s, (0, 0), fx=0.25, fy=0.25), store=(w, h) in small_store)

    # Other factors in fx/fy mode: non-dyadic, anisotropic, and exact halves (OpenCV's area path).
    for (w, h, fx, fy) in [(100, 80, 0.3, 0.3), (97, 61, 0.4, 0.7), (31, 17, 1.7, 2.3),
                           (64, 48, 0.5, 0.5), (15, 11, 0.5, 0.5), (7, 7, 0.5, 0.5), (3, 3, 0.5, 0.5)]:
        img, desc = rand(w, h)
        add(f"fx_{w}x{h}_{fx}_{fy}", "resize_fx", {"fx": fx, "fy": fy}, img, desc,
            lambda s, fx=fx, fy=fy: cv2.resize(s, (0, 0), fx=fx, fy=fy), store=(w * h < 300))

    # Section 7.1: scene-detection downscale with an explicit size.
    for w, h in [(976, 528), (1952, 1056), (720, 480), (512, 512), (1280, 720), (300, 1000)]:
        img, desc = rand(w, h)
        tw, th = scene_size(w, h)
        add(f"scene_{w}x{h}", "resize", {"width": tw, "height": th}, img, desc,
            lambda s, tw=tw, th=th: cv2.resize(s, (tw, th)))

    # Section 9.3: crops resized to 224x224 (down and up; square and not).
    size_stream = splitmix64_bytes(77, 8 * 96).view("<u8")
    crop_sizes = [(448, 448), (224, 224), (112, 112), (449, 449), (364, 413), (223, 225)]
    for k in range(0, 96, 2):
        a = 60 + int(size_stream[k] % 641)
        b = a if k % 4 == 0 else 60 + int(size_stream[k + 1] % 641)
        crop_sizes.append((a, b))
    for w, h in crop_sizes:
        img, desc = rand(w, h)
        add(f"crop224_{w}x{h}", "resize", {"width": 224, "height": 224}, img, desc,
            lambda s: cv2.resize(s, (224, 224)))

    # Other explicit sizes, including tiny upscales (stored in full).
    for (w, h, tw, th) in [(1, 1, 5, 5), (2, 3, 7, 4), (3, 2, 1, 1), (13, 7, 29, 17), (97, 61, 37, 23),
                           (5, 5, 5, 5), (640, 360, 200, 100)]:
        img, desc = rand(w, h)
        add(f"resize_{w}x{h}_to_{tw}x{th}", "resize", {"width": tw, "height": th}, img, desc,
            lambda s, tw=tw, th=th: cv2.resize(s, (tw, th)), store=(tw * th <= 1000))

    # Section 9.2: constant border 110 (symmetric, as the crop step does, and asymmetric).
    for (w, h, t, b, l, r) in [(40, 30, 0, 0, 0, 0), (40, 30, 1, 1, 1, 1), (40, 30, 17, 17, 17, 17),
                               (64, 48, 216, 216, 216, 216), (5, 3, 2, 0, 3, 1), (1, 1, 4, 4, 4, 4)]:
        img, desc = rand(w, h)
        add(f"pad_{w}x{h}_{t}_{b}_{l}_{r}", "pad",
            {"top": t, "bottom": b, "left": l, "right": r, "value": 110}, img, desc,
            lambda s, t=t, b=b, l=l, r=r: cv2.copyMakeBorder(s, t, b, l, r, cv2.BORDER_CONSTANT,
                                                             value=(110, 110, 110)),
            store=(w * h <= 16))

    # Section 9.2-9.3 end to end: pad, slice with NumPy semantics (clipped ends, negative start), resize.
    for (w, h, pad, y1, y2, x1, x2) in [(320, 240, 216, 266, 602, 248, 584), (160, 120, 90, 10, 400, 300, 700),
                                        (160, 120, 50, -100, 200, 0, 250), (100, 80, 30, 5, 60, -70, 150)]:
        img, desc = rand(w, h)
        add(f"padslice_{w}x{h}_{pad}_{y1}_{y2}_{x1}_{x2}", "pad_slice_resize",
            {"pad": pad, "value": 110, "y1": y1, "y2": y2, "x1": x1, "x2": x2, "width": 224, "height": 224},
            img, desc,
            lambda s, pad=pad, y1=y1, y2=y2, x1=x1, x2=x2: cv2.resize(
                cv2.copyMakeBorder(s, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(110, 110, 110))[y1:y2, x1:x2],
                (224, 224)))

    # Appendix B: BGR -> HSV.
    img, desc = rand(1000, 1000)
    add("hsv_random_1000x1000", "hsv", {}, img, desc, lambda s: cv2.cvtColor(s, cv2.COLOR_BGR2HSV))
    img, desc = rand(17, 9)
    add("hsv_random_17x9", "hsv", {}, img, desc, lambda s: cv2.cvtColor(s, cv2.COLOR_BGR2HSV), store=True)
    edges = hsv_edge_image()
    stored["hsv_edges_input.npy"] = edges
    add("hsv_edges", "hsv", {}, edges, {"npy": "hsv_edges_input.npy"},
        lambda s: cv2.cvtColor(s, cv2.COLOR_BGR2HSV), store=True)
    add("hsv_cube", "hsv", {}, bgr_cube(), {"generator": "bgr_cube"},
        lambda s: cv2.cvtColor(s, cv2.COLOR_BGR2HSV))

    # Section 6: BGR -> RGB channel swap.
    img, desc = rand(33, 21)
    add("swap_33x21", "bgr2rgb", {}, img, desc, lambda s: cv2.cvtColor(s, cv2.COLOR_BGR2RGB))

    goldens = {
        "generator": "tools/reference/make_image_goldens.py",
        "prng": "splitmix64, little-endian bytes, (height, width, 3) C order",
        "cases": cases,
    }
    written = {}
    (FIXTURES / GOLDENS).write_text(json.dumps(goldens, indent=1) + "\n")
    written[GOLDENS] = (FIXTURES / GOLDENS).read_bytes()
    for file, array in sorted(stored.items()):
        np.save(FIXTURES / file, np.ascontiguousarray(array))
        written[file] = (FIXTURES / file).read_bytes()
    manifest = {
        "generator": "tools/reference/make_image_goldens.py",
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(written.items())},
    }
    (FIXTURES / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")

    for name, data in sorted(written.items()):
        print(f"wrote {FIXTURES.relative_to(ROOT) / name} ({len(data)} bytes)")
    print(f"wrote {FIXTURES.relative_to(ROOT) / MANIFEST}")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({errors} where OpenCV raises), OpenCV {cv2.__version__}, NumPy {np.__version__}",
          file=sys.stdout)


if __name__ == "__main__":
    main()
