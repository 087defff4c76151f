"""Reads the MNIST digits of `data/mnist` the way `nn`'s `Dataset::mnist` does, for the
PyTorch reference scripts beside this file (`resnet_reference.py`, `vae_reference.py`).

Same files (`train-*` / `test-*` IDX files, the `.gz` one when present), same order (the
files' own), same scaling (each pixel byte divided by 255, giving [0, 1]). Needs numpy only.
"""

import gzip
import struct
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def read_idx_u8(path, magic):
    """The dimensions and the unsigned bytes of an IDX file, gzipped or not."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        raise ValueError(f"{path}: magic number {found:#010x}, expected {magic:#010x}")
    rank = magic & 0xFF
    dims = struct.unpack(f">{rank}I", raw[4 : 4 + 4 * rank])
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if values.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {values.size} bytes of data, header calls for {dims}")
    return dims, values.reshape(dims)


def find_maybe_gzipped(directory, name):
    gzipped = directory / f"{name}.gz"
    return gzipped if gzipped.is_file() else directory / name


def load_mnist(directory, split):
    """One split ("train" or "test") as (images, labels): float32 pixels in [0, 1] of shape
    [count, 28, 28], and int64 labels 0-9 of shape [count]."""
    directory = Path(directory)
    _, images = read_idx_u8(find_maybe_gzipped(directory, f"{split}-images-idx3-ubyte"), IMAGES_MAGIC)
    _, labels = read_idx_u8(find_maybe_gzipped(directory, f"{split}-labels-idx1-ubyte"), LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"{directory}: {len(images)} {split} images but {len(labels)} labels")
    return images.astype(np.float32) / np.float32(255.0), labels.astype(np.int64)
