"""Deterministic stand-in weights for SyncNet (`syncnet_v2.model`) and S3FD (`sfd_face.pth`).

The official weights cannot be downloaded where SyncBench is developed, so parity with the
PyTorch reference is proven with stand-ins: state dicts with exactly the official keys, order and
shapes, filled by a documented generator that Swift re-implements bit for bit
(`Sources/Models/StandInWeights.swift`). Scores computed with them mean nothing; agreement
between the two implementations does.

The recipe (documented in docs/standin-weights.md, and identical in Swift):

* SplitMix64: ``state += 0x9E3779B97F4A7C15; z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB; out = z ^ (z >> 31)`` (all mod 2**64).
* Every tensor has its own stream, seeded with ``network_seed XOR fnv1a64(key)`` (FNV-1a 64 over
  the key's UTF-8 bytes: offset 0xCBF29CE484222325, prime 0x100000001B3).
* Element i (C order) of the tensor: ``u = (out_i >> 11) * 2**-53`` (in [0, 1)), then
  ``value = float32(offset + scale * (2 * u - 1))`` computed in float64 and rounded once to
  float32 (round to nearest even).
* ``offset`` and ``scale`` come from the key (``RULES`` below): convolution and linear weights are
  He-uniform, ``scale = gain * sqrt(6 / fan_in)`` with ``fan_in = prod(shape[1:])``; biases
  ``scale = 0.05``; BatchNorm weight ``1 ± 0.1``, bias ``± 0.1``, running mean ``± 0.1``, running
  variance ``1 ± 0.25``; L2Norm scales ``10/8/5 ± 0.5``; ``num_batches_tracked`` is int64 0.
"""

from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15

SYNCNET_SEED = 0x53594E434E455432  # "SYNCNET2"
S3FD_SEED = 0x5333464446414345  # "S3FDFACE"

# Extra gains on He-uniform, so that activations stay O(1) with the raw inputs the networks see:
# S3FD gets pixel values minus the channel means (about ±128), the lip tower raw BGR 0..255, the
# audio tower MFCCs (|c| up to about 30). The S3FD confidence heads get a larger gain so that
# some priors score above the 0.9 threshold and the detection tests exercise real boxes.
GAINS = {
    "vgg.0.weight": 1.0 / 64.0,
    "netcnnlip.0.weight": 1.0 / 128.0,
    "netcnnaud.0.weight": 1.0 / 16.0,
}
HEAD_GAINS = {"conf.": 2.0, "loc.": 0.5}
L2NORM_OFFSETS = {"L2Norm3_3.weight": 10.0, "L2Norm4_3.weight": 8.0, "L2Norm5_3.weight": 5.0}


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & MASK
    return h


def splitmix64_stream(seed: int, count: int) -> np.ndarray:
    """The first ``count`` outputs of SplitMix64 seeded with ``seed``, as uint64 (vectorised:
    output i mixes ``seed + (i + 1) * GOLDEN_GAMMA``)."""
    with np.errstate(over="ignore"):
        steps = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed) + steps * np.uint64(GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def rule(key: str, shape: tuple[int, ...], keys) -> tuple[float, float]:
    """(offset, scale) for one float tensor of the state dict; ``keys`` are all its keys (a
    BatchNorm module is recognised by its ``running_var`` entry)."""
    if key in L2NORM_OFFSETS:
        return L2NORM_OFFSETS[key], 0.5
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "weight" and len(shape) >= 2:
        fan_in = math.prod(shape[1:])
        gain = GAINS.get(key, 1.0)
        for prefix, head_gain in HEAD_GAINS.items():
            if key.startswith(prefix):
                gain = head_gain
        return 0.0, gain * math.sqrt(6.0 / fan_in)
    if leaf == "bias" and not is_batchnorm(key, keys):
        return 0.0, 0.05
    if leaf == "weight":  # BatchNorm scale
        return 1.0, 0.1
    if leaf == "bias":
        return 0.0, 0.1
    if leaf == "running_mean":
        return 0.0, 0.1
    if leaf == "running_var":
        return 1.0, 0.25
    raise ValueError(f"no stand-in rule for {key} {shape}")


def is_batchnorm(key: str, keys) -> bool:
    return key.rsplit(".", 1)[0] + ".running_var" in keys


def tensor_values(network_seed: int, key: str, shape: tuple[int, ...], keys) -> np.ndarray:
    offset, scale = rule(key, shape, keys)
    count = math.prod(shape)
    bits = splitmix64_stream(network_seed ^ fnv1a64(key), count)
    u = (bits >> np.uint64(11)).astype(np.float64) * (2.0**-53)
    return (offset + scale * (2.0 * u - 1.0)).astype(np.float32).reshape(shape)


def standin_state_dict(module, network_seed: int) -> "OrderedDict[str, torch.Tensor]":
    """The stand-in state dict for a freshly built reference module (same keys, order, shapes)."""
    import collections

    import torch

    out = collections.OrderedDict()
    state = module.state_dict()
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            out[key] = torch.tensor(0, dtype=torch.int64)
        else:
            out[key] = torch.from_numpy(tensor_values(network_seed, key, tuple(value.shape), state))
    return out


def syncnet_module():
    from syncnet_python.SyncNetModel import S

    net = S()
    net.load_state_dict(standin_state_dict(net, SYNCNET_SEED), strict=True)
    return net.eval()


def s3fd_module():
    from syncnet_python.detectors.s3fd.nets import S3FDNet

    net = S3FDNet(device="cpu")
    net.load_state_dict(standin_state_dict(net, S3FD_SEED), strict=True)
    return net.eval()
