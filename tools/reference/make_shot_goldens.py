"""Scene-detection goldens from PySceneDetect 0.6.7.1 itself (docs/reference/pipeline.md §7).

Runs the reference's own scene-detection code (``VideoManager`` + ``SceneManager(StatsManager())``
+ ``ContentDetector()``, as ``SyncNetPipeline.inference`` step 5 does) on

* real clips of ``../shared/data`` (the original files; where OpenCV's decode differs from the
  ffmpeg CLI's bgr24 — which SyncBench's decoder reproduces bit for bit — also on a lossless FFV1
  copy of the ffmpeg CLI's pictures, so the Swift test can feed exactly the pictures OpenCV saw),
* synthetic clips assembled from pictures of those clips (hard cuts, 1–3-frame flashes, cuts
  closer than 15 frames, a cut before frame 15, a 512×512 crop that takes OpenCV's exact-2×
  resize path), written losslessly (FFV1, bgr0) so both sides decode identical pixels,
* hand-made score sequences fed straight into ``ContentDetector.process_frame`` (the library's
  threshold test and merge flash filter, with the score computation replaced),

and writes ``Tests/PipelineTests/Fixtures/shots.json``. Run from the repository root:

    tools/reference/.venv/bin/python tools/reference/make_shot_goldens.py

Deterministic: running it again writes the same file. Needs the ``ffmpeg`` CLI (5.1) on PATH.
"""

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import scenedetect
from scenedetect import ContentDetector, SceneManager, StatsManager
from scenedetect.scene_manager import get_scenes_from_cuts
from scenedetect.video_manager import VideoManager

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_image_goldens import splitmix64_bytes  # noqa: E402  (the generator TestSupport mirrors)

ROOT = Path(__file__).resolve().parents[2]
DATA = (ROOT / ".." / "shared" / "data").resolve()
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "shots.json"
DIGEST_CHARS = 16  # 64-bit prefixes of SHA-256: enough to prove equal pixels, keeps the file small


def digest(frame: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(frame, dtype=np.uint8).tobytes()).hexdigest()[:DIGEST_CHARS]


def ffmpeg_pictures(path: Path) -> list:
    """Every picture of the first video stream as the ffmpeg CLI's bgr24 (decoder output order,
    no frame-rate conversion): what SyncBench's ``VideoDecoder`` returns for each source picture."""
    cap = cv2.VideoCapture(str(path))
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough",
         "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
        capture_output=True, check=True).stdout
    return list(np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3))


def write_lossless(frames: list, path: Path) -> None:
    """FFV1 with bgr0 pixels in AVI at 25 fps: OpenCV's bgr24 of it is the input bytes exactly."""
    h, w = frames[0].shape[:2]
    proc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}",
         "-r", "25", "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", str(path)],
        stdin=subprocess.PIPE)
    for f in frames:
        proc.stdin.write(np.ascontiguousarray(f).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0, f"ffmpeg failed writing {path}"


def detect(path: Path) -> dict:
    """The reference's step 5 on ``path``, recording what the detector saw and computed."""
    vm = VideoManager([str(path)])
    stats = StatsManager()
    sm = SceneManager(stats)
    detector = ContentDetector()
    sm.add_detector(detector)

    seen = []  # digests of the full-size BGR frames OpenCV returned, in order
    read = vm.read

    def recording_read(decode=True, advance=True):
        frame = read(decode=decode, advance=advance)
        if decode and frame is not False:
            seen.append(digest(frame))
        return frame

    vm.read = recording_read

    processed = []  # (frame_num, score returned by the detector) per frame
    process = detector.process_frame

    def recording_process(frame_num, frame_img):
        cuts = process(frame_num, frame_img)
        processed.append((frame_num, detector._frame_score, frame_img.shape[1], frame_img.shape[0]))
        return cuts

    detector.process_frame = recording_process

    vm.start()
    sm.detect_scenes(frame_source=vm)
    library_scenes = sm.get_scene_list(vm.get_base_timecode())
    # The pipeline's substitution when the library reports no scene.
    scenes = library_scenes or [(vm.get_base_timecode(), vm.get_current_timecode())]
    n = len(seen)
    assert [p[0] for p in processed] == list(range(n)), "frame numbers are not 0, 1, 2, …"
    assert vm.get_current_timecode().get_frames() == n
    # Frame 0 has no content_val in the stats (the detector returns 0.0 before recording);
    # every other frame's stats value is the score the detector returned.
    assert not stats.metrics_exist(0, ["content_val"]) if n else True
    for frame_num, score, _, _ in processed[1:]:
        assert stats.get_metrics(frame_num, ["content_val"])[0] == score
    vm.release()
    return {
        "frames": n,
        "processing_size": [processed[0][2], processed[0][3]] if processed else None,
        "frame_sha256_16": seen,
        "content_val": [p[1] for p in processed],
        "cuts": [c.frame_num for c in sm.get_cut_list()],
        "library_scenes": [[s.frame_num, e.frame_num] for s, e in library_scenes],
        "scenes": [[s.frame_num, e.frame_num] for s, e in scenes],
    }


def clip_case(name: str, rel: str, tmp: Path) -> dict:
    """A real clip, as in the clean profile: the detector sees the source pictures."""
    path = DATA / rel
    pictures = ffmpeg_pictures(path)
    expected = [digest(p) for p in pictures]
    direct = detect(path)
    case = {"name": name, "kind": "clip", "clip": rel, "width": int(pictures[0].shape[1]),
            "height": int(pictures[0].shape[0])}
    mismatched = [i for i, (a, b) in enumerate(zip(direct["frame_sha256_16"], expected)) if a != b]
    if direct["frames"] == len(expected) and not mismatched:
        case["detector_input"] = "original file (OpenCV's decode equals the ffmpeg CLI's bgr24)"
        case.update(direct)
        return case
    # OpenCV (its bundled FFmpeg) decodes some picture differently: run the library on a lossless
    # copy of the ffmpeg CLI's pictures, and keep the direct run's outcome for the record.
    lossless = tmp / f"{name}.avi"
    write_lossless(pictures, lossless)
    exact = detect(lossless)
    assert exact["frame_sha256_16"] == expected
    case["detector_input"] = "lossless copy of the ffmpeg CLI's pictures (OpenCV's decode of the original differs)"
    case.update(exact)
    case["opencv_original"] = {
        "frames": direct["frames"],
        "mismatched_frames": mismatched,
        "max_abs_pixel_difference": max(
            int(np.abs(a.astype(np.int32) - b).max())
            for a, b in zip(opencv_pictures(path), pictures)),
        "max_abs_score_difference": max(
            abs(a - b) for a, b in zip(direct["content_val"], exact["content_val"])),
        "cuts": direct["cuts"],
        "scenes": direct["scenes"],
    }
    return case


def opencv_pictures(path: Path) -> list:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def recipe_case(name: str, sources: list, recipe: list, tmp: Path, crop=None, note="") -> dict:
    """A synthetic clip: ``recipe`` lists, per frame, ``[source, picture]`` (a picture of one of
    ``sources``, ffmpeg CLI bgr24) or ``[-1, b, g, r]`` (a solid frame); ``crop`` = [x, y, w, h]
    is applied to every source picture."""
    pictures = [ffmpeg_pictures(DATA / s) for s in sources]
    frames = []
    for entry in recipe:
        if entry[0] < 0:
            h, w = (crop[3], crop[2]) if crop else pictures[0][0].shape[:2]
            frames.append(np.full((h, w, 3), entry[1:], np.uint8))
        else:
            p = pictures[entry[0]][entry[1]]
            if crop:
                x, y, w, h = crop
                p = p[y:y + h, x:x + w]
            frames.append(np.ascontiguousarray(p))
    path = tmp / f"{name}.avi"
    write_lossless(frames, path)
    result = detect(path)
    assert result["frame_sha256_16"] == [digest(f) for f in frames], name
    case = {"name": name, "kind": "recipe", "note": note, "sources": sources, "crop": crop,
            "recipe": recipe, "width": int(frames[0].shape[1]), "height": int(frames[0].shape[0])}
    case.update(result)
    return case


def generated_frames(spec: dict) -> list:
    """Frames needing no shared data: segment ``s`` repeats the SplitMix64 image of seed
    ``seeds[s]`` (``width``×``height``, bytes in (h, w, 3) order), and in frame k the first
    ``noise_rows`` rows are replaced by the SplitMix64 bytes of seed ``1000 + k`` (small motion)."""
    w, h, rows = spec["width"], spec["height"], spec["noise_rows"]
    frames = []
    for seed, length in zip(spec["seeds"], spec["lengths"]):
        base = splitmix64_bytes(seed, w * h * 3).reshape(h, w, 3)
        for _ in range(length):
            f = base.copy()
            k = len(frames)
            f[:rows] = splitmix64_bytes(1000 + k, rows * w * 3).reshape(rows, w, 3)
            frames.append(f)
    return frames


def generated_case(name: str, spec: dict, tmp: Path, note: str) -> dict:
    frames = generated_frames(spec)
    path = tmp / f"{name}.avi"
    write_lossless(frames, path)
    result = detect(path)
    assert result["frame_sha256_16"] == [digest(f) for f in frames], name
    case = {"name": name, "kind": "generated", "note": note, "generated": spec,
            "width": spec["width"], "height": spec["height"]}
    case.update(result)
    return case


def library_cuts(scores: list, threshold=27.0, min_scene_len=15) -> list:
    """The library's ``ContentDetector.process_frame`` (threshold test + merge flash filter) on
    given scores: only the score computation is replaced."""
    detector = ContentDetector(threshold=threshold, min_scene_len=min_scene_len)
    it = iter(scores)
    detector._calculate_frame_score = lambda frame_num, frame_img: next(it)
    cuts = []
    for n in range(len(scores)):
        cuts += detector.process_frame(n, None)
    return cuts


def score_sequences() -> list:
    lo, hi = 0.0, 40.0
    seqs = []

    def add(name, scores, **kw):
        seqs.append({"name": name, "scores": scores, "threshold": kw.get("threshold", 27.0),
                     "min_scene_len": kw.get("min_scene_len", 15),
                     "cuts": library_cuts(scores, **kw)})
        cuts = seqs[-1]["cuts"]
        seqs[-1]["scenes"] = ([list(sc) for sc in get_scenes_from_cuts(cuts, 0, len(scores))]
                              if cuts else None)

    def at(n, above, value=hi):
        s = [lo] * n
        for a in above:
            s[a] = value
        return s

    add("empty", [])
    add("one frame", [0.0])
    add("single cut at 30", at(60, [30]))
    add("candidate before frame 15 is ignored", at(60, [10]))
    add("candidate exactly at frame 15", at(60, [15]))
    add("candidate at frame 14", at(60, [14]))
    add("score exactly at threshold counts", at(60, [20], 27.0))
    add("score just below threshold", at(60, [20], 26.999999999999996))
    add("two cuts 15 apart", at(80, [20, 35]))
    add("two candidates 14 apart: merge", at(80, [20, 34]))
    add("flash of one frame after a cut", at(80, [20, 25]))
    add("flash of three frames after a cut", at(80, [20, 25, 26, 27]))
    add("merge run long enough", at(100, [20, 25, 30, 36, 41]))
    add("merge still open at the end", at(50, [20, 25, 30, 36]))
    add("merge closes at the last frame", at(57, [20, 25, 41]))
    add("dense candidates", at(120, list(range(16, 120, 3))))
    add("every frame above", [hi] * 70)
    add("min_scene_len 0", at(30, [0, 1, 5]), min_scene_len=0)
    add("threshold 0: every frame above, never 15 apart", [0.0] * 40, threshold=0.0)
    add("min_scene_len 1", at(30, [1, 2, 4, 5, 9]), min_scene_len=1)
    rng = np.random.default_rng(20250601)
    for k in range(3):
        s = [float(v) for v in np.where(rng.random(300) < 0.12, rng.uniform(27, 60, 300), rng.uniform(0, 27, 300))]
        add(f"random {k}", s)
    return seqs


def main() -> None:
    if not (DATA / "example.avi").exists():
        sys.exit(f"needs the shared test data at {DATA}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        cases = [
            generated_case(
                "generated-300x170",
                {"width": 300, "height": 170, "noise_rows": 6, "seeds": [11, 12, 11, 13, 14],
                 "lengths": [18, 2, 14, 20, 20]},
                tmp, note="SplitMix64 images (no shared data needed): cut at 18, 2-frame flash, "
                          "a cut 14 frames into the merge (merged away), then one at 54 emitted 15 frames later"),
            clip_case("example", "example.avi", tmp),
            clip_case("mocha-01", "four-models/MoCha/01.mp4", tmp),
            clip_case("mochabench-mini-1p-closeup", "mochabench-mini/mocha-generation/1p_closeup_facingcamera/"
                      + sorted(p.name for p in (DATA / "mochabench-mini/mocha-generation/1p_closeup_facingcamera").glob("*.mp4"))[0], tmp),
            clip_case("sadtalker-01", "four-models/SadTalker/01.mp4", tmp),
            clip_case("hallo3-01", "four-models/hallo3/01.mp4", tmp),
        ]
        a, b, c = "four-models/MoCha/01.mp4", "four-models/hallo3/02.mp4", "example.avi"
        # Hard cuts and flashes between different clips (same size: MoCha and example are 976×528).
        cases.append(recipe_case(
            "cuts-and-flashes", [a, c],
            [[0, i] for i in range(0, 20)] + [[1, i] for i in range(0, 20)]        # cut at 20
            + [[0, 40]] + [[1, i] for i in range(20, 30)]                          # 1-frame flash at 40
            + [[0, i] for i in range(60, 63)] + [[1, i] for i in range(30, 45)]    # 3-frame flash
            + [[0, i] for i in range(80, 92)] + [[1, i] for i in range(45, 70)]    # cuts 12 apart
            + [[-1, 255, 255, 255]] + [[1, i] for i in range(70, 90)]              # white flash
            + [[0, i] for i in range(100, 115)],                                   # cut 20 after
            tmp, note="hard cuts, 1- and 3-frame flashes, two cuts 12 frames apart, a white flash"))
        cases.append(recipe_case(
            "early-cut", [a, c],
            [[0, i] for i in range(0, 8)] + [[1, i] for i in range(0, 30)] + [[0, i] for i in range(40, 60)],
            tmp, note="a cut at frame 8 (< 15, ignored), then one at 38"))
        cases.append(recipe_case(
            "no-cut-short", [c], [[0, i] for i in range(0, 12)], tmp, note="12 frames, no cut: fallback scene"))
        cases.append(recipe_case("one-frame", [c], [[0, 5]], tmp, note="a single frame"))
        cases.append(recipe_case(
            "square-512", [a, c],
            [[0, i] for i in range(0, 30)] + [[1, i] for i in range(0, 30)] + [[-1, 0, 0, 0]] * 2 + [[1, i] for i in range(30, 50)],
            tmp, crop=[232, 8, 512, 512],
            note="512x512 crops: 512/256 = 2 exactly, OpenCV's INTER_AREA fast path"))
        cases.append(recipe_case(
            "small-200x150", [c, a],
            [[0, i] for i in range(0, 25)] + [[1, i] for i in range(0, 25)], tmp, crop=[388, 120, 200, 150],
            note="longer side below 256: no downscale"))
        cases.append(recipe_case(
            "hallo3-cuts", [b, "four-models/hallo3/03.mp4"],
            [[0, i] for i in range(0, 30)] + [[1, i] for i in range(0, 30)] + [[0, i] for i in range(30, 60)],
            tmp, note="720x480 (factor 2.8125, 256x171)"))
    golden = {
        "generator": "tools/reference/make_shot_goldens.py",
        "versions": {"scenedetect": scenedetect.__version__, "opencv": cv2.__version__,
                     "numpy": np.__version__,
                     "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]},
        "cases": cases,
        "score_sequences": score_sequences(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
    for case in cases:
        extra = f" | OpenCV on original: {case['opencv_original']}" if "opencv_original" in case else ""
        print(f"  {case['name']}: {case['frames']} frames {case['processing_size']}, cuts {case['cuts']}, "
              f"scenes {case['scenes']}{extra}")
    for s in golden["score_sequences"]:
        print(f"  scores '{s['name']}': cuts {s['cuts']}")


if __name__ == "__main__":
    main()
