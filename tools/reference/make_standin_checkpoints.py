#!/usr/bin/env python3
"""Writes the stand-in weights as real-size PyTorch checkpoints, with torch.save, in both formats:

    tools/reference/.standin/legacy/{syncnet_v2.model, sfd_face.pth}   (_use_new_zipfile_serialization=False)
    tools/reference/.standin/zip/{syncnet_v2.model, sfd_face.pth}      (the default zip format)

(about 290 MB, not in git). ModelsTests' "real-size checkpoints written by torch" test reads them
when they exist and checks that both formats load to exactly the stand-in state dict the Swift
generator builds, with equal value digests. With --check DIR it instead loads DIR's two files
with torch.load(weights_only=True) and checks they equal the stand-in (used to verify files that
`syncbench weights standin` wrote).

Usage: tools/reference/.venv/bin/python tools/reference/make_standin_checkpoints.py [--check DIR]
"""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import standin_weights as sw  # noqa: E402

HERE = Path(__file__).resolve().parent


def modules():
    """The modules' own state dicts after loading the stand-ins (as an official file would be
    saved: an OrderedDict with the `_metadata` attribute, written with a BUILD opcode)."""
    yield "syncnet_v2.model", sw.syncnet_module().state_dict()
    yield "sfd_face.pth", sw.s3fd_module().state_dict()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()
    if args.check:
        for name, expected in modules():
            loaded = torch.load(args.check / name, map_location="cpu", weights_only=True)
            assert list(loaded.keys()) == list(expected.keys()), f"{name}: keys differ"
            for key, value in expected.items():
                assert loaded[key].dtype == value.dtype and torch.equal(loaded[key], value), f"{name}: {key} differs"
            print(f"{args.check / name}: torch.load(weights_only=True) gives exactly the stand-in ({len(loaded)} tensors)")
        return
    for form, zip_format in (("legacy", False), ("zip", True)):
        folder = HERE / ".standin" / form
        folder.mkdir(parents=True, exist_ok=True)
        for name, state in modules():
            torch.save(state, folder / name, _use_new_zipfile_serialization=zip_format)
            print("wrote", folder / name)


if __name__ == "__main__":
    main()
