#!/usr/bin/env python3
"""Golden outputs of the reference SyncNet and S3FD (syncnet-python 0.2.3, torch CPU) with the
stand-in weights of standin_weights.py, for Tests/ModelsTests.

What is written to Tests/ModelsTests/Fixtures/networks/ (all deterministic, float32 .npy):

* standin_digests.json: SHA-256 of every stand-in tensor's little-endian bytes (and of all of
  them concatenated in state-dict order, num_batches_tracked excluded), so the Swift generator is
  checked bit for bit.
* syncnet_random_{lip,audio}.npy: lip and audio embeddings of random windows. Lip windows are the
  first 2*3*5*224*224 bytes of SplitMix64(seed 0x11D) as uint8 values 0..255 in N,C,T,H,W order;
  audio windows are 4*13*20 values float32(20 * (2u - 1)), u = (out >> 11) * 2**-53 of
  SplitMix64(seed 0xA0D10).
* syncnet_real_{lip,audio}.npy: embeddings of two 5-frame windows of real face crops from
  ../shared/data/example.avi (frames 40-44 and 80-84, decoded by the ffmpeg CLI to bgr24, one
  square crop per frame around example_boxes.json, cv2.resize to 224x224 INTER_LINEAR) and of the
  matching MFCC windows of example_speech.wav (python_speech_features, 4v .. 4v+19).
  networks.json records the crop rectangles and SHA-256 of the crops and of the frames.
* s3fd_<case>_{loc,conf}.npy: head outputs ([P, 4] and [P, 2] logits after the max-out of
  source 0, before softmax) for real frames (example.avi frames 0 and 60 at 244x132, hallo3/01.mp4
  frame 10 at 180x120) and one random input (64x48 network input, values float32(128 * (2u - 1))
  of SplitMix64(seed 0x53FD)); s3fd_<case>_detect.npy: the Detect rows ([score, x1, y1, x2, y2],
  every row with a non-zero score); networks.json: detect_faces results at conf_th 0.9 and 0.05.

Run from the repository root: tools/reference/.venv/bin/python tools/reference/make_network_goldens.py
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import python_speech_features
import scipy.io.wavfile
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import standin_weights as sw  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "networks"
DATA = ROOT.parent / "shared" / "data"

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)


def sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def save(name: str, array: np.ndarray) -> None:
    path = OUT / name
    np.save(path, np.ascontiguousarray(array))
    print("wrote", path.relative_to(ROOT))


def uniform(seed: int, count: int) -> np.ndarray:
    bits = sw.splitmix64_stream(seed, count)
    return (bits >> np.uint64(11)).astype(np.float64) * (2.0**-53)


def decode_frames(path: Path, count: int) -> np.ndarray:
    """The first `count` decoded pictures as bgr24 (the ffmpeg CLI, no rate conversion)."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "csv=p=0", str(path)], check=True, capture_output=True, text=True).stdout.strip()
    width, height = map(int, probe.split(","))
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", str(count), "-f", "rawvideo",
         "-pix_fmt", "bgr24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(count, height, width, 3)


def standin_digests(results: dict) -> None:
    out = {}
    for name, module in (("syncnet", sw.syncnet_module()), ("s3fd", sw.s3fd_module())):
        total = hashlib.sha256()
        tensors = {}
        for key, value in module.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            data = value.detach().numpy().astype("<f4").tobytes()
            tensors[key] = hashlib.sha256(data).hexdigest()
            total.update(data)
        out[name] = {"all": total.hexdigest(), "tensors": tensors}
    results["standin_digests"] = out


def syncnet_goldens(results: dict) -> None:
    net = sw.syncnet_module()
    lip = np.frombuffer(
        sw.splitmix64_stream(0x11D, (2 * 3 * 5 * 224 * 224 + 7) // 8).astype("<u8").tobytes(), np.uint8
    )[: 2 * 3 * 5 * 224 * 224].reshape(2, 3, 5, 224, 224).astype(np.float32)
    audio = (20.0 * (2.0 * uniform(0xA0D10, 4 * 13 * 20) - 1.0)).astype(np.float32).reshape(4, 1, 13, 20)
    with torch.no_grad():
        save("syncnet_random_lip.npy", net.forward_lip(torch.from_numpy(lip)).numpy())
        save("syncnet_random_audio.npy", net.forward_aud(torch.from_numpy(audio)).numpy())

    # Real crops: square crops around the hand-annotated boxes, resized like docs/reference/pipeline.md §9.3.
    frames = decode_frames(DATA / "example.avi", 85)
    boxes = {b["frame"]: b["bbox"] for b in json.loads((DATA / "example_boxes.json").read_text())}
    height, width = frames.shape[1:3]
    windows, crops_meta = [], []
    for start in (40, 80):
        window = []
        for t in range(start, start + 5):
            x1, y1, x2, y2 = boxes[t]
            side = int(max(x2 - x1, y2 - y1) * 0.8)
            cx, cy = int((x1 + x2) / 2), int((y1 + y2) / 2) + side // 4  # lower half of the face
            left = min(max(cx - side // 2, 0), width - side)
            top = min(max(cy - side // 2, 0), height - side)
            crop = cv2.resize(frames[t, top:top + side, left:left + side], (224, 224))
            window.append(crop)
            crops_meta.append({"frame": t, "x": left, "y": top, "side": side,
                               "frame_sha256": sha(frames[t]), "crop_sha256": sha(crop)})
        windows.append(np.stack(window))  # T, H, W, C (BGR)
    lip = np.stack(windows).transpose(0, 4, 1, 2, 3).astype(np.float32)  # N, C, T, H, W
    rate, speech = scipy.io.wavfile.read(DATA / "example_speech.wav")
    mfcc = np.stack(python_speech_features.mfcc(speech, rate)).T  # 13 x F (float64)
    audio = np.stack([mfcc[:, 4 * v:4 * v + 20] for v in (40, 80)])[:, None].astype(np.float32)
    with torch.no_grad():
        save("syncnet_real_lip.npy", net.forward_lip(torch.from_numpy(lip)).numpy())
        save("syncnet_real_audio.npy", net.forward_aud(torch.from_numpy(audio)).numpy())
    results["syncnet_real"] = {"crops": crops_meta, "windows": [40, 80], "audio_sha256": sha(audio)}


def s3fd_heads(net, x: torch.Tensor):
    """loc [P, 4] and conf [P, 2] logits exactly as S3FDNet.forward builds them."""
    captured = {}
    net.detect.forward = lambda loc, conf, priors, _orig=net.detect.forward: captured.update(
        loc=loc, conf=conf, priors=priors) or _orig(loc, conf, priors)
    # The forward softmaxes conf before Detect; recover the logits with a hook on the heads.
    logits = []
    hooks = [m.register_forward_hook(lambda m, i, o: logits.append((m, o))) for m in net.conf]
    with torch.no_grad():
        detections = net(x)
    for h in hooks:
        h.remove()
    del net.detect.forward
    by_module = {id(m): o for m, o in logits}
    conf = []
    for k, m in enumerate(net.conf):
        o = by_module[id(m)]
        if k == 0:
            o = torch.cat((torch.max(o[:, 0:3], dim=1, keepdim=True)[0], o[:, 3:]), dim=1)
        conf.append(o.permute(0, 2, 3, 1).reshape(-1, 2))
    return captured["loc"][0].numpy(), torch.cat(conf).numpy(), detections[0, 1].numpy()


def prepare(rgb_scaled: np.ndarray) -> torch.Tensor:
    """detect_faces' preparation of an already-scaled RGB image (nets/__init__.py)."""
    x = np.swapaxes(np.swapaxes(rgb_scaled, 1, 2), 1, 0)[[2, 1, 0]].astype("float32")
    x -= np.array([104.0, 117.0, 123.0])[:, None, None].astype("float32")
    return torch.from_numpy(np.ascontiguousarray(x[[2, 1, 0]])).unsqueeze(0)


def s3fd_goldens(results: dict) -> None:
    from syncnet_python.detectors.s3fd import S3FD

    net = sw.s3fd_module()
    detector = S3FD(net, device="cpu")
    cases = {}
    sources = [("example_f0", DATA / "example.avi", 0), ("example_f60", DATA / "example.avi", 60),
               ("hallo3_f10", DATA / "four-models" / "hallo3" / "01.mp4", 10)]
    for name, path, index in sources:
        frame = decode_frames(path, index + 1)[index]
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        scaled = cv2.resize(rgb, dsize=(0, 0), fx=0.25, fy=0.25, interpolation=cv2.INTER_LINEAR)
        loc, conf, rows = s3fd_heads(net, prepare(scaled))
        save(f"s3fd_{name}_loc.npy", loc)
        save(f"s3fd_{name}_conf.npy", conf)
        save(f"s3fd_{name}_detect.npy", rows[rows[:, 0] > 0])
        faces = {}
        for threshold in (0.9, 0.05):
            boxes = detector.detect_faces(rgb, conf_th=threshold, scales=[0.25])
            faces[str(threshold)] = [[float(v) for v in box] for box in boxes]
        cases[name] = {"video": str(path.relative_to(DATA)), "frame": index, "frame_sha256": sha(frame),
                       "network_input": list(scaled.shape[1::-1]), "scaled_sha256": sha(scaled),
                       "frame_size": [frame.shape[1], frame.shape[0]], "faces": faces}
    x = (128.0 * (2.0 * uniform(0x53FD, 3 * 48 * 64) - 1.0)).astype(np.float32).reshape(1, 3, 48, 64)
    loc, conf, rows = s3fd_heads(net, torch.from_numpy(x))
    save("s3fd_random_loc.npy", loc)
    save("s3fd_random_conf.npy", conf)
    save("s3fd_random_detect.npy", rows[rows[:, 0] > 0])
    results["s3fd"] = cases


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    standin_digests(results)
    syncnet_goldens(results)
    s3fd_goldens(results)
    results["versions"] = {"python": platform.python_version(), "torch": torch.__version__,
                           "numpy": np.__version__, "opencv": cv2.__version__}
    (OUT / "networks.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    manifest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(OUT.glob("*.npy"))}
    manifest["networks.json"] = hashlib.sha256((OUT / "networks.json").read_bytes()).hexdigest()
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print("wrote", (OUT / "networks.json").relative_to(ROOT), "and MANIFEST.json")


if __name__ == "__main__":
    main()
