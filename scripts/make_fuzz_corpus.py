"""Writes the seed corpus of the `load_weights` fuzz target: valid and broken safetensors
files for its network (conv2d(2, kernel = 3), batch_norm, relu, flatten, dense(3), softmax on
[1, 6, 6] inputs).

Run once, from the repository root, in a virtual environment with numpy and safetensors:

    python scripts/make_fuzz_corpus.py
"""

from pathlib import Path

import numpy as np
from safetensors.numpy import save

OUT = Path("fuzz/corpus/load_weights")
rng = np.random.default_rng(0)

SHAPES = {
    "conv2d_0.weight": (2, 1, 3, 3),
    "conv2d_0.bias": (2,),
    "batch_norm_0.weight": (2,),
    "batch_norm_0.bias": (2,),
    "batch_norm_0.running_mean": (2,),
    "batch_norm_0.running_var": (2,),
    "dense_0.weight": (3, 32),
    "dense_0.bias": (3,),
}
# The layers of the network, in order, as a torch.nn.Sequential would number them.
SEQUENTIAL = {"conv2d_0": "0", "batch_norm_0": "1", "dense_0": "4"}
PARAM_COUNT = sum(int(np.prod(shape)) for shape in SHAPES.values())


def tensors():
    return {name: rng.standard_normal(shape).astype(np.float32) for name, shape in SHAPES.items()}


def write(name, data):
    (OUT / name).write_bytes(data)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    weights = save(tensors())
    write("valid_weights.safetensors", weights)

    renamed = {}
    for name, values in tensors().items():
        layer, tensor = name.split(".")
        renamed[f"{SEQUENTIAL[layer]}.{tensor}"] = values
    renamed["1.num_batches_tracked"] = np.array(7, dtype=np.int64)
    write("valid_pytorch_names.safetensors", save(renamed))

    state = tensors()
    state["optimizer.m"] = rng.standard_normal(PARAM_COUNT).astype(np.float32)
    state["optimizer.v"] = rng.random(PARAM_COUNT).astype(np.float32)
    metadata = {
        "format": "nn-checkpoint",
        "epoch": "3",
        "seed": "42",
        "batch_size": "16",
        "shuffle": "true",
        "optimizer.method": "adam",
        "optimizer.step": "48",
    }
    write("valid_checkpoint.safetensors", save(state, metadata=metadata))

    write("truncated.safetensors", weights[: len(weights) - 50])
    write("truncated_header.safetensors", weights[:40])

    wrong_dtype = tensors()
    wrong_dtype["dense_0.bias"] = wrong_dtype["dense_0.bias"].astype(np.float16)
    write("wrong_dtype.safetensors", save(wrong_dtype))

    wrong_shape = tensors()
    wrong_shape["dense_0.weight"] = wrong_shape["dense_0.weight"].reshape(32, 3)
    write("wrong_shape.safetensors", save(wrong_shape))

    missing = tensors()
    del missing["conv2d_0.bias"]
    write("missing_tensor.safetensors", save(missing))

    bad_metadata = dict(metadata, epoch="-1")
    write("bad_checkpoint_metadata.safetensors", save(state, metadata=bad_metadata))

    write("corrupt_header.safetensors", weights[:8] + b"[" + weights[9:])


if __name__ == "__main__":
    main()
