#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Train and export the two sample networks shipped with nnbridge.

This script is for regeneration only: it is never run by the build or by the
tests.  The files it produces (ONNX models, reference predictions, metrics and
the Fashion-MNIST data sample) are committed to the repository.

How to run (from the repository root, with Debian's Python, which provides
python3-torch, python3-onnx and python3-numpy; Fashion-MNIST comes from the
Debian package dataset-fashion-mnist):

    /usr/bin/python3 resources/models/train.py

Outputs:
    resources/models/mlp.onnx, resources/models/lenet.onnx
    resources/models/mlp.predictions.txt, resources/models/lenet.predictions.txt
    resources/models/metrics.json
    resources/data/fashion-mnist-sample/t10k-{images-idx3,labels-idx1}-ubyte.gz

Preprocessing is exactly pixel / 255.0 (float32, shape [N,1,28,28]); there is
no mean/std normalisation, because the C++ side feeds exactly pixel / 255.
"""

import datetime
import gzip
import json
import os
import platform
import random
import struct
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

SEED = 20240601
EPOCHS = 15
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
OPSET = 13
THREADS = 2
EVAL_BATCH = 1000
SAMPLE_SIZE = 1000

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
RESOURCES_DIR = os.path.dirname(MODELS_DIR)
SAMPLE_DIR = os.path.join(RESOURCES_DIR, "data", "fashion-mnist-sample")

ALLOWED_OPS = {"Flatten", "Gemm", "Relu", "Conv", "MaxPool", "Softmax",
               "Reshape", "Identity", "Constant"}

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


# --------------------------------------------------------------------------
# IDX reading / writing
# --------------------------------------------------------------------------

def read_idx_gz(path):
    """Read a gzipped IDX file (unsigned byte data) into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if (magic >> 8) != 0x08:  # 0x08 = unsigned byte
        raise ValueError(f"{path}: unsupported IDX magic 0x{magic:08x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch {arr.size} vs {dims}")
    return magic, arr.reshape(dims)


def write_idx_gz(path, magic, arr):
    """Write a uint8 array as gzipped IDX, reproducibly (mtime=0, no name)."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                           compresslevel=9, mtime=0) as f:
            f.write(header)
            f.write(arr.tobytes())


def load_split(split):
    im_magic, images = read_idx_gz(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    lb_magic, labels = read_idx_gz(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    assert im_magic == IMAGES_MAGIC and lb_magic == LABELS_MAGIC
    assert images.shape[0] == labels.shape[0] and images.shape[1:] == (28, 28)
    return images, labels


def write_sample(test_images, test_labels):
    """Write the first SAMPLE_SIZE test images/labels and verify them."""
    os.makedirs(SAMPLE_DIR, exist_ok=True)
    im_path = os.path.join(SAMPLE_DIR, "t10k-images-idx3-ubyte.gz")
    lb_path = os.path.join(SAMPLE_DIR, "t10k-labels-idx1-ubyte.gz")
    write_idx_gz(im_path, IMAGES_MAGIC, test_images[:SAMPLE_SIZE])
    write_idx_gz(lb_path, LABELS_MAGIC, test_labels[:SAMPLE_SIZE])

    magic, im = read_idx_gz(im_path)
    assert magic == IMAGES_MAGIC and im.shape == (SAMPLE_SIZE, 28, 28)
    assert np.array_equal(im, test_images[:SAMPLE_SIZE])
    magic, lb = read_idx_gz(lb_path)
    assert magic == LABELS_MAGIC and lb.shape == (SAMPLE_SIZE,)
    assert np.array_equal(lb, test_labels[:SAMPLE_SIZE])
    print(f"sample written and verified: {im_path} ({os.path.getsize(im_path)} B), "
          f"{lb_path} ({os.path.getsize(lb_path)} B)")


def to_tensor(images):
    """uint8 [N,28,28] -> float32 [N,1,28,28] with values pixel / 255.0."""
    x = images.astype(np.float32) / np.float32(255.0)
    return torch.from_numpy(x.reshape(-1, 1, 28, 28))


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def make_mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def make_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
        nn.Softmax(dim=1),
    )


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(model, train_x, train_y, ends_in_softmax):
    """Adam + cross-entropy. A trailing Softmax is skipped while training
    (cross-entropy on the pre-softmax logits); it stays in the exported model."""
    net = model[:-1] if ends_in_softmax else model
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    n = train_x.shape[0]
    model.train()
    t0 = time.perf_counter()
    for epoch in range(EPOCHS):
        perm = torch.randperm(n, generator=gen)
        total_loss = 0.0
        correct = 0
        for i in range(0, n, BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            xb, yb = train_x[idx], train_y[idx]
            opt.zero_grad()
            logits = net(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            total_loss += loss.item() * xb.shape[0]
            correct += (logits.argmax(1) == yb).sum().item()
        print(f"  epoch {epoch + 1:2d}/{EPOCHS}: loss {total_loss / n:.4f} "
              f"train acc {100.0 * correct / n:.2f}% "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)
    seconds = time.perf_counter() - t0
    model.eval()
    return seconds


def predict(model, test_x):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, test_x.shape[0], EVAL_BATCH):
            preds.append(model(test_x[i:i + EVAL_BATCH]).argmax(1))
    return torch.cat(preds).numpy()


# --------------------------------------------------------------------------
# ONNX export and an independent numpy check of the exported graph
# --------------------------------------------------------------------------

def export_onnx(model, path):
    dummy = torch.zeros(1, 1, 28, 28, dtype=torch.float32)
    torch.onnx.export(
        model, dummy, path,
        export_params=True,
        opset_version=OPSET,
        do_constant_folding=True,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        raise RuntimeError(f"{path}: unexpected ONNX ops {bad}")
    print(f"  {os.path.basename(path)}: {os.path.getsize(path)} B, ops:")
    for n in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        print(f"    {n.name:<20} {n.op_type:<8} {list(n.input)} -> {list(n.output)} {attrs}")
    return m, ops


def _conv2d(x, w, b, pads, strides):
    n, c, h, wd = x.shape
    oc, ic, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - kh) // strides[0] + 1
    ow = (x.shape[3] - kw) // strides[1] + 1
    cols = np.empty((n, ic, kh, kw, oh, ow), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + strides[0] * oh:strides[0],
                                 j:j + strides[1] * ow:strides[1]]
    y = np.einsum("nckluv,ockl->nouv", cols, w, optimize=True)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _maxpool(x, k, s):
    n, c, h, w = x.shape
    oh = (h - k[0]) // s[0] + 1
    ow = (w - k[1]) // s[1] + 1
    y = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            y = np.maximum(y, x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]])
    return y


def run_onnx_numpy(m, x):
    """Tiny numpy interpreter for the few ops used, to check the ONNX file."""
    env = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x
    for n in m.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Flatten":
            ax = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Conv":
            k = ins[1].shape[2:]
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
            y = _conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                        a.get("pads", [0, 0, 0, 0]), a.get("strides", [1, 1]))
        elif op == "MaxPool":
            assert list(a.get("pads", [0, 0, 0, 0])) == [0, 0, 0, 0]
            y = _maxpool(ins[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]))
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(ins[0] - ins[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        elif op == "Reshape":
            y = ins[0].reshape(ins[1])
        elif op == "Identity":
            y = ins[0]
        elif op == "Constant":
            y = onnx.numpy_helper.to_array(a["value"])
        else:
            raise RuntimeError(f"numpy checker: unsupported op {op}")
        env[n.output[0]] = y.astype(np.float32)
    return env[m.graph.output[0].name]


def check_onnx_against_torch(m, model, test_x):
    x = test_x[:EVAL_BATCH]
    with torch.no_grad():
        ref = model(x).numpy()
    got = run_onnx_numpy(m, x.numpy())
    diff = float(np.abs(ref - got).max())
    same = int((ref.argmax(1) == got.argmax(1)).sum())
    print(f"  numpy ONNX check on {x.shape[0]} images: max |diff| {diff:.2e}, "
          f"argmax agrees on {same}/{x.shape[0]}")
    assert diff < 1e-3 and same == x.shape[0]


# --------------------------------------------------------------------------

def machine_description():
    model_name = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model_name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model_name}, {os.cpu_count()} cores"


def main():
    torch.set_num_threads(THREADS)
    try:
        torch.use_deterministic_algorithms(True)
    except Exception as e:  # pragma: no cover
        print(f"warning: deterministic algorithms unavailable: {e}")

    train_images, train_labels = load_split("train")
    test_images, test_labels = load_split("t10k")
    print(f"train {train_images.shape}, test {test_images.shape}")

    write_sample(test_images, test_labels)

    train_x = to_tensor(train_images)
    train_y = torch.from_numpy(train_labels.astype(np.int64))
    test_x = to_tensor(test_images)
    test_y = test_labels.astype(np.int64)

    metrics = {
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "onnx_opset": OPSET,
        "threads": THREADS,
        "machine": machine_description(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "data": "Debian dataset-fashion-mnist, /usr/share/datasets/fashion-mnist",
        "preprocessing": "float32 pixel / 255.0, shape [N,1,28,28], no normalisation",
    }

    for name, factory, ends_in_softmax in (("mlp", make_mlp, False),
                                           ("lenet", make_lenet, True)):
        print(f"== {name}", flush=True)
        seed_everything(SEED)
        model = factory()
        n_params = sum(p.numel() for p in model.parameters())
        secs = train(model, train_x, train_y, ends_in_softmax)

        preds = predict(model, test_x)
        correct = int((preds == test_y).sum())
        print(f"  test accuracy {correct}/{len(test_y)} = {100.0 * correct / len(test_y):.2f}%, "
              f"train time {secs:.1f} s", flush=True)

        onnx_file = f"{name}.onnx"
        pred_file = f"{name}.predictions.txt"
        m, ops = export_onnx(model, os.path.join(MODELS_DIR, onnx_file))
        check_onnx_against_torch(m, model, test_x)
        with open(os.path.join(MODELS_DIR, pred_file), "w") as f:
            f.write("".join(str(int(p)) for p in preds) + "\n")

        metrics[name] = {
            "test_correct": correct,
            "test_total": int(len(test_y)),
            "test_accuracy_percent": round(100.0 * correct / len(test_y), 2),
            "train_seconds": round(secs, 1),
            "epochs": EPOCHS,
            "batch_size": BATCH_SIZE,
            "learning_rate": LEARNING_RATE,
            "optimizer": "Adam",
            "loss": "cross-entropy" + (" on pre-softmax logits" if ends_in_softmax else ""),
            "seed": SEED,
            "parameters": int(n_params),
            "onnx_ops": ops,
            "onnx_file": onnx_file,
            "predictions_file": pred_file,
        }

    with open(os.path.join(MODELS_DIR, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
