#!/usr/bin/env python3
"""Goldens of the reference pipeline end to end (docs/reference/pipeline.md §1-§11) on the example clip, for
Tests/PipelineTests/EvaluatorParityTests: Fixtures/eval_example.json.

Runs syncnet_python 0.2.3's own `SyncNetPipeline.inference` (wheel code, CPU) on
../shared/data/example.avi + example_speech.wav with the stand-in weights of
`standin_weights.py`, and with S3FD's `detect_faces` replaced by the boxes of
../shared/data/example_boxes.json (frame i of the reference's JPEG list gets the boxes of frame i),
because S3FD with stand-in weights finds no face. Everything else is the reference's code: the
ffmpeg conversions, scene detection, tracker, `_crop` (XVID writer), re-extraction, and
`SyncNetInstance.evaluate`.

Recorded:
* `s3fd_run`: the same clip run again with the stand-in S3FD instead of the boxes (the full
  published pipeline): detections count, tracks (frames, every 10th box), offsets / confs / dists;
* `mpeg4_threads`, the slice-thread count the ffmpeg CLI gave the MPEG-4 encoder on this machine
  (the reference's frames depend on it; the Swift test pins its encoder to it);
* the returned offsets / confs / dists, and per track its frames and the SHA-256 of its float64
  boxes;
* per track, the SHA-256 of every crop before the XVID writer (the reference's `_crop` lines on
  its JPEG frames, copied verbatim) and after the round trip (cv2.imread of crop_NNNNN/*.jpg), and
  of the audio slice audio.wav;
* per track, what `evaluate` computes from the post-JPEG crops, and from the pre-XVID crops with
  the same audio slice (`evaluate_pre_xvid`), and from crops of the source pictures without the
  lossy MPEG-4/JPEG frame steps (`evaluate_clean_frames`, frames by the slot rule of §3.4) (its own lines, copied verbatim, returning
  the intermediate values it prints or discards): mdist (31 values), the frame-wise confidence,
  min_length, and the first and last lip / audio embeddings.

Usage: tools/reference/.venv/bin/python tools/reference/make_eval_goldens.py
"""

import glob
import hashlib
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import subprocess

import cv2
import numpy
import python_speech_features
import torch
from scipy import signal
from scipy.io import wavfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
import standin_weights as sw  # noqa: E402
from syncnet_python.SyncNetInstance import calc_pdist  # noqa: E402
from syncnet_python.syncnet_pipeline import SyncNetPipeline  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "eval_example.json"


def sha(array) -> str:
    return hashlib.sha256(numpy.ascontiguousarray(array).tobytes()).hexdigest()


def auto_slice_threads(height: int) -> int:
    """libavcodec's `threads=auto` for the ffmpeg CLI's slice-threaded MPEG-4 encoder
    (pthread_slice.c ff_slice_thread_init): the reference's pixels depend on it (docs/media.md)."""
    cpus = len(os.sched_getaffinity(0))
    cpus = min(cpus, (height + 15) // 16)
    return min(cpus + 1, 16) if cpus > 1 else 1


def evaluate_verbose(instance, tmp_dir, vshift, batch_size, images=None):
    """SyncNetInstance.evaluate's lines, verbatim, returning its intermediate values; `images`
    replaces the crop directory's JPEGs when given (the clean, pre-XVID crops)."""
    if images is None:
        images = []
        flist = glob.glob(os.path.join(tmp_dir, "*.jpg"))
        flist.sort()
        for fname in flist:
            images.append(cv2.imread(fname))
    im = numpy.stack(images, axis=3)
    im = numpy.expand_dims(im, axis=0)
    im = numpy.transpose(im, (0, 3, 4, 1, 2))
    imtv = torch.autograd.Variable(torch.from_numpy(im.astype(float)).float())
    sample_rate, audio = wavfile.read(os.path.join(tmp_dir, "audio.wav"))
    mfcc = zip(*python_speech_features.mfcc(audio, sample_rate))
    mfcc = numpy.stack([numpy.array(i) for i in mfcc])
    cc = numpy.expand_dims(numpy.expand_dims(mfcc, axis=0), axis=0)
    cct = torch.autograd.Variable(torch.from_numpy(cc.astype(float)).float())
    min_length = min(len(images), math.floor(len(audio) / 640))
    lastframe = min_length - 5
    im_feat = []
    cc_feat = []
    net = instance.__S__
    for i in range(0, lastframe, batch_size):
        im_batch = [imtv[:, :, vframe: vframe + 5, :, :] for vframe in range(i, min(lastframe, i + batch_size))]
        im_in = torch.cat(im_batch, 0)
        im_out = net.forward_lip(im_in)
        im_feat.append(im_out.data.cpu())
        cc_batch = [cct[:, :, :, vframe * 4: vframe * 4 + 20] for vframe in range(i, min(lastframe, i + batch_size))]
        cc_in = torch.cat(cc_batch, 0)
        cc_out = net.forward_aud(cc_in)
        cc_feat.append(cc_out.data.cpu())
    im_feat = torch.cat(im_feat, 0)
    cc_feat = torch.cat(cc_feat, 0)
    dists = calc_pdist(im_feat, cc_feat, vshift=vshift)
    mdist = torch.mean(torch.stack(dists, 1), 1)
    minval, minidx = torch.min(mdist, 0)
    offset = vshift - minidx
    conf = torch.median(mdist) - minval
    fdist = numpy.stack([dist[minidx].numpy() for dist in dists])
    fconf = torch.median(mdist).numpy() - fdist
    fconfm = signal.medfilt(fconf, kernel_size=9)
    return {
        "frames": len(images), "audio_samples": int(len(audio)), "min_length": int(min_length),
        "offset": int(offset), "conf": float(conf), "dist": float(minval),
        "mdist": [float(v) for v in mdist], "framewise": [float(v) for v in fconfm],
        "lip_first": [float(v) for v in im_feat[0]], "lip_last": [float(v) for v in im_feat[-1]],
        "audio_first": [float(v) for v in cc_feat[0]], "audio_last": [float(v) for v in cc_feat[-1]],
        "mfcc_sha256": sha(mfcc.astype(numpy.float64)),
    }


def main():
    boxes = json.loads((DATA / "example_boxes.json").read_text())
    by_frame = {}
    for b in boxes:
        by_frame.setdefault(b["frame"], []).append(b["bbox"] + [b["conf"]])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        torch.save(sw.standin_state_dict(sw.s3fd_module(), sw.S3FD_SEED), tmp / "sfd_face.pth")
        torch.save(sw.standin_state_dict(sw.syncnet_module(), sw.SYNCNET_SEED), tmp / "syncnet_v2.model")
        pipe = SyncNetPipeline(device="cpu", s3fd_weights=str(tmp / "sfd_face.pth"), syncnet_weights=str(tmp / "syncnet_v2.model"))
        calls = {"n": 0}

        def detect_faces(image, conf_th, scales):
            i = calls["n"]
            calls["n"] += 1
            return numpy.array(by_frame.get(i, []), dtype=numpy.float64).reshape(-1, 5)

        pipe.s3fd.detect_faces = detect_faces
        captured = {}
        original_track = pipe._track

        def track(dets):
            result = original_track(dets)
            captured.setdefault("tracks", []).extend(result)
            return result

        pipe._track = track
        work = tmp / "work"
        offsets, confs, dists, best_conf, min_dist, _, has_face = pipe.inference(
            str(DATA / "example.avi"), str(DATA / "example_speech.wav"), cache_dir=str(work))
        jpegs = sorted(glob.glob(str(work / "frames" / "*.jpg")))
        # The example's source pictures by input slot, from the ffmpeg CLI (constant-rate output:
        # the empty slot 1 repeats the next picture), and the JPEG -> input slot rule docs/reference/pipeline.md
        # §3.4 states for this clip: JPEGs 0, 1 show slot 0; JPEGs 2, 3 show slot 2; JPEG k >= 3
        # shows slot k - 1. These are the reference's frames without the lossy MPEG-4/JPEG steps.
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(DATA / "example.avi"), "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
                             check=True, capture_output=True).stdout
        slots = numpy.frombuffer(raw, numpy.uint8).reshape(-1, 528, 976, 3)
        clean_frames = [slots[0], slots[0], slots[2], slots[2]] + [slots[k - 1] for k in range(4, len(jpegs))]
        tracks = []
        for i, t in enumerate(captured["tracks"]):
            # --- SyncNetPipeline._crop's smoothing and cropping lines, verbatim (minus the writer) ---
            s, x, y = [], [], []
            for b in t["bbox"]:
                s.append(max(b[3] - b[1], b[2] - b[0]) / 2)
                x.append((b[0] + b[2]) / 2)
                y.append((b[1] + b[3]) / 2)
            s, x, y = map(lambda v: signal.medfilt(v, 13), (s, x, y))
            pre = []
            pre_crops = []
            clean_crops = []
            for j, fidx in enumerate(t["frame"]):
                img = cv2.imread(jpegs[fidx])
                if img is None:
                    continue
                bs = s[j]
                cs = 0.4
                pad = int(bs * (1 + 2 * cs))
                img_p = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(110, 110, 110))
                my, mx = y[j] + pad, x[j] + pad
                y1, y2 = int(my - bs), int(my + bs * (1 + 2 * cs))
                x1, x2 = int(mx - bs * (1 + cs)), int(mx + bs * (1 + cs))
                crop = cv2.resize(img_p[y1:y2, x1:x2], (224, 224))
                pre.append(sha(crop))
                pre_crops.append(crop)
                img_p = cv2.copyMakeBorder(clean_frames[fidx], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(110, 110, 110))
                clean_crops.append(cv2.resize(img_p[y1:y2, x1:x2], (224, 224)))
            # --- end of the reference's lines ---
            crop_dir = work / "cropped" / f"crop_{i:05d}"
            post = [sha(cv2.imread(f)) for f in sorted(glob.glob(str(crop_dir / "*.jpg")))]
            _, slice_audio = wavfile.read(crop_dir / "audio.wav")
            tracks.append({
                "first_frame": int(t["frame"][0]), "last_frame": int(t["frame"][-1]),
                "bbox_sha256": sha(numpy.asarray(t["bbox"], dtype=numpy.float64)),
                "pre_xvid_crop_sha256": pre, "post_jpeg_crop_sha256": post,
                "audio_slice_sha256": sha(slice_audio.astype("<i2")), "audio_slice_samples": int(len(slice_audio)),
                "evaluate": evaluate_verbose(pipe.syncnet, str(crop_dir), pipe.cfg.vshift, pipe.cfg.batch_size),
                "evaluate_pre_xvid": evaluate_verbose(pipe.syncnet, str(crop_dir), pipe.cfg.vshift, pipe.cfg.batch_size, pre_crops),
                "clean_frame_crop_sha256": [sha(c) for c in clean_crops],
                "evaluate_clean_frames": evaluate_verbose(pipe.syncnet, str(crop_dir), pipe.cfg.vshift, pipe.cfg.batch_size, clean_crops),
                "frame_jpeg_sha256": [sha(cv2.imread(jpegs[f])) for f in (t["frame"][0], t["frame"][-1])],
            })
        # A second run with the stand-in S3FD itself (no boxes): the detector finds faces (the
        # stand-in's confidence head is scaled so it does, docs/standin-weights.md), and the whole
        # pipeline runs as published. Records the tracks and the returned values.
        pipe_s3fd = SyncNetPipeline(device="cpu", s3fd_weights=str(tmp / "sfd_face.pth"), syncnet_weights=str(tmp / "syncnet_v2.model"))
        captured_s3fd = []
        original_track_s3fd = pipe_s3fd._track

        def track_s3fd(dets):
            result = original_track_s3fd(dets)
            captured_s3fd.extend(result)
            return result

        pipe_s3fd._track = track_s3fd
        s_offsets, s_confs, s_dists, _, _, s_json, _ = pipe_s3fd.inference(
            str(DATA / "example.avi"), str(DATA / "example_speech.wav"), cache_dir=str(tmp / "work_s3fd"))
        s3fd_run = {
            "offsets": [int(v) for v in s_offsets], "confs": [float(v) for v in s_confs], "dists": [float(v) for v in s_dists],
            "detections": len(json.loads(s_json)) if s_json else 0,
            "tracks": [{"first_frame": int(t["frame"][0]), "last_frame": int(t["frame"][-1]),
                        "bbox": [[float(v) for v in b] for b in t["bbox"][::10]]} for t in captured_s3fd],
        }
        result = {
            "s3fd_run": s3fd_run,
            "video": "example.avi", "speech": "example_speech.wav", "boxes": "example_boxes.json",
            "jpeg_frames": len(jpegs), "mpeg4_threads": auto_slice_threads(528), "offsets": [int(v) for v in offsets], "confs": [float(v) for v in confs],
            "dists": [float(v) for v in dists], "best_conf": float(best_conf), "min_dist": float(min_dist),
            "has_face": bool(has_face), "tracks": tracks,
        }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print("wrote", OUT.relative_to(ROOT), "offsets", result["offsets"], "conf", result["best_conf"], "dist", result["min_dist"])


if __name__ == "__main__":
    main()
