"""Writes every operator's input and output tensors of TFLite's reference kernels on the four
MLPerf Tiny int8 models, for `tests/int8_reference.rs` to compare `nn`'s int8 kernels with,
tensor by tensor, bit for bit.

For each model (kws, vww, ic, ad) it draws SAMPLES inputs of uniformly random int8 values
from a seeded generator and adds the two edge inputs, all −128 and all 127; runs each
through TFLite's interpreter with the reference kernels (`BUILTIN_REF`, not the optimized
ones) and with every intermediate tensor preserved; and writes into OUT_DIR/<model>/:

  manifest.txt       `samples N`, then one line `tensor INDEX NAME DIMS…` per activation tensor
                     (the graph's input and every operator's output; DIMS in nn's order),
                     then one line `op INDEX NAME` per operator, for reading along
  t<INDEX>.i8        that tensor's int8 values for all N samples, one after the other, in
                     nn's order: `[C, H, W]` where TFLite's tensor is `[1, H, W, C]`, the
                     batch dropped elsewhere

The expected tensors are derived from the models, so they stay out of the repository like the
models themselves. Run from the repository root, in a virtual environment with numpy and
PyPI's ai-edge-litert (`pip install ai-edge-litert==2.3.0 numpy`):

    python scripts/mlperf_int8_reference.py OUT_DIR [--models DIR] [--samples 100] [--seed 0]
    NN_INT8_EXPECTED=OUT_DIR cargo test --test int8_reference

DIR defaults to ../shared/mlperf-tiny (or NN_MLPERF_DIR).
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

try:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError:
    from tflite_runtime.interpreter import Interpreter, OpResolverType

MODELS = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "ic": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}


def nn_order(value):
    """One tensor from TFLite's layout to nn's: NHWC to [C, H, W], the batch of 1 dropped."""
    assert value.shape[0] == 1, f"batch of {value.shape[0]}"
    value = value[0]
    return value.transpose(2, 0, 1) if value.ndim == 3 else value


def run(name, path, samples, rng, out_dir):
    model = Interpreter(
        model_path=str(path),
        experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    model.allocate_tensors()
    details = {d["index"]: d for d in model.get_tensor_details()}
    ops = model._get_ops_details()
    source = model.get_input_details()[0]
    assert source["dtype"] == np.int8, f"{name}: input is {source['dtype']}, not int8"
    # The activations: the graph's input and every operator's output.
    tensors = [source["index"]] + [int(t) for op in ops for t in op["outputs"]]
    inputs = [rng.integers(-128, 128, size=source["shape"], dtype=np.int8) for _ in range(samples)]
    inputs.append(np.full(source["shape"], -128, dtype=np.int8))
    inputs.append(np.full(source["shape"], 127, dtype=np.int8))
    values = {t: [] for t in tensors}
    for x in inputs:
        model.set_tensor(source["index"], x)
        model.invoke()
        for t in tensors:
            value = model.get_tensor(t)
            assert value.dtype == np.int8, f"{name}: tensor {t} is {value.dtype}"
            values[t].append(nn_order(value).copy())
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"samples {len(inputs)}"]
    for t in tensors:
        dims = " ".join(str(d) for d in values[t][0].shape)
        lines.append(f"tensor {t} {details[t]['name'].replace(' ', '_')} {dims}")
        (folder / f"t{t}.i8").write_bytes(np.stack(values[t]).tobytes())
    lines += [f"op {op['index']} {op['op_name']}" for op in ops]
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    print(f"{name}: {len(inputs)} inputs ({samples} random, all -128, all 127), "
          f"{len(ops)} operators, {len(tensors)} activation tensors")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    default_dir = os.environ.get("NN_MLPERF_DIR", "../shared/mlperf-tiny")
    parser.add_argument("--models", type=Path, default=Path(default_dir))
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    missing = [f for f in MODELS.values() if not (args.models / f).exists()]
    if missing:
        sys.exit(
            f"{args.models} lacks {', '.join(missing)}: copy the MLPerf Tiny reference models "
            "(mlcommons/tiny, benchmark/training/<task>/trained_models/) there, or name their "
            "folder with --models or NN_MLPERF_DIR"
        )
    rng = np.random.default_rng(args.seed)
    for name, file in MODELS.items():
        run(name, args.models / file, args.samples, rng, args.out_dir)
    print(f"wrote {len(MODELS)} folders to {args.out_dir}")


if __name__ == "__main__":
    main()
