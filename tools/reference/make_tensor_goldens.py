"""Prints the PyTorch results pinned in Tests/TensorTests/PyTorchParityTests.swift.

Run with the pinned reference environment:
    tools/reference/.venv/bin/python tools/reference/make_tensor_goldens.py

Inputs are small dyadic rationals (exact in float32) so that every printed result is exact and
the Swift test can compare with ==.
"""
import torch
import torch.nn.functional as F


def dyadic(count, mul, mod, offset, denom):
    return torch.tensor([((i * mul) % mod - offset) / denom for i in range(count)], dtype=torch.float32)


def main():
    print("// torch", torch.__version__)
    print("// max_pool2d output length for (n, k, s, p, ceil_mode)")
    cases = [(5, 2, 2, 1), (5, 2, 2, 0), (6, 2, 2, 0), (7, 3, 2, 1), (45, 2, 2, 0), (33, 2, 2, 0),
             (4, 3, 3, 1), (10, 3, 4, 1), (9, 3, 2, 1), (13, 3, 2, 1), (54, 3, 2, 1)]
    for n, k, s, p in cases:
        for ceil in (False, True):
            y = F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, ceil_mode=ceil)
            print(f"({n}, {k}, {s}, {p}, {str(ceil).lower()}, {y.shape[-1]}),")

    # conv2d: x [2, 3, 7, 9] = ((i*37) % 17 - 8) / 8, w [4, 3, 3, 2] = ((i*11) % 13 - 6) / 16,
    # b = [0.5, -0.25, 0, 1], stride (2, 1), padding (1, 2), dilation (2, 3).
    x = dyadic(2 * 3 * 7 * 9, 37, 17, 8, 8).reshape(2, 3, 7, 9)
    w = dyadic(4 * 3 * 3 * 2, 11, 13, 6, 16).reshape(4, 3, 3, 2)
    b = torch.tensor([0.5, -0.25, 0, 1])
    y = F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 3))
    print("// conv2d shape", list(y.shape))
    print("[" + ", ".join(repr(float(v)) for v in y.flatten()) + "]")
    # max_pool2d on the same x: kernel 3, stride 2, padding 1, ceil_mode.
    z = F.max_pool2d(x, 3, 2, 1, ceil_mode=True)
    print("// max_pool2d(k3, s2, p1, ceil) shape", list(z.shape))
    print("[" + ", ".join(repr(float(v)) for v in z.flatten()) + "]")


if __name__ == "__main__":
    main()
