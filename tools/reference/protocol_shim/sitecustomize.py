"""Loaded by every Python process that `make_protocol_goldens.py` starts (it puts this folder first
on PYTHONPATH), so that the UPSTREAM scripts run unmodified, as their own shell commands, with only
these changes:

* S3FD: the modules `detectors` (joonson, Wav2Lip, MOVA) and `eval.detectors` (LatentSync) are
  replaced by a stand-in whose `S3FD(...).detect_faces(image, ...)` returns, for its n-th call, the
  boxes of frame n of the shared boxes file of the video being processed (as an (k, 5) float64
  array `x1, y1, x2, y2, conf`, the shape S3FD returns). The upstream loop calls it once per JPEG of
  its sorted frame list, so call n is frame n of the timeline the profile decodes. The video comes
  from the command line (`--videofile` / `--video_path`) and is looked up (realpath) in the JSON
  map named by $PROTO_BOXES. The real S3FD cannot run anyway: it imports torchvision, which the
  pinned environment does not have, and the official weights are unavailable.
* CUDA: `torch.nn.Module.cuda` and `torch.Tensor.cuda` return self (CPU, fp32, same arithmetic).
* LatentSync's `latentsync.utils.util` (it imports matplotlib, decord, einops, ... for unrelated
  code) is replaced by its two functions the eval code uses: `red_text` (same text) and
  `check_model_and_download` (a no-op when the file exists, as upstream).

Nothing else changes. To record what upstream computes at full precision, observers are added
(they never change a value): the `evaluate` methods of joonson's `SyncNetInstance`, Wav2Lip's /
MOVA's `SyncNetInstance_calc_scores.SyncNetInstance` and LatentSync's `SyncNetEval` append their
return values to the JSON-lines file $PROTO_RECORD, with the count and digest of the JPEGs and the
audio they scored; `run_pipeline.py` processes append their tracks / scenes / frame counts at exit;
LatentSync's `track_face` / `scene_detect` results are appended too.
"""

import atexit
import glob
import hashlib
import importlib.abc
import json
import os
import pickle
import sys
import types

_RECORD = os.environ.get("PROTO_RECORD")
_ACTIVE = bool(os.environ.get("PROTO_BOXES"))


def _record(event):
    if not _RECORD:
        return
    event["argv"] = sys.argv
    with open(_RECORD, "a") as f:
        f.write(json.dumps(event) + "\n")


def _sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def _jpeg_digest(folder, full=False):
    """Count of *.jpg in folder, and SHA-256 over the concatenated hex SHA-256s of the sorted files."""
    files = sorted(glob.glob(os.path.join(folder, "*.jpg")))
    shas = [_sha_file(p) for p in files]
    out = {"count": len(files), "list_sha256": hashlib.sha256("".join(shas).encode()).hexdigest()}
    if full:
        out["sha256"] = shas
    return out


def _wav_info(path):
    if not os.path.exists(path):
        return None
    from scipy.io import wavfile

    rate, audio = wavfile.read(path)
    return {"rate": int(rate), "samples": int(len(audio)), "sha256": _sha_file(path)}


def _arg(name):
    argv = sys.argv
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


# ---------------------------------------------------------------- S3FD replaced by a boxes file


def _boxes_for_current_video():
    video = _arg("--videofile") or _arg("--video_path")
    mapping = json.load(open(os.environ["PROTO_BOXES"]))
    key = os.path.realpath(video) if video else None
    path = mapping.get(key)
    if path is None:
        raise SystemExit("protocol_shim: no boxes file for %r in %s" % (key, os.environ["PROTO_BOXES"]))
    frames = {}
    for det in json.load(open(path)):
        frames.setdefault(int(det["frame"]), []).append(list(det["bbox"]) + [det["conf"]])
    return path, frames


class S3FD:
    """Stand-in for S3FD: call n of detect_faces returns the boxes of frame n of the boxes file."""

    def __init__(self, device="cuda"):
        import numpy as np

        self._np = np
        self.device = device
        self.boxes_path, self.frames = _boxes_for_current_video()
        self.calls = 0
        atexit.register(self._report)

    def detect_faces(self, image, conf_th=0.8, scales=[1]):
        rows = self.frames.get(self.calls, [])
        self.calls += 1
        if not rows:
            return self._np.empty(shape=(0, 5))
        return self._np.array(rows, dtype=self._np.float64)

    def _report(self):
        _record({"event": "detector", "boxes": self.boxes_path, "calls": self.calls,
                 "frames_in_boxes_file": (max(self.frames) + 1) if self.frames else 0})


def _install_modules():
    det = types.ModuleType("detectors")
    det.S3FD = S3FD
    sys.modules["detectors"] = det
    sys.modules["eval.detectors"] = det

    util = types.ModuleType("latentsync.utils.util")
    CRED, CEND = "\033[91m", "\033[0m"
    util.red_text = lambda text: f"{CRED}{text}{CEND}"

    def check_model_and_download(ckpt_path, huggingface_model_id="ByteDance/LatentSync-1.5"):
        if not os.path.exists(ckpt_path):
            raise SystemExit("protocol_shim: missing %s (upstream would download it)" % ckpt_path)

    util.check_model_and_download = check_model_and_download
    pkg = types.ModuleType("latentsync")
    pkg.__path__ = []
    sub = types.ModuleType("latentsync.utils")
    sub.__path__ = []
    pkg.utils, sub.util = sub, util
    sys.modules.update({"latentsync": pkg, "latentsync.utils": sub, "latentsync.utils.util": util})


def _cuda_to_cpu():
    import torch

    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.Tensor.cuda = lambda self, *a, **k: self


# ---------------------------------------------------------------- observers


def _plain(x):
    import numpy as np
    import torch

    if isinstance(x, torch.Tensor):
        x = x.numpy()
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return {"value": float(x), "dtype": str(x.dtype), "str": str(x)}
    if isinstance(x, (int, float)):
        return {"value": x, "dtype": type(x).__name__, "str": str(x)}
    return {"repr": repr(x)}


def _wrap_syncnet_instance(module):
    cls = module.SyncNetInstance
    orig = cls.evaluate

    def evaluate(self, opt, videofile):
        import numpy as np
        import torch

        result = orig(self, opt, videofile)
        offset, conf, third = result
        event = {"event": "evaluate", "module": module.__name__, "videofile": videofile,
                 "offset": _plain(offset), "conf": _plain(conf)}
        if isinstance(third, np.ndarray) and third.ndim == 2:
            # joonson returns the distance matrix; its min distance is derived with the same ops
            # as evaluate (stack on dim 1, mean over dim 1, min) on the same float32 values.
            dists = [torch.from_numpy(row) for row in third]
            mdist = torch.mean(torch.stack(dists, 1), 1)
            minval, minidx = torch.min(mdist, 0)
            event["minval"] = _plain(minval)
            event["mdist"] = [float(v) for v in mdist.numpy()]
            event["dists_shape"] = list(third.shape)
        else:
            event["minval"] = _plain(third)
        tmp = os.path.join(opt.tmp_dir, opt.reference)
        full = os.environ.get("PROTO_FULL_JPEGS") == os.path.basename(videofile)
        event["jpegs"] = _jpeg_digest(tmp, full=full)
        event["audio"] = _wav_info(os.path.join(tmp, "audio.wav"))
        event["videofile_sha256"] = _sha_file(videofile)
        _record(event)
        return result

    cls.evaluate = evaluate


def _wrap_syncnet_eval(module):
    cls = module.SyncNetEval
    orig = cls.evaluate
    seen = {}

    def rmtree(path, *a, **k):
        # evaluate deletes its temp folder before returning: note what it scored first.
        seen["jpegs"] = _jpeg_digest(path)
        seen["audio"] = _wav_info(os.path.join(path, "audio.wav"))
        return orig_rmtree(path, *a, **k)

    orig_rmtree = module.rmtree
    module.rmtree = rmtree

    def evaluate(self, video_path, temp_dir="temp", batch_size=20, vshift=15):
        seen.clear()
        result = orig(self, video_path, temp_dir=temp_dir, batch_size=batch_size, vshift=vshift)
        av_offset, min_dist, conf = result
        _record({"event": "evaluate", "module": module.__name__, "videofile": video_path,
                 "offset": _plain(av_offset), "minval": _plain(min_dist), "conf": _plain(conf),
                 "jpegs": seen.get("jpegs"), "audio": seen.get("audio"),
                 "videofile_sha256": _sha_file(video_path)})
        return result

    cls.evaluate = evaluate


def _wrap_latentsync_detect(module):
    cls = module.SyncNetDetector
    orig_track, orig_scene = cls.track_face, cls.scene_detect

    def track_face(self, scenefaces, *a, **k):
        tracks = orig_track(self, scenefaces, *a, **k)
        _record({"event": "tracks", "tracks": [[int(t["frame"][0]), int(t["frame"][-1])] for t in tracks]})
        return tracks

    def scene_detect(self, video_dir):
        scenes = orig_scene(self, video_dir)
        _record({"event": "scenes", "scenes": [[s[0].frame_num, s[1].frame_num] for s in scenes]})
        return scenes

    cls.track_face, cls.scene_detect = track_face, scene_detect


_TARGETS = {
    "SyncNetInstance": _wrap_syncnet_instance,
    "SyncNetInstance_calc_scores": _wrap_syncnet_instance,
    "eval.syncnet.syncnet_eval": _wrap_syncnet_eval,
    "eval.syncnet_detect": _wrap_latentsync_detect,
}


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _TARGETS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            _TARGETS[name](module)

        spec.loader.exec_module = patched
        return spec


def _pipeline_report():
    """At the exit of a run_pipeline.py process: its scenes, tracks, frames and crops."""
    data_dir, ref = _arg("--data_dir") or "data/work", _arg("--reference") or ""
    work = os.path.join(data_dir, "pywork", ref)
    event = {"event": "pipeline", "min_track": _arg("--min_track"),
             "frames": _jpeg_digest(os.path.join(data_dir, "pyframes", ref)),
             "audio": _wav_info(os.path.join(data_dir, "pyavi", ref, "audio.wav"))}
    avi = os.path.join(data_dir, "pyavi", ref, "video.avi")
    if os.path.exists(avi):
        event["video_avi_sha256"] = _sha_file(avi)
    try:
        scenes = pickle.load(open(os.path.join(work, "scene.pckl"), "rb"))
        event["scenes"] = [[s[0].frame_num, s[1].frame_num] for s in scenes]
    except Exception as e:  # noqa: BLE001
        event["scenes_error"] = repr(e)
    try:
        tracks = pickle.load(open(os.path.join(work, "tracks.pckl"), "rb"))
        event["tracks"] = [[int(t["track"]["frame"][0]), int(t["track"]["frame"][-1])] for t in tracks]
    except Exception as e:  # noqa: BLE001
        event["tracks_error"] = repr(e)
    crops = sorted(glob.glob(os.path.join(data_dir, "pycrop", ref, "0*.avi")))
    event["crops"] = [{"name": os.path.basename(c), "sha256": _sha_file(c)} for c in crops]
    _record(event)


if _ACTIVE:
    _install_modules()
    _cuda_to_cpu()
    sys.meta_path.insert(0, _Hook())
    if sys.argv and os.path.basename(sys.argv[0]) == "run_pipeline.py":
        atexit.register(_pipeline_report)
