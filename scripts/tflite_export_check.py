"""Runs an int8 `.tflite` file that `nn::io::tflite::export_int8` wrote in TFLite's
interpreter with the reference kernels (`BUILTIN_REF`, not the optimized ones), on int8
inputs `nn` wrote, and writes the outputs for `tests/tflite_export_int8.rs` to compare with
the network's own int8 forward pass, byte for byte.

INPUTS holds N inputs one after the other, raw int8 in nn's order (`[C, H, W]` for an image,
which goes into TFLite's `[1, H, W, C]`); OUTPUTS receives the N outputs the same way, in
nn's order. With `--steps STEPS`, STEPS receives every operator's output too: for each
input, the outputs of all operators in execution order, each in nn's order (a `RESHAPE`'s
as TFLite holds it). Run in a virtual environment with numpy and PyPI's ai-edge-litert
(`pip install ai-edge-litert==2.3.0 numpy`):

    python scripts/tflite_export_check.py MODEL INPUTS OUTPUTS [--steps STEPS]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

try:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError:
    from tflite_runtime.interpreter import Interpreter, OpResolverType


def to_tflite(flat, shape):
    """One input from nn's order to TFLite's: [C, H, W] into [1, H, W, C]."""
    if len(shape) == 4:
        _, h, w, c = shape
        return flat.reshape(c, h, w).transpose(1, 2, 0).reshape(shape)
    return flat.reshape(shape)


def to_nn(value):
    """One output from TFLite's order to nn's, flattened: [1, H, W, C] to [C, H, W]."""
    assert value.shape[0] == 1, f"batch of {value.shape[0]}"
    value = value[0]
    if value.ndim == 3:
        value = value.transpose(2, 0, 1)
    return value.reshape(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("inputs", type=Path)
    parser.add_argument("outputs", type=Path)
    parser.add_argument("--steps", type=Path)
    args = parser.parse_args()
    model = Interpreter(
        model_path=str(args.model),
        experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=args.steps is not None,
    )
    model.allocate_tensors()
    source = model.get_input_details()[0]
    sink = model.get_output_details()[0]
    for end, what in [(source, "input"), (sink, "output")]:
        if end["dtype"] != np.int8:
            sys.exit(f"{args.model}: the {what} is {end['dtype']}, not int8")
    shape = tuple(source["shape"])
    input_len = int(np.prod(shape))
    data = np.frombuffer(args.inputs.read_bytes(), dtype=np.int8)
    if data.size % input_len:
        sys.exit(f"{args.inputs}: {data.size} bytes are not whole inputs of {input_len}")
    ops = model._get_ops_details()
    outputs, steps = [], []
    for flat in data.reshape(-1, input_len):
        model.set_tensor(source["index"], to_tflite(flat, shape))
        model.invoke()
        outputs.append(to_nn(model.get_tensor(sink["index"])).copy())
        if args.steps is not None:
            steps += [to_nn(model.get_tensor(int(op["outputs"][0]))).copy() for op in ops]
    args.outputs.write_bytes(np.stack(outputs).astype(np.int8).tobytes())
    if args.steps is not None:
        args.steps.write_bytes(np.concatenate(steps).astype(np.int8).tobytes())
    print(f"{args.model.name}: {len(outputs)} inputs of {[int(d) for d in shape]} through "
          f"{len(ops)} operators (BUILTIN_REF)")


if __name__ == "__main__":
    main()
