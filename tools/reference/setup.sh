#!/usr/bin/env bash
# Creates tools/reference/.venv with the pinned Python reference (syncnet-python 0.2.3, torch CPU,
# python_speech_features, OpenCV, scenedetect 0.6, NumPy, SciPy). Only needed to regenerate the
# golden files under Tests/*/Fixtures; the Swift build and test suite never need Python.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# --no-deps: syncnet-python 0.2.3 declares torchvision and opencv-contrib-python but imports
# neither (see requirements.txt); every package it does import is pinned there.
"$venv/bin/pip" install --quiet --no-deps -r "$here/requirements.txt"
"$venv/bin/python" -c 'import syncnet_python, torch, cv2, python_speech_features, scipy; print("reference environment ready:", torch.__version__, cv2.__version__)'
