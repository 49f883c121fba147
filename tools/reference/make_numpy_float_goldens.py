#!/usr/bin/env python3
"""How NumPy prints a 0-d float32 (`str(np.float32(x))`), which is how Wav2Lip's
`calculate_scores_real_videos.py` writes each number of all_scores.txt. Writes
Tests/ReportsTests/Fixtures/numpy_float32_str.txt: one line per value, the float32 bit pattern
(decimal) and NumPy's text, for 60 seeded normal values × 10 and the edge cases of the format
(zeros, the 1e-4 and 1e6 switches to scientific notation, subnormals, the largest float32).

Usage: tools/reference/.venv/bin/python tools/reference/make_numpy_float_goldens.py
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "Tests" / "ReportsTests" / "Fixtures" / "numpy_float32_str.txt"
EDGES = [7.0912576, 6.854312, 0.0, -0.0, 1e-4, 9.99e-5, 1e-5, 123456790.0, 1e16, 12.0, 0.1, 16777216.0, 999999.0, 1e6,
         1234567.0, 0.00011, 3e-4, 1e-38, 3.4e38, 1.5e-45, -2.5e-7, 100000.0, 5e-4, 0.5, float("nan"), float("inf"), float("-inf")]


def main():
    rng = np.random.default_rng(7)
    values = list(rng.standard_normal(60).astype(np.float32) * np.float32(10)) + [np.float32(v) for v in EDGES]
    lines = [f"{np.float32(v).view(np.uint32)} " + str(np.float32(v)) for v in values]
    OUT.write_text("\n".join(lines) + "\n")
    print("wrote", OUT, len(lines), "values, numpy", np.__version__)


if __name__ == "__main__":
    main()
