#!/usr/bin/env python3
"""Writes the checkpoint-reader fixtures into Tests/ModelsTests/Fixtures/checkpoints/.

Run with the reference environment from the package root:

    tools/reference/.venv/bin/python tools/reference/make_checkpoint_fixtures.py

Small `torch.save` files in both formats (legacy `_use_new_zipfile_serialization=False` and zip),
hand-assembled files in the Python-2 / PyTorch-0.3 style (docs/reference/checkpoint-format.md §5), with legacy storage
views, with BINSTRING, big-endian variants, and files the reader must reject. Every valid file is
read back with torch.load (weights_only=True and False where torch allows) and its content is
written to MANIFEST.json: names, dtypes, shapes, values (exactly representable), the SHA-256 of
each tensor's little-endian C-order bytes, and the state dict's value digest as defined in
Sources/Models/Checkpoint/StateDict+Digest.swift (recomputed here independently).

Deterministic: fixed values, and the memory addresses PyTorch writes as legacy storage keys are
replaced by order-preserving counters of the same length; running it twice gives identical files.
"""
import hashlib
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Fixtures", "checkpoints")
MAGIC = 0x1950A86A20F9469CFC6C

fixtures = []  # valid files and their expected content
rejected = []  # files the reader must refuse, with the expected error


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Expected content


def tensor_bytes(t):
    """Little-endian C-order bytes of a CPU tensor (this machine is little-endian)."""
    assert sys.byteorder == "little"
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def json_values(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype in (torch.complex64, torch.complex128):
        return [[float(v.real), float(v.imag)] for v in t.tolist()]
    if t.dtype in (torch.float16, torch.bfloat16):
        return [float(v) for v in t.float().tolist()]
    return t.tolist()


DTYPE_NAMES = {
    torch.float64: "float64", torch.float32: "float32", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32", torch.int16: "int16",
    torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool", torch.complex64: "complex64",
    torch.complex128: "complex128",
}


def value_digest(state):
    """The digest of StateDict.valueDigest(), written from its documentation."""
    h = hashlib.sha256()
    u64 = lambda n: struct.pack("<Q", n)
    items = [(k, v) for k, v in state.items()
             if k != "num_batches_tracked" and not k.endswith(".num_batches_tracked")]
    items.sort(key=lambda kv: kv[0].encode("utf-8"))
    h.update(b"SyncBench state dict digest v1\n")
    h.update(u64(len(items)))
    for name, t in items:
        data = tensor_bytes(t)
        for field in (name.encode("utf-8"), DTYPE_NAMES[t.dtype].encode("ascii")):
            h.update(u64(len(field)) + field)
        h.update(u64(t.dim()) + b"".join(u64(d) for d in t.shape))
        h.update(u64(len(data)) + data)
    return h.hexdigest()


def describe(state):
    entries = []
    for name, t in state.items():
        entry = {"name": name, "dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                 "sha256": sha256(tensor_bytes(t))}
        if t.numel() <= 256:
            entry["values"] = json_values(t)
        entries.append(entry)
    return entries


def same(a, b):
    assert list(a.keys()) == list(b.keys()), (list(a.keys()), list(b.keys()))
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert tensor_bytes(a[k]) == tensor_bytes(b[k]), k


def load_checked(path, expected, weights_only_modes=(True, False)):
    """torch.load in each mode must give exactly `expected`."""
    for mode in weights_only_modes:
        got = torch.load(path, map_location="cpu", weights_only=mode)
        got = OrderedDict((k, v.data if isinstance(v, nn.Parameter) else v) for k, v in got.items())
        same(got, expected)


def record(name, fmt, expected, group, notes, weights_only_modes=(True, False)):
    path = os.path.join(OUT, name)
    expected = OrderedDict((k, v.detach()) for k, v in expected.items())
    load_checked(path, expected, weights_only_modes)
    fixtures.append({"file": name, "format": fmt, "group": group, "notes": notes,
                     "digest": value_digest(expected), "entries": describe(expected)})


# ---------------------------------------------------------------------------------------------
# Writing torch.save files deterministically


def legacy_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return normalise_legacy_keys(buf.getvalue())


def split_pickles(raw, count):
    """Offsets (start, end) of the first `count` pickles of a legacy stream."""
    spans, pos = [], 0
    for _ in range(count):
        end = None
        for op, arg, at in pickletools.genops(io.BytesIO(raw[pos:])):
            if op.name == "STOP":
                end = pos + at + 1
                break
        spans.append((pos, end))
        pos = end
    return spans


STORAGE_SIZES = {"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
                 "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
                 "BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16}


class Anything:
    """Stands for every other class or function while scanning a pickle for storages."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


def storage_types(pkl):
    """Storage class name by key, in order of first reference, from an object pickle."""
    found = OrderedDict()

    class Finder(pickle.Unpickler):
        def find_class(self, module, name):
            if name.endswith("Storage"):
                return name
            if (module, name) == ("collections", "OrderedDict"):
                return OrderedDict
            return Anything

        def persistent_load(self, pid):
            if pid[0] == "module":  # a pickled module class: ('module', class, file, source)
                return Anything
            found.setdefault(pid[2], pid[1])
            return None

    Finder(io.BytesIO(pkl)).load()
    return found


def normalise_legacy_keys(raw):
    """Replaces the storage keys (memory addresses at save time) by address-like counters in
    order of first reference, then rewrites the sorted key list and reorders the storage records
    to match, so that the file is reproducible and still exactly what torch.save would write."""
    spans = split_pickles(raw, 5)
    types = storage_types(raw[spans[3][0]:spans[3][1]])
    keys = pickle.loads(raw[spans[4][0]:spans[4][1]])
    assert keys == sorted(keys) and set(keys) == set(types)
    records, pos = {}, spans[4][1]
    for key in keys:
        (count,) = struct.unpack("<q", raw[pos:pos + 8])
        end = pos + 8 + count * STORAGE_SIZES[types[key]]
        records[key] = raw[pos:end]
        pos = end
    assert pos == len(raw)
    mapping = {k: str(140000000000000 + i) for i, k in enumerate(types)}
    obj = raw[spans[3][0]:spans[3][1]]
    for old, new in mapping.items():
        token = b"X" + struct.pack("<I", len(old)) + old.encode()
        assert obj.count(token) >= 1, old
        obj = obj.replace(token, b"X" + struct.pack("<I", len(new)) + new.encode())
    inverse = {v: k for k, v in mapping.items()}
    new_keys = sorted(mapping.values())
    return (raw[:spans[3][0]] + obj + pickle.dumps(new_keys, protocol=2)
            + b"".join(records[inverse[k]] for k in new_keys))


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def save_both(stem, state, group, notes):
    write(stem + "_legacy.pt", legacy_bytes(state))
    record(stem + "_legacy.pt", "legacy", state, group, notes)
    torch.save(state, os.path.join(OUT, stem + "_zip.pt"))
    record(stem + "_zip.pt", "zip", state, group, notes)


def ops_of(data):
    return [op.name for op, _, _ in pickletools.genops(io.BytesIO(data))]


def zip_pickle(name):
    import zipfile
    with zipfile.ZipFile(os.path.join(OUT, name)) as z:
        pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
        info = z.getinfo(pkl)
        return z.read(pkl), info.header_offset


def zip_data_offset(name, entry_suffix):
    """File offset of the data of the zip entry whose name ends with `entry_suffix`."""
    import zipfile
    with zipfile.ZipFile(os.path.join(OUT, name)) as z:
        info = [i for i in z.infolist() if i.filename.endswith(entry_suffix)][0]
    with open(os.path.join(OUT, name), "rb") as f:
        f.seek(info.header_offset + 26)
        n, e = struct.unpack("<HH", f.read(4))
    return info.header_offset + 30 + n + e


# ---------------------------------------------------------------------------------------------
# Hand-assembled pickles (docs/reference/checkpoint-format.md §2, §5)

MARK, STOP, TUPLE, EMPTY_LIST, APPENDS, REDUCE, BINPERSID, NONE = b"(", b".", b"t", b"]", b"e", b"R", b"Q", b"N"
EMPTY_DICT, SETITEMS, NEWTRUE, NEWFALSE, EMPTY_TUPLE = b"}", b"u", b"\x88", b"\x89", b")"


def proto2():
    return b"\x80\x02"


def short_binstring(s):
    data = s.encode("ascii")
    assert len(data) < 256
    return b"U" + bytes([len(data)]) + data


def binstring(s):
    data = s.encode("ascii")
    return b"T" + struct.pack("<i", len(data)) + data


def binunicode(s):
    data = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data


def long1(n):
    data = pickle.encode_long(n)
    return b"\x8a" + bytes([len(data)]) + data


def binint1(n):
    return b"K" + bytes([n])


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def binput(i):
    return b"q" + bytes([i])


def binget(i):
    return b"h" + bytes([i])


def legacy_header(little_endian=True, py2=False):
    magic = pickle.dumps(MAGIC, protocol=2)
    version = pickle.dumps(1001, protocol=2)
    s = short_binstring if py2 else binunicode
    info = (proto2() + EMPTY_DICT + binput(0) + MARK
            + s("protocol_version") + b"M" + struct.pack("<H", 1001)
            + s("little_endian") + (NEWTRUE if little_endian else NEWFALSE)
            + s("type_sizes") + EMPTY_DICT + binput(1) + MARK
            + s("short") + binint1(2) + s("int") + binint1(4) + s("long") + binint1(8)
            + SETITEMS + SETITEMS + STOP)
    return magic + version + info


def key_list(keys, py2=False):
    s = short_binstring if py2 else binunicode
    return proto2() + EMPTY_LIST + binput(0) + MARK + b"".join(s(k) for k in sorted(keys)) + APPENDS + STOP


def storage_record(t):
    return struct.pack("<q", t.numel()) + tensor_bytes(t)


def python2_file():
    """The Python-2 / PyTorch-0.3 layout of docs/reference/checkpoint-format.md §5: SHORT_BINSTRING everywhere, LONG1
    ints, torch.cuda FloatStorage at cuda:0, _rebuild_tensor v1, OrderedDict from a list of
    [key, value] lists, BINPUT/BINGET interleaved."""
    weight = torch.tensor([[1.5, -2.0], [0.25, 8.0]])
    bias = torch.tensor([0.5, -0.75, 3.0])
    weight_key, bias_key = "140211", "140212"
    obj = proto2() + glob("collections", "OrderedDict") + binput(0) + MARK + EMPTY_LIST + binput(1) + MARK

    def pair(name, key, t, size, stride, first):
        body = EMPTY_LIST + MARK + short_binstring(name)
        body += (glob("torch._utils", "_rebuild_tensor") + binput(2)) if first else binget(2)
        body += MARK + MARK
        body += (short_binstring("storage") + binput(3)) if first else binget(3)
        body += glob("torch.cuda", "FloatStorage") + short_binstring(key)
        body += (short_binstring("cuda:0") + binput(4)) if first else binget(4)
        body += long1(t.numel()) + NONE + TUPLE + BINPERSID + long1(0)
        body += MARK + b"".join(long1(n) for n in size) + TUPLE
        body += MARK + b"".join(long1(n) for n in stride) + TUPLE
        body += TUPLE + REDUCE + APPENDS
        return body

    obj += pair("conv.weight", weight_key, weight, (2, 2), (2, 1), True)
    obj += pair("conv.bias", bias_key, bias, (3,), (1,), False)
    obj += APPENDS + TUPLE + REDUCE + STOP
    data = (legacy_header(py2=True) + obj + key_list([weight_key, bias_key], py2=True)
            + storage_record(weight) + storage_record(bias))
    return data, OrderedDict([("conv.weight", weight), ("conv.bias", bias)])


def rebuild_v2(storage_tuple, offset, size, stride):
    """A modern _rebuild_tensor_v2 call (memo index 0 is the OrderedDict global)."""
    return (glob("torch._utils", "_rebuild_tensor_v2") + MARK + MARK + storage_tuple + TUPLE + BINPERSID
            + long1(offset) + MARK + b"".join(long1(n) for n in size) + TUPLE
            + MARK + b"".join(long1(n) for n in stride) + TUPLE
            + NEWFALSE + binget(0) + EMPTY_TUPLE + REDUCE + TUPLE + REDUCE)


def view_file():
    """Legacy storage views (view_metadata, docs/reference/checkpoint-format.md §3.2): root storage '100' of 10
    floats; view '101' = elements 2..6; two tensors through the view, one on the root."""
    root = torch.arange(10, dtype=torch.float32) * 0.5 - 1.0

    def storage(view):
        meta = NONE if view is None else (MARK + binunicode(view[0]) + long1(view[1]) + long1(view[2]) + TUPLE)
        return (binunicode("storage") + glob("torch", "FloatStorage") + binunicode("100") + binunicode("cpu")
                + long1(10) + meta)

    obj = proto2() + glob("collections", "OrderedDict") + binput(0) + EMPTY_TUPLE + REDUCE + MARK
    obj += binunicode("through_view") + rebuild_v2(storage(("101", 2, 5)), 1, (3,), (1,))
    obj += binunicode("view_again") + rebuild_v2(storage(("101", 2, 5)), 0, (2, 2), (1, 2))
    obj += binunicode("root") + rebuild_v2(storage(None), 8, (2,), (1,))
    obj += SETITEMS + STOP
    view = root[2:7]
    expected = OrderedDict([
        ("through_view", view[1:4]),
        ("view_again", torch.as_strided(view, (2, 2), (1, 2), view.storage_offset())),
        ("root", root[8:10]),
    ])
    return legacy_header() + obj + key_list(["100"]) + storage_record(root), expected


def binstring_file():
    """A Python-2 file whose long key is written with BINSTRING (≥ 256 bytes)."""
    name = "layer." + "x" * 300 + ".weight"
    t = torch.tensor([2.0, -4.0])
    obj = proto2() + glob("collections", "OrderedDict") + binput(0) + EMPTY_TUPLE + REDUCE + MARK
    obj += binstring(name) + rebuild_v2(
        short_binstring("storage") + glob("torch", "FloatStorage") + short_binstring("7") + short_binstring("cpu")
        + long1(2) + NONE, 0, (2,), (1,))
    obj += SETITEMS + STOP
    return legacy_header(py2=True) + obj + key_list(["7"], py2=True) + storage_record(t), OrderedDict([(name, t)])


def big_endian_zip(source_name, target_name):
    """Rewrites a zip checkpoint as a big-endian machine would: byteorder 'big' and every storage
    byte-swapped, through PyTorch's own archive writer."""
    import zipfile
    src = os.path.join(OUT, source_name)
    with zipfile.ZipFile(src) as z:
        names = z.namelist()
        prefix = names[0].split("/")[0] + "/"
        contents = {n[len(prefix):]: z.read(n) for n in names}
    pkl = contents["data.pkl"]
    dtypes = storage_types(pkl)
    sizes = dict(STORAGE_SIZES, ComplexFloatStorage=4, ComplexDoubleStorage=8)  # complex: halves swapped
    out = torch._C.PyTorchFileWriter(os.path.join(OUT, target_name))
    for name in ["data.pkl", ".format_version", ".storage_alignment", "byteorder"] + \
            sorted((n for n in contents if n.startswith("data/")), key=lambda n: int(n[5:])) + ["version"]:
        data = contents[name]
        if name == "byteorder":
            data = b"big"
        elif name.startswith("data/"):
            width = sizes[dtypes[name[5:]]]
            data = b"".join(data[i:i + width][::-1] for i in range(0, len(data), width))
        out.write_record(name, data, len(data))
    out.write_end_of_file()


# ---------------------------------------------------------------------------------------------


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    torch.manual_seed(0)

    def grid(*shape, scale=8.0):
        n = 1
        for d in shape:
            n *= d
        return ((torch.arange(n, dtype=torch.float32) - n // 2) / scale).reshape(shape)

    # 1. Shapes, 0-d int64, non-contiguous views, shared storage.
    base_t = grid(3, 4, scale=4.0)
    base_s = grid(6, 5, scale=2.0) + 100.0
    shared = torch.arange(10, dtype=torch.float32) * 0.25
    tensors = OrderedDict([
        ("f2", grid(3, 4)),
        ("f3", grid(2, 3, 4, scale=16.0)),
        ("f4", grid(2, 3, 2, 2, scale=32.0)),
        ("f5", grid(2, 1, 3, 2, 2, scale=64.0)),
        ("count", torch.tensor(-1234567890123, dtype=torch.int64)),
        ("transposed", base_t.t()),
        ("sliced", base_s[2:5, 1:4]),
        ("shared_a", shared[:6].view(2, 3)),
        ("shared_b", shared[4:]),
        ("empty", torch.zeros(0, 3)),
    ])
    assert not tensors["transposed"].is_contiguous() and not tensors["sliced"].is_contiguous()
    save_both("tensors", tensors, "tensors", "2-D to 5-D float32, 0-d int64, a transpose and a slice saved "
              "directly (strided, offset), two views of one storage, an empty tensor")

    # 2. Element types.
    dtypes = OrderedDict([
        ("float64", torch.tensor([1.0 / 3.0, -2.5, 1e300], dtype=torch.float64)),
        ("float16", torch.tensor([0.5, -2.0, 65504.0, 0.000061035156], dtype=torch.float16)),
        ("bfloat16", torch.tensor([1.5, -3.0e38], dtype=torch.bfloat16)),
        ("int32", torch.tensor([[-2147483648, 2147483647]], dtype=torch.int32)),
        ("int16", torch.tensor([-32768, 12345], dtype=torch.int16)),
        ("int8", torch.tensor([-128, 127, 0], dtype=torch.int8)),
        ("uint8", torch.tensor([0, 255, 7], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("complex64", torch.tensor([1 + 2j, -0.5 + 0j], dtype=torch.complex64)),
        ("int64", torch.tensor([-(2 ** 63), 2 ** 63 - 1], dtype=torch.int64)),
    ])
    save_both("dtypes", dtypes, "dtypes", "every storage element type")

    # 3. A real module: Conv2d + BatchNorm2d + Linear (the _metadata BUILD, num_batches_tracked).
    net = nn.Sequential(nn.Conv2d(2, 3, 2), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3, 2))
    with torch.no_grad():
        for i, (name, t) in enumerate(net.state_dict().items()):
            if t.dtype == torch.float32:
                t.copy_((torch.arange(t.numel(), dtype=torch.float32) * (i + 1) / 16.0 - 1.0).reshape(t.shape))
        net[1].num_batches_tracked.fill_(5)
    module_state = net.state_dict()
    assert hasattr(module_state, "_metadata")
    save_both("module", module_state, "module", "state_dict() of Conv2d + BatchNorm2d + Linear, with _metadata")

    # 4. state_dict(keep_vars=True): Parameters through torch._utils._rebuild_parameter.
    params = net.state_dict(keep_vars=True)
    assert isinstance(params["0.weight"], nn.Parameter)
    save_both("parameters", params, "module", "state_dict(keep_vars=True): _rebuild_parameter")
    raw = open(os.path.join(OUT, "parameters_legacy.pt"), "rb").read()
    assert b"_rebuild_parameter" in raw

    # 5. Many entries: memo indices past 255 (LONG_BINPUT / LONG_BINGET).
    pool = torch.arange(80, dtype=torch.float32) / 4.0
    many = OrderedDict((f"k{i:02d}", pool[i:i + 1]) for i in range(70))
    late = torch.tensor([0.5, 1.5, 2.5], dtype=torch.float64)
    many["late_a"] = late[:2]
    many["late_b"] = late[1:]
    save_both("many", many, "many", "72 entries: memo indices > 255 (LONG_BINPUT, LONG_BINGET)")
    for name in ("many_legacy.pt", "many_zip.pt"):
        if name.endswith("_zip.pt"):
            ops = ops_of(zip_pickle(name)[0])
        else:
            raw = open(os.path.join(OUT, name), "rb").read()
            s = split_pickles(raw, 4)[3]
            ops = ops_of(raw[s[0]:s[1]])
        assert "LONG_BINPUT" in ops and "LONG_BINGET" in ops, name

    # 6. A storage of ≥ 65 536 elements (numel as BININT), legacy only to keep the fixtures small.
    big = (torch.arange(65537, dtype=torch.int64) * 7 % 256).to(torch.uint8)
    write("big_storage_legacy.pt", legacy_bytes(OrderedDict([("big", big), ("tail", big[-3:])])))
    record("big_storage_legacy.pt", "legacy", OrderedDict([("big", big), ("tail", big[-3:])]), "big",
           "a uint8 storage of 65 537 elements, and a view of its end")

    # 7. Hand-assembled legacy files.
    data, expected = python2_file()
    write("python2_legacy.pt", data)
    record("python2_legacy.pt", "legacy", expected, "python2", "Python-2 / PyTorch-0.3 layout (§5)")
    data, expected = view_file()
    write("views_legacy.pt", data)
    record("views_legacy.pt", "legacy", expected, "views", "legacy view_metadata (§3.2)")
    data, expected = binstring_file()
    write("binstring_legacy.pt", data)
    record("binstring_legacy.pt", "legacy", expected, "binstring",
           "a 312-byte key as BINSTRING (the weights-only unpickler refuses BINSTRING)", weights_only_modes=(False,))

    # 8. Big-endian: zip with byteorder 'big' (data swapped); legacy with little_endian False
    #    (PyTorch reads legacy records as little-endian whatever the flag says).
    big_endian_zip("dtypes_zip.pt", "dtypes_bigendian_zip.pt")
    record("dtypes_bigendian_zip.pt", "zip", dtypes, "dtypes", "byteorder 'big', storages byte-swapped")
    raw = open(os.path.join(OUT, "tensors_legacy.pt"), "rb").read()
    flag = binunicode("little_endian")
    at = raw.index(flag) + len(flag)
    if raw[at:at + 1] == b"q":  # BINPUT after the key
        at += 2
    assert raw[at:at + 1] == NEWTRUE
    write("tensors_bigflag_legacy.pt", raw[:at] + NEWFALSE + raw[at + 1:])
    record("tensors_bigflag_legacy.pt", "legacy", tensors, "tensors", "sys_info little_endian False")

    # 9. Files to reject.
    module = nn.Conv2d(1, 1, 1)
    write("whole_module_legacy.pt", legacy_bytes(module))
    raw = open(os.path.join(OUT, "whole_module_legacy.pt"), "rb").read()
    s = split_pickles(raw, 4)[3]
    first = next(at for op, arg, at in pickletools.genops(io.BytesIO(raw[s[0]:s[1]])) if op.name == "GLOBAL")
    module_name, class_name = next(arg for op, arg, at in pickletools.genops(io.BytesIO(raw[s[0]:s[1]]))
                                   if op.name == "GLOBAL").split(" ")
    rejected.append({"file": "whole_module_legacy.pt", "error": "unsupportedGlobal",
                     "module": module_name, "name": class_name, "offset": s[0] + first,
                     "notes": "torch.save of a whole nn.Conv2d"})
    torch.save(module, os.path.join(OUT, "whole_module_zip.pt"))
    pkl, _ = zip_pickle("whole_module_zip.pt")
    first = next(at for op, arg, at in pickletools.genops(io.BytesIO(pkl)) if op.name == "GLOBAL")
    rejected.append({"file": "whole_module_zip.pt", "error": "unsupportedGlobal",
                     "module": module_name, "name": class_name,
                     "offset": zip_data_offset("whole_module_zip.pt", "/data.pkl") + first,
                     "notes": "torch.save of a whole nn.Conv2d"})

    torch.save(OrderedDict([("w", grid(2, 2))]), os.path.join(OUT, "protocol4_zip.pt"), pickle_protocol=4)
    pkl, _ = zip_pickle("protocol4_zip.pt")
    frame = next(at for op, arg, at in pickletools.genops(io.BytesIO(pkl)) if op.name == "FRAME")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_checked(os.path.join(OUT, "protocol4_zip.pt"), OrderedDict([("w", grid(2, 2))]), (False,))
        try:
            torch.load(os.path.join(OUT, "protocol4_zip.pt"), weights_only=True)
            raise AssertionError("weights_only accepted FRAME")
        except pickle.UnpicklingError:
            pass
    rejected.append({"file": "protocol4_zip.pt", "error": "unsupportedOpcode", "opcode": 0x95,
                     "offset": zip_data_offset("protocol4_zip.pt", "/data.pkl") + frame,
                     "notes": "torch.save(pickle_protocol=4): FRAME"})

    header = legacy_header()
    evil = proto2() + glob("posix", "system") + binunicode("echo pwned") + b"\x85" + REDUCE + STOP
    write("posix_system_legacy.pt", header + evil + key_list([]))
    try:
        torch.load(os.path.join(OUT, "posix_system_legacy.pt"), weights_only=True)
        raise AssertionError("weights_only accepted posix.system")
    except pickle.UnpicklingError:
        pass
    rejected.append({"file": "posix_system_legacy.pt", "error": "unsupportedGlobal", "module": "posix",
                     "name": "system", "offset": len(header) + 2, "notes": "GLOBAL posix system (never loaded "
                     "with weights_only=False)"})

    torch.jit.save(torch.jit.script(nn.Linear(2, 1)), os.path.join(OUT, "torchscript_zip.pt"))
    rejected.append({"file": "torchscript_zip.pt", "error": "unsupportedFormat", "offset": 0,
                     "notes": "torch.jit.save archive (constants.pkl, code/)"})

    # Manifest.
    files = sorted(f for f in os.listdir(OUT) if f.endswith(".pt"))
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in files)
    manifest = {
        "generator": "tools/reference/make_checkpoint_fixtures.py",
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "total_bytes": total,
        "files": {f: {"sha256": sha256(open(os.path.join(OUT, f), "rb").read()),
                      "bytes": os.path.getsize(os.path.join(OUT, f))} for f in files},
        "fixtures": fixtures,
        "rejected": rejected,
    }
    with open(os.path.join(OUT, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")
    for name in files:
        print(f"{name:32s} {os.path.getsize(os.path.join(OUT, name)):7d} bytes")
    print(f"total {total} bytes in {len(files)} files")


if __name__ == "__main__":
    main()
