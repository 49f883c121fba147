#!/usr/bin/env python3
"""Goldens of the published LSE protocols, made by running the UPSTREAM code itself (issue #12).

Nothing upstream is copied into this repository: each subcommand takes the path of an upstream
checkout (`--upstream DIR`, from the `fetch` of the GitHub repository), copies the files the
protocol uses into a scratch folder (`--work`, default /tmp/syncbench-protocols), lays them out as
the upstream README says, and runs them as their own commands (`sh …sh`, `python run_pipeline.py`,
`python -m eval.eval_sync_conf`, …) with the pinned reference environment (this venv's `python`
first on PATH). `protocol_shim/sitecustomize.py` (first on PYTHONPATH) changes only: S3FD's output
→ the shared boxes file of the clip, frame n of the boxes ← call n of `detect_faces` (= JPEG n of
the timeline the profile decodes); `.cuda()` → CPU; LatentSync's heavy `latentsync.utils.util`
→ its two functions used. It also records, without changing them, the values upstream computes
(full precision), its tracks, scenes and frame digests. SyncNet weights: the deterministic
stand-ins of `standin_weights.py` (official weights are unavailable), written to the scratch
folder and passed / linked where upstream expects `syncnet_v2.model`.

Subcommands (run in this order; each writes Tests/PipelineTests/Fixtures/protocols/<profile>/*.json):

* `joonson --upstream SYNCNET_PYTHON --wav2lip WAV2LIP --mova MOVA`
  - `wav2lip-real`: Wav2Lip's `evaluation/scores_LSE/*.py, *.sh` copied into a syncnet_python
    copy (Wav2Lip's evaluation README), then, per clip, `sh calculate_scores_real_videos.sh IN`
    on a folder IN holding only that clip (joonson `run_pipeline.py`, min_track 100, then Wav2Lip's
    `calculate_scores_real_videos.py >> all_scores.txt`); the suite file is the concatenation in
    `ls` order.
  - `joonson`: right after, `python run_syncnet.py --videofile F --reference wav2lip --data_dir
    tmp_dir` on the crops that same `run_pipeline.py` run wrote (joonson's README order).
  - `mova`: MOVA's `evaluation/models/wav2lip/evaluation/syncnet_python/` copied, `data/
    syncnet_v2.model` linked, `python eval_lip_sync.py --input_dir_direct IN --max_workers 1` on a
    folder of all clips as `<id>.mp4` links (its own `run_pipeline.py`, min_track 20 by default,
    and Wav2Lip's scorer); `<id>_lip_score.json` and `000eval_lip_scores_means.json` recorded.
* `wav2lip-lrs --upstream WAV2LIP --joonson SYNCNET_PYTHON`: `python calculate_scores_LRS.py
  --data_root IN --tmp_dir tmp_dir/` over a folder of all clips as `<id>.mp4` links (no
  detection); per clip the JPEG count and digest, and for `example` every JPEG's SHA-256.
* `latentsync --upstream LATENTSYNC`: `eval/` copied; per clip `python -m eval.eval_sync_conf
  --video_path CLIP --initial_model W` (single-video mode, one process per clip, so the shim's
  detector knows the clip); the folder-mode summary line is computed from those runs with the
  same rule; ffprobe and the x264 settings string of each H.264/AAC intermediate.
* `manifest`: Fixtures/protocols/MANIFEST.json (SHA-256 of every golden, versions, commits).

Usage (from the repository root; checkouts in /tmp, e.g. `git clone /work/.mirror/…/repo DIR`):

    PY=tools/reference/.venv/bin/python
    $PY tools/reference/make_protocol_goldens.py joonson --upstream /tmp/up/joonson+syncnet_python \
        --wav2lip /tmp/up/Rudrabha+Wav2Lip --mova /tmp/up/OpenMOSS+MOVA
    $PY tools/reference/make_protocol_goldens.py wav2lip-lrs --upstream /tmp/up/Rudrabha+Wav2Lip \
        --joonson /tmp/up/joonson+syncnet_python
    $PY tools/reference/make_protocol_goldens.py latentsync --upstream /tmp/up/bytedance+LatentSync
    $PY tools/reference/make_protocol_goldens.py manifest

`--clips a,b` restricts to some clip ids (see CLIPS). Deterministic on a given machine (the
ffmpeg MPEG-4 encoder's slice threads follow the CPU count, as in make_faithful_goldens.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "Tests" / "PipelineTests" / "Fixtures" / "protocols"
SHIM = HERE / "protocol_shim"

# id -> (clip, boxes), paths relative to ../shared/data
CLIPS = {"example": ("example.avi", "example_boxes.json")}
for _model in ("MoCha", "SadTalker", "aniportrait-square", "hallo3"):
    for _n in ("07", "10"):
        CLIPS[f"four-models_{_model}_{_n}"] = (f"four-models/{_model}/{_n}.mp4", f"boxes/four-models/{_model}/{_n}.json")
for _c in ("1p_emotion/2_facingcamera_man_guitar_happy", "2p_2clip_2talk/1_woman_man_in_room",
           "1p_mediumshot_actioncontrol/2_woman_anime_comb_hair"):
    CLIPS["mochabench-mini_" + _c.replace("/", "_")] = (f"mochabench-mini/mocha-generation/{_c}.mp4", f"boxes/mochabench-mini/{_c}.json")


def rel(path_in_shared: str) -> str:
    return "../shared/data/" + path_in_shared


def sha_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_commit(repo: Path) -> str:
    return subprocess.check_output(["git", "-C", str(repo), "rev-parse", "HEAD"], text=True).strip()


def upstream_info(repo: Path, name: str, files: list[str]) -> dict:
    return {"repo": name, "commit": git_commit(repo), "files": {f: sha_file(repo / f) for f in files}}


def env(record: Path, boxes_map: Path, extra: dict | None = None) -> dict:
    e = dict(os.environ)
    e["PATH"] = str(Path(sys.executable).parent) + os.pathsep + e.get("PATH", "")
    e["PYTHONPATH"] = str(SHIM)
    e["PROTO_RECORD"] = str(record)
    e["PROTO_BOXES"] = str(boxes_map)
    e["OMP_NUM_THREADS"] = e.get("OMP_NUM_THREADS", "2")
    e.update(extra or {})
    return e


def run(cmd, cwd, environ, log: Path) -> subprocess.CompletedProcess:
    print("+", cmd if isinstance(cmd, str) else " ".join(map(str, cmd)), f"(cwd {cwd})", flush=True)
    p = subprocess.run(cmd, cwd=cwd, env=environ, shell=isinstance(cmd, str), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    log.write_text(f"$ {cmd}\n--- rc {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p


def read_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def standin_weights(work: Path) -> Path:
    path = work / "weights" / "syncnet_v2.model"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        import standin_weights as sw
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(sw.standin_state_dict(sw.syncnet_module(), sw.SYNCNET_SEED), path)
    return path


def weights_info(path: Path) -> dict:
    return {"syncnet_v2.model": "stand-in (tools/reference/standin_weights.py, torch.save zip)",
            "sha256": sha_file(path)}


def boxes_map(work: Path, ids, links: dict[str, Path] | None = None) -> Path:
    """JSON {realpath(clip): absolute boxes path} for the shim."""
    m = {}
    for cid in ids:
        clip, boxes = CLIPS[cid]
        m[os.path.realpath(SHARED / clip)] = str(SHARED / boxes)
    path = work / "boxes_map.json"
    path.write_text(json.dumps(m, indent=1))
    return path


def sanitize(text: str, work: str | None = None) -> str:
    """Absolute paths of this machine -> ../shared/data/… and WORK/… (goldens are machine-independent)."""
    text = text.replace(str(SHARED) + "/", "../shared/data/").replace(os.path.realpath(SHARED) + "/", "../shared/data/")
    for w in filter(None, [work, os.environ.get("PROTO_WORK")]):
        text = text.replace(str(Path(w).resolve()), "WORK")
    return text


def write_golden(profile: str, cid: str, golden: dict) -> None:
    folder = OUT / profile
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{cid}.json"
    path.write_text(sanitize(json.dumps(golden, indent=1) + "\n"))
    print("wrote", path.relative_to(ROOT), flush=True)


def clip_header(profile: str, cid: str, upstream, weights: Path, **extra) -> dict:
    clip, boxes = CLIPS[cid]
    h = {"profile": profile, "clip": rel(clip), "clip_sha256": sha_file(SHARED / clip),
         "boxes": rel(boxes) if boxes else None, "upstream": upstream, "weights": weights_info(weights)}
    h.update(extra)
    return h


def copytree(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".git"))


def arg_of(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
    return None


def track_entries(pipeline: dict, evals: list[dict]) -> list[dict]:
    out = []
    crops = pipeline.get("crops", [])
    for i, (first, last) in enumerate(pipeline.get("tracks", [])):
        t = {"index": i, "frames": [first, last], "length": last - first + 1}
        if i < len(crops):
            t["crop"], t["crop_sha256"] = crops[i]["name"], crops[i]["sha256"]
        if i < len(evals):
            e = evals[i]
            t.update(offset=int(e["offset"]["value"]), conf=e["conf"]["value"], dist=e["minval"]["value"],
                     conf_str=e["conf"]["str"], dist_str=e["minval"]["str"], dtype=e["conf"]["dtype"],
                     scored_jpegs=e["jpegs"]["count"], scored_jpegs_list_sha256=e["jpegs"]["list_sha256"],
                     scored_audio_samples=(e.get("audio") or {}).get("samples"))
            if "mdist" in e:
                t["mdist"] = e["mdist"]
        out.append(t)
    return out


def timeline(pipeline: dict, det: dict | None) -> dict:
    t = {"jpeg_frames": pipeline.get("frames", {}).get("count"),
         "jpeg_list_sha256": pipeline.get("frames", {}).get("list_sha256"),
         "video_avi_sha256": pipeline.get("video_avi_sha256"), "audio_wav": pipeline.get("audio")}
    if det:
        t["detector_calls"] = det["calls"]
        t["frames_in_boxes_file"] = det["frames_in_boxes_file"]
    return t


# ---------------------------------------------------------------- joonson / wav2lip-real / mova


def cmd_joonson(a) -> None:
    work, ids = Path(a.work), a.ids
    up, w2l, mova = Path(a.upstream).resolve(), Path(a.wav2lip).resolve(), Path(a.mova).resolve()
    weights = standin_weights(work)
    bmap = boxes_map(work, ids)

    # syncnet_python with Wav2Lip's scripts copied in (Wav2Lip evaluation/README.md).
    sp = work / "joonson" / "syncnet_python"
    copytree(up, sp)
    for f in ("SyncNetInstance_calc_scores.py", "calculate_scores_LRS.py", "calculate_scores_real_videos.py",
              "calculate_scores_real_videos.sh"):
        shutil.copy2(w2l / "evaluation/scores_LSE" / f, sp / f)
    (sp / "data").mkdir(exist_ok=True)
    os.symlink(weights, sp / "data/syncnet_v2.model")
    joonson_up = upstream_info(up, "joonson/syncnet_python", ["run_pipeline.py", "run_syncnet.py",
                                                                "SyncNetInstance.py", "SyncNetModel.py"])
    w2l_up = upstream_info(w2l, "Rudrabha/Wav2Lip", [
        "evaluation/scores_LSE/SyncNetInstance_calc_scores.py", "evaluation/scores_LSE/calculate_scores_real_videos.py",
        "evaluation/scores_LSE/calculate_scores_real_videos.sh"])
    logs = work / "joonson" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    suite_lines = []
    for cid in ids:
        clip = SHARED / CLIPS[cid][0]
        indir = work / "joonson" / "in" / cid
        if indir.exists():
            shutil.rmtree(indir)
        indir.mkdir(parents=True)
        os.symlink(clip, indir / clip.name)
        rec = work / "joonson" / f"{cid}.jsonl"
        rec.unlink(missing_ok=True)
        e = env(rec, bmap)
        if (sp / "tmp_dir").exists():
            shutil.rmtree(sp / "tmp_dir")
        p1 = run(["sh", "calculate_scores_real_videos.sh", str(indir)], sp, e, logs / f"{cid}.real.log")
        all_scores = (sp / "all_scores.txt").read_text() if (sp / "all_scores.txt").exists() else None
        suite_lines.append((clip.name, cid, all_scores or ""))
        n_real = len(read_events(rec))
        videofile = f"{indir}/{clip.name}"
        p2 = run(["python", "run_syncnet.py", "--videofile", videofile, "--reference", "wav2lip",
                  "--data_dir", "tmp_dir"], sp, e, logs / f"{cid}.joonson.log")
        events = read_events(rec)
        pipeline = next((x for x in events if x["event"] == "pipeline"), {})
        det = next((x for x in events if x["event"] == "detector"), None)
        ev_real = [x for x in events[:n_real] if x["event"] == "evaluate"]
        ev_joon = [x for x in events[n_real:] if x["event"] == "evaluate"]
        common = dict(timeline=timeline(pipeline, det), scenes=pipeline.get("scenes"), min_track=100)

        tracks = track_entries(pipeline, ev_joon)
        native = [ln.strip() for ln in p2.stdout.splitlines()
                  if ln.startswith(("AV offset", "Min dist", "Confidence"))]
        write_golden("joonson", cid, clip_header(
            "joonson", cid, [joonson_up], weights,
            commands=[f"python run_pipeline.py --videofile {clip.name} --reference wav2lip --data_dir tmp_dir",
                      f"python run_syncnet.py --videofile {clip.name} --reference wav2lip --data_dir tmp_dir"],
            exit_status=[p1.returncode, p2.returncode], **common, tracks=tracks,
            clip_result=None, clip_rule="none: run_syncnet.py pickles the per-track distance matrices "
            "(activesd.pckl) and prints offset / min dist / confidence per track; 'dist' here is min(mean "
            "distance) recomputed with evaluate's own ops from the returned matrix",
            native_output={"printed": native}))

        tracks_r = track_entries(pipeline, ev_real)
        same = [t.get("conf") == j.get("conf") and t.get("dist") == j.get("dist") and t.get("offset") == j.get("offset")
                for t, j in zip(tracks_r, tracks)]
        write_golden("wav2lip-real", cid, clip_header(
            "wav2lip-real", cid, [joonson_up, w2l_up], weights,
            commands=[f"sh calculate_scores_real_videos.sh IN  # IN holds only {clip.name}"],
            exit_status=[p1.returncode], **common, tracks=tracks_r,
            clip_result={"lines": (all_scores or "").splitlines()},
            clip_rule="one 'dist conf' line per track appended to all_scores.txt; no averaging",
            identical_to_joonson=all(same) and len(tracks_r) == len(tracks),
            native_output={"all_scores.txt": all_scores}))
    # The suite file: the .sh over one folder of these clips appends in `ls` order (C locale).
    (OUT / "wav2lip-real").mkdir(parents=True, exist_ok=True)
    write_golden("wav2lip-real", "_suite", {
        "profile": "wav2lip-real", "note": "concatenation of the per-clip all_scores.txt in the order "
        "`ls` lists the file names; several clips share a file name (07.mp4, 10.mp4), so this is the "
        "content of one folder per model, concatenated in the order of clip ids",
        "clips": [cid for _, cid, _ in sorted(suite_lines, key=lambda x: x[1])],
        "all_scores.txt": "".join(t for _, _, t in sorted(suite_lines, key=lambda x: x[1]))})

    # MOVA: its own syncnet_python copy, direct mode over one folder.
    msrc = mova / "evaluation/models/wav2lip/evaluation/syncnet_python"
    mdir = work / "mova" / "syncnet_python"
    copytree(msrc, mdir)
    (mdir / "data").mkdir(exist_ok=True)
    os.symlink(weights, mdir / "data/syncnet_v2.model")
    mova_up = upstream_info(mova, "OpenMOSS/MOVA", [str(Path("evaluation/models/wav2lip/evaluation/syncnet_python") / f)
                                                    for f in ("eval_lip_sync.py", "run_pipeline.py",
                                                              "SyncNetInstance_calc_scores.py", "SyncNetModel.py")])
    indir = work / "mova" / "in"
    if indir.exists():
        shutil.rmtree(indir)
    indir.mkdir(parents=True)
    for cid in ids:
        os.symlink(SHARED / CLIPS[cid][0], indir / f"{cid}.mp4")
    rec = work / "mova" / "record.jsonl"
    rec.unlink(missing_ok=True)
    p = run(["python", "eval_lip_sync.py", "--input_dir_direct", str(indir), "--max_workers", "1"], mdir,
            env(rec, bmap), logs / "mova.log")
    events = read_events(rec)
    means = indir / "000eval_lip_scores_means.json"
    for cid in ids:
        vpath = str(indir / f"{cid}.mp4")
        pipe = next((x for x in events if x["event"] == "pipeline" and arg_of(x["argv"], "--videofile") == vpath), {})
        det = next((x for x in events if x["event"] == "detector" and arg_of(x["argv"], "--videofile") == vpath), None)
        crop_prefix = str(indir / "tmp_dir_eval" / f"tmp_{cid}") + "/"
        evs = [x for x in events if x["event"] == "evaluate" and x["videofile"].startswith(crop_prefix)]
        js = indir / f"{cid}_lip_score.json"
        lip = json.loads(js.read_text()) if js.exists() else None
        write_golden("mova", cid, clip_header(
            "mova", cid, [mova_up], weights, input_name=f"{cid}.mp4",
            commands=["python eval_lip_sync.py --input_dir_direct IN --max_workers 1"], exit_status=[p.returncode],
            timeline=timeline(pipe, det), scenes=pipe.get("scenes"), min_track=20,
            tracks=track_entries(pipe, evs),
            clip_result=None if lip is None else {"max_C_inperson": lip["max_C_inperson"],
                                                  "min_D_inperson": lip["min_D_inperson"]},
            clip_rule="the one track with the largest conf - dist (strict >, first wins ties), starting from "
            "a sentinel of -100 with max_C = min_D = 0.0: when every track has conf - dist <= -100 (the "
            "stand-in weights give dist ~ 100+) the video reports 0.0 / 0.0; a video without crops is "
            "skipped (no JSON)",
            native_output={f"{cid}_lip_score.json": js.read_text() if js.exists() else None}))
    write_golden("mova", "_suite", {"profile": "mova", "upstream": [mova_up],
                                     "videos": sorted(f"{c}.mp4" for c in ids),
                                     "000eval_lip_scores_means.json": means.read_text() if means.exists() else None,
                                     "stdout_tail": p.stdout.splitlines()[-3:]})


# ---------------------------------------------------------------- wav2lip-lrs

LRS_NOTE = ("avg = 0. (Python float) += conf (0-d float32 array): with NumPy >= 2 (NEP 50) the sums stay "
            "np.float32, added in glob order; '{}'.format(np.float32) prints the float64 repr of that float32 "
            "value. NumPy 1.x would promote to float64 (other trailing digits).")


def cmd_lrs(a) -> None:
    work, ids = Path(a.work), a.ids
    w2l, up = Path(a.upstream).resolve(), Path(a.joonson).resolve()
    weights = standin_weights(work)
    sp = work / "lrs" / "syncnet_python"
    copytree(up, sp)
    for f in ("SyncNetInstance_calc_scores.py", "calculate_scores_LRS.py"):
        shutil.copy2(w2l / "evaluation/scores_LSE" / f, sp / f)
    (sp / "data").mkdir(exist_ok=True)
    os.symlink(weights, sp / "data/syncnet_v2.model")
    ups = [upstream_info(w2l, "Rudrabha/Wav2Lip", ["evaluation/scores_LSE/calculate_scores_LRS.py",
                                                    "evaluation/scores_LSE/SyncNetInstance_calc_scores.py"]),
           upstream_info(up, "joonson/syncnet_python", ["SyncNetModel.py"])]
    indir = work / "lrs" / "in"
    if indir.exists():
        shutil.rmtree(indir)
    indir.mkdir(parents=True)
    for cid in ids:
        os.symlink(SHARED / CLIPS[cid][0], indir / f"{cid}.mp4")
    rec = work / "lrs" / "record.jsonl"
    rec.unlink(missing_ok=True)
    logs = work / "lrs" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    bmap = boxes_map(work, ids)
    p = run(["python", "calculate_scores_LRS.py", "--data_root", str(indir), "--tmp_dir", "tmp_dir/"], sp,
            env(rec, bmap, {"PROTO_FULL_JPEGS": "example.mp4"}), logs / "lrs.log")
    events = [x for x in read_events(rec) if x["event"] == "evaluate"]
    for cid in ids:
        e = next((x for x in events if os.path.basename(x["videofile"]) == f"{cid}.mp4"), None)
        g = clip_header("wav2lip-lrs", cid, ups, weights, input_name=f"{cid}.mp4",
                        commands=["python calculate_scores_LRS.py --data_root IN --tmp_dir tmp_dir/"],
                        exit_status=[p.returncode])
        g["boxes"] = None
        if e is None:
            g.update(tracks=[], clip_result=None, error="not scored (the run stopped before this clip)")
        else:
            g["timeline"] = {"jpeg_frames": e["jpegs"]["count"], "jpeg_list_sha256": e["jpegs"]["list_sha256"],
                             "jpeg_extraction": "ffmpeg -loglevel error -y -i VIDEO -threads 1 -f image2 %06d.jpg "
                             "(mjpeg default rate control, source frame rate)", "audio_wav": e["audio"]}
            if "sha256" in e["jpegs"]:
                g["timeline"]["jpeg_sha256"] = e["jpegs"]["sha256"]
            g["tracks"] = [{"index": 0, "frames": "whole clip", "offset": int(e["offset"]["value"]),
                            "conf": e["conf"]["value"], "dist": e["minval"]["value"], "conf_str": e["conf"]["str"],
                            "dist_str": e["minval"]["str"], "dtype": e["conf"]["dtype"]}]
            g["clip_result"] = {"conf": e["conf"]["value"], "dist": e["minval"]["value"]}
        g["clip_rule"] = "whole frame, no detection; the suite prints running-sum means over the videos"
        write_golden("wav2lip-lrs", cid, g)
    out = [ln for ln in p.stdout.splitlines() if ln.startswith("Average")]
    # numpy 2 (NEP 50): 0. + float32 stays float32, so the sums run in float32, in glob order.
    write_golden("wav2lip-lrs", "_suite", {"profile": "wav2lip-lrs", "upstream": ups, "exit_status": p.returncode,
                                            "glob_order": [os.path.basename(x["videofile"]) for x in events],
                                            "printed": out, "accumulation": LRS_NOTE,
                                            "stderr_tail": p.stderr.splitlines()[-5:]})


# ---------------------------------------------------------------- latentsync


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "stream=index,codec_name,profile,pix_fmt,width,height,r_frame_rate,avg_frame_rate,nb_frames,"
                          "sample_rate,channels,bit_rate:stream_tags=encoder:format_tags=encoder",
                          "-of", "json", str(path)], capture_output=True, text=True)
    info = json.loads(out.stdout or "{}")
    # libx264 writes its settings into an SEI user-data string in the first access unit.
    data = path.read_bytes()
    i = data.find(b"x264 - core")
    if i >= 0:
        info["x264_settings"] = data[i:data.find(b"\x00", i)].decode("ascii", "replace")
    return info


def cmd_latentsync(a) -> None:
    work, ids = Path(a.work), a.ids
    up = Path(a.upstream).resolve()
    weights = standin_weights(work)
    ldir = work / "latentsync" / "root"
    if ldir.exists():
        shutil.rmtree(ldir)
    ldir.mkdir(parents=True)
    copytree(up / "eval", ldir / "eval")
    ups = [upstream_info(up, "bytedance/LatentSync", ["eval/eval_sync_conf.py", "eval/syncnet_detect.py",
                                                       "eval/syncnet/syncnet_eval.py", "eval/syncnet/syncnet.py"])]
    logs = work / "latentsync" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    bmap = boxes_map(work, ids)
    results = {}
    for cid in ids:
        # One video per process (--video_path): the shim's detector follows --video_path.
        rec = work / "latentsync" / f"{cid}.jsonl"
        rec.unlink(missing_ok=True)
        clip = SHARED / CLIPS[cid][0]
        p = run(["python", "-m", "eval.eval_sync_conf", "--video_path", str(clip), "--initial_model", str(weights)],
                ldir, env(rec, bmap), logs / f"{cid}.log")
        events = read_events(rec)
        det = next((x for x in events if x["event"] == "detector"), None)
        scenes = next((x["scenes"] for x in events if x["event"] == "scenes"), None)
        tracks = [t for x in events if x["event"] == "tracks" for t in x["tracks"]]
        evs = [x for x in events if x["event"] == "evaluate"]
        dr = ldir / "detect_results"
        mp4 = dr / "video" / "video.mp4"
        frames = sorted((dr / "frames").glob("*.jpg"))
        crops = sorted(os.listdir(dr / "crop")) if (dr / "crop").exists() else []
        listdir = os.listdir(dr / "crop") if (dr / "crop").exists() else []
        tr = []
        for i, (f0, f1) in enumerate(tracks):
            t = {"index": i, "frames": [f0, f1], "length": f1 - f0 + 1, "crop": "%05d.mp4" % i}
            e = next((x for x in evs if os.path.basename(x["videofile"]) == t["crop"]), None)
            if e:
                t.update(offset=e["offset"]["value"], conf=e["conf"]["value"], dist=e["minval"]["value"],
                         dtype="python float (tensor.item() of float32)", scored_jpegs=e["jpegs"]["count"],
                         scored_jpegs_list_sha256=e["jpegs"]["list_sha256"],
                         scored_audio_samples=(e["audio"] or {}).get("samples"), crop_sha256=e["videofile_sha256"])
            tr.append(t)
        printed = [ln for ln in p.stdout.splitlines() if ln.startswith(("Input video", "SyncNet confidence", "AV offset"))]
        import statistics

        clip_result = None
        if evs:
            # the same arithmetic as eval_sync_conf.syncnet_eval, over crops in os.listdir order
            order = [next(x for x in evs if os.path.basename(x["videofile"]) == c) for c in listdir]
            clip_result = {"conf": statistics.fmean([x["conf"]["value"] for x in order]),
                           "offset": int(statistics.fmean([x["offset"]["value"] for x in order])),
                           "listdir_order": listdir}
            results[cid] = clip_result["conf"]
        err = [ln for ln in p.stderr.splitlines() if "Face not detected" in ln or ln.startswith("Exception")]
        write_golden("latentsync", cid, clip_header(
            "latentsync", cid, ups, weights,
            commands=["python -m eval.eval_sync_conf --video_path CLIP --initial_model W"], exit_status=[p.returncode],
            timeline={"jpeg_frames": len(frames), "detector_calls": det and det["calls"],
                      "frames_in_boxes_file": det and det["frames_in_boxes_file"],
                      "jpeg_list_sha256": hashlib.sha256("".join(sha_file(f) for f in frames).encode()).hexdigest(),
                      "video_mp4_sha256": sha_file(mp4) if mp4.exists() else None,
                      "video_mp4": ffprobe(mp4) if mp4.exists() else None,
                      "audio_wav_sha256": sha_file(dr / "video/audio.wav") if (dr / "video/audio.wav").exists() else None},
            scenes=scenes, min_track=50, tracks=tr, crops=crops, clip_result=clip_result,
            clip_rule="conf = statistics.fmean(track confs), offset = int(fmean(track offsets)) over os.listdir "
            "order; no crop -> Exception('Face not detected in …') (folder mode: printed and skipped)",
            native_output={"stdout": printed, "error": err}))
    vals = [results[c] for c in sorted(ids, key=lambda c: f"{c}.mp4") if c in results]
    import statistics

    write_golden("latentsync", "_suite", {
        "profile": "latentsync", "upstream": ups,
        "note": "folder mode (--videos_dir) over these clips as <id>.mp4 would average, in sorted order, the "
        "confidences of the videos that did not raise; computed here from the per-clip runs",
        "videos_scored": [c for c in sorted(ids, key=lambda c: f"{c}.mp4") if c in results],
        "videos_skipped": [c for c in sorted(ids) if c not in results],
        "mean_conf": statistics.fmean(vals) if vals else None,
        "printed": f"The average sync confidence is {statistics.fmean(vals):.02f}" if vals else None})


# ---------------------------------------------------------------- manifest


def cmd_manifest(a) -> None:
    import cv2
    import numpy
    import scipy
    import scenedetect
    import torch

    files = sorted(p for p in OUT.rglob("*.json") if p.name != "MANIFEST.json")
    for f in files:
        f.write_text(sanitize(f.read_text(), a.work))
    commits = {}
    for f in files:
        g = json.loads(f.read_text())
        for u in g.get("upstream") or []:
            commits[u["repo"]] = u["commit"]
    ff = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    manifest = {"files": {str(f.relative_to(OUT)): sha_file(f) for f in files}, "upstream_commits": commits,
                "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": numpy.__version__,
                             "scipy": scipy.__version__, "opencv": cv2.__version__,
                             "scenedetect": scenedetect.__version__, "ffmpeg": ff,
                             "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count()},
                "generator": "tools/reference/make_protocol_goldens.py"}
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print("wrote", (OUT / "MANIFEST.json").relative_to(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default="/tmp/syncbench-protocols")
    ap.add_argument("--clips", default=",".join(CLIPS))
    sub = ap.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("joonson")
    j.add_argument("--upstream", required=True, help="joonson/syncnet_python checkout")
    j.add_argument("--wav2lip", required=True, help="Rudrabha/Wav2Lip checkout")
    j.add_argument("--mova", required=True, help="OpenMOSS/MOVA checkout")
    lr = sub.add_parser("wav2lip-lrs")
    lr.add_argument("--upstream", required=True, help="Rudrabha/Wav2Lip checkout")
    lr.add_argument("--joonson", required=True, help="joonson/syncnet_python checkout (SyncNetModel.py)")
    ls = sub.add_parser("latentsync")
    ls.add_argument("--upstream", required=True, help="bytedance/LatentSync checkout")
    sub.add_parser("manifest")
    a = ap.parse_args()
    a.ids = [c for c in a.clips.split(",") if c]
    os.environ["PROTO_WORK"] = a.work
    Path(a.work).mkdir(parents=True, exist_ok=True)
    {"joonson": cmd_joonson, "wav2lip-lrs": cmd_lrs, "latentsync": cmd_latentsync, "manifest": cmd_manifest}[a.cmd](a)


if __name__ == "__main__":
    main()
