"""Counts the multiply-accumulates of the MLPerf Tiny int8 models that belong to filters whose
weights are all zeros (pruned channels), which the Cortex-M4 convolution skips: their sums are
their biases whatever the input.

For each model and each CONV_2D and DEPTHWISE_CONV_2D operator it prints the filters, the
all-zero ones and their multiply-accumulates (filter length × output pixels), then the
model's total against all its multiply-accumulates (fully connected layers included). Given
a model's instructions per inference (`firmware/run.sh … --features vww-int8` prints them),
`--instructions vww=12860800` adds the instructions per multiply-accumulate computed.
Run from the repository root with PyPI's ai-edge-litert and numpy:

    python scripts/pruned_filters.py [--models DIR] [--instructions MODEL=N ...]

DIR defaults to ../shared/mlperf-tiny (or NN_MLPERF_DIR).
"""

import argparse
import os
from pathlib import Path

import numpy as np

from mlperf_int8_reference import MODELS, Interpreter


def count(path):
    """(per-operator rows, all MACs, MACs in all-zero filters) of the model at `path`."""
    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    rows, total, pruned = [], 0, 0
    for op in interpreter._get_ops_details():
        kind = op["op_name"]
        if kind not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        weights = interpreter.get_tensor(op["inputs"][1])
        out_shape = tensors[op["outputs"][0]]["shape"]
        if kind == "FULLY_CONNECTED":
            total += int(weights.shape[0] * weights.shape[1])
            continue
        pixels = int(out_shape[1] * out_shape[2])
        if kind == "DEPTHWISE_CONV_2D":
            # [1, kh, kw, channels]: one filter per output channel.
            filters = np.moveaxis(weights, 3, 0).reshape(weights.shape[3], -1)
        else:
            # [filters, kh, kw, in_channels].
            filters = weights.reshape(weights.shape[0], -1)
        length = filters.shape[1]
        zero = int(np.sum(~filters.any(axis=1)))
        macs = filters.shape[0] * length * pixels
        total += macs
        pruned += zero * length * pixels
        rows.append((op["index"], kind, filters.shape[0], zero, zero * length * pixels, macs))
    return rows, total, pruned


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("NN_MLPERF_DIR", "../shared/mlperf-tiny")
    parser.add_argument("--models", default=default)
    parser.add_argument("--instructions", nargs="*", default=[], metavar="MODEL=N")
    args = parser.parse_args()
    instructions = dict(item.split("=") for item in args.instructions)
    for name, file in MODELS.items():
        rows, total, pruned = count(Path(args.models) / file)
        print(f"{name}: {pruned} of {total} MACs ({100 * pruned / total:.1f} %) in all-zero filters")
        for index, kind, filters, zero, zero_macs, macs in rows:
            if zero:
                print(f"  op {index} {kind}: {zero} of {filters} filters all zeros, "
                      f"{zero_macs} of {macs} MACs")
        if name in instructions:
            n = int(instructions[name])
            # Truncated to hundredths, as the firmware prints its figures.
            per_mac, per_computed = n * 100 // total, n * 100 // (total - pruned)
            print(f"  {n} instructions: {per_mac // 100}.{per_mac % 100:02} per MAC, "
                  f"{per_computed // 100}.{per_computed % 100:02} per MAC computed")


if __name__ == "__main__":
    main()
