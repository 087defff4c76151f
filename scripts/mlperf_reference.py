"""Writes TFLite's outputs for the MLPerf Tiny float reference models on seeded inputs, for
`tests/mlperf_import.rs` to compare `nn`'s with.

For each model (kws, vww, ic, ad) it draws SAMPLES inputs from a seeded generator,
uniformly over the range that the int8 reference model's input quantization covers (so the
values are of the size the model was trained on), runs them one at a time through TFLite's
interpreter with its reference kernels (`BUILTIN_REF`, not the optimized ones), and writes
`<model>.txt` into OUT_DIR: one line `input v …` per sample in `nn`'s order (`[C, H, W]`
for an image, where the file's input is NHWC), then one line `output v …` per sample.

It also writes `<model>.layers.txt`, every operator's output tensor for every sample, read
after `invoke()` with `experimental_preserve_all_tensors` (without it the interpreter reuses
the memory of intermediate tensors): one line `SAMPLE OPERATOR OP_NAME v …` per sample and
operator, in execution order, each tensor in `nn`'s order (an NHWC map as `[C, H, W]`; the
output of a RESHAPE of a map as `nn`'s flatten orders it, the map's `[C, H, W]` flattened).
Each such tensor is the output of one layer of the `nn` network: an operator with a fused
activation (CONV_2D with ReLU, say) is `nn`'s layer followed by the activation layer, and
its output is the activation's; `tests/mlperf_import.rs` pairs them. Values are written
with 9 significant digits, which round-trip a float32.

The expected tensors are derived from the models, so they stay out of the repository like
the models themselves.

The KWS float file is hybrid: its convolution kernels are int8 with per-channel scales.
TFLite's hybrid kernels quantize each input activation to int8 at run time as well, which
moves the outputs from a float computation (by up to 0.16 of the output's scale over the 8
default samples, the probability of a class); `nn` dequantizes the weights on import and
computes in float. So the script runs a float32 copy of such a file instead,
every int8 weight replaced by `scale * (q - zero_point)` (computed in float64, as `nn` does,
and rounded to float32), and prints how far the hybrid file's own outputs are from it.

Run from the repository root, in a virtual environment with numpy and PyPI's
ai-edge-litert (`pip install ai-edge-litert==2.3.0 numpy`; tflite-runtime works too):

    python scripts/mlperf_reference.py OUT_DIR [--models DIR] [--samples 8] [--seed 0]
    NN_MLPERF_EXPECTED=OUT_DIR cargo test --test mlperf_import

DIR defaults to ../shared/mlperf-tiny (or NN_MLPERF_DIR). CI is to run these two commands
after installing the package into a virtual environment; the test skips the comparison,
saying so, when NN_MLPERF_EXPECTED is not set.
"""

import argparse
import os
import sys
from pathlib import Path

import flatbuffers
import numpy as np

try:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError:
    from tflite_runtime.interpreter import Interpreter, OpResolverType

# name: (float file, int8 file whose input quantization gives the input range)
MODELS = {
    "kws": ("kws_ref_model_float32.tflite", "kws_ref_model.tflite"),
    "vww": ("vww_96_float.tflite", "vww_96_int8.tflite"),
    "ic": ("pretrainedResnet.tflite", "pretrainedResnet_quant.tflite"),
    "ad": ("ad01_fp32.tflite", "ad01_int8.tflite"),
}


def interpreter(path=None, content=None, preserve_all_tensors=False):
    model = Interpreter(
        model_path=None if path is None else str(path),
        model_content=content,
        experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=preserve_all_tensors,
    )
    model.allocate_tensors()
    return model


def dequantized_copy(path):
    """The model's bytes with every int8 constant of a float graph (a hybrid file's
    weights) stored as float32, or None when it has none."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(path.read_bytes()), 0)
    changed = False
    for graph in model.subgraphs:
        for tensor in graph.tensors:
            data = model.buffers[tensor.buffer].data
            if tensor.type != schema.TensorType.INT8 or data is None or len(data) == 0:
                continue
            q = tensor.quantization
            values = np.asarray(data, dtype=np.uint8).view(np.int8).astype(np.float64)
            values = values.reshape(tensor.shape)
            axis = q.quantizedDimension if len(q.scale) > 1 else 0
            shape = [1] * values.ndim
            shape[axis] = len(q.scale)
            scale = np.asarray(q.scale, dtype=np.float64).reshape(shape if len(q.scale) > 1 else [1])
            zero = np.asarray(q.zeroPoint, dtype=np.float64).reshape(shape if len(q.scale) > 1 else [1])
            real = ((values - zero) * scale).astype(np.float32)
            model.buffers[tensor.buffer].data = np.frombuffer(real.tobytes(), dtype=np.uint8)
            tensor.type = schema.TensorType.FLOAT32
            tensor.quantization = None
            changed = True
    if not changed:
        return None
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def input_range(int8_path):
    """The real values the int8 model's input can represent: scale * (q - zero_point)."""
    detail = interpreter(int8_path).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    return scale * (info.min - zero_point), scale * (info.max - zero_point)


def nn_order(sample):
    """One sample from TFLite's layout to nn's: NHWC without the batch to [C, H, W]."""
    return sample.transpose(2, 0, 1) if sample.ndim == 3 else sample


def operator_outputs(model):
    """Every operator's output tensor after `invoke()`, in execution order, as `(operator
    index, operator name, values in nn's order)`."""
    shapes = {d["index"]: d["shape"] for d in model.get_tensor_details()}
    found = []
    for op in model._get_ops_details():
        (output,) = op["outputs"]
        values = model.get_tensor(output)[0]
        source = op["inputs"][0]
        if op["op_name"] == "RESHAPE" and len(shapes[source]) == 4:
            # nn's flatten reads the map in its [C, H, W] order, TFLite's reshape in NHWC.
            values = nn_order(model.get_tensor(source)[0])
        found.append((op["index"], op["op_name"], nn_order(values).ravel()))
    return found


def run(name, directory, samples, rng):
    float_file, int8_file = MODELS[name]
    low, high = input_range(directory / int8_file)
    original = interpreter(directory / float_file)
    copy = dequantized_copy(directory / float_file)
    path, content = (directory / float_file, None) if copy is None else (None, copy)
    model = interpreter(path, content, preserve_all_tensors=True)
    source = model.get_input_details()[0]
    target = model.get_output_details()[0]
    inputs, outputs, layers, hybrid = [], [], [], 0.0
    for _ in range(samples):
        x = rng.uniform(low, high, size=source["shape"]).astype(np.float32)
        model.set_tensor(source["index"], x)
        model.invoke()
        y = model.get_tensor(target["index"])[0].ravel()
        layers.append(operator_outputs(model))
        if copy is not None:
            original.set_tensor(original.get_input_details()[0]["index"], x)
            original.invoke()
            y_hybrid = original.get_tensor(original.get_output_details()[0]["index"])[0].ravel()
            hybrid = max(hybrid, float(np.abs(y_hybrid - y).max() / np.abs(y).max()))
        inputs.append(nn_order(x[0]).ravel())
        outputs.append(y)
    note = "" if copy is None else f"; int8 weights dequantized (hybrid file: {hybrid:.2e} off)"
    print(
        f"{name}: {samples} inputs in [{low:.4g}, {high:.4g}], output {target['shape'].tolist()}, "
        f"{len(layers[0])} operator outputs{note}"
    )
    return inputs, outputs, layers


def numbers(values):
    return " ".join(f"{float(v):.9g}" for v in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    default_dir = os.environ.get("NN_MLPERF_DIR", "../shared/mlperf-tiny")
    parser.add_argument("--models", type=Path, default=Path(default_dir))
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    missing = [f for files in MODELS.values() for f in files if not (args.models / f).exists()]
    if missing:
        sys.exit(
            f"{args.models} lacks {', '.join(missing)}: copy the MLPerf Tiny reference models "
            "(mlcommons/tiny, benchmark/training/<task>/trained_models/) there, or name their "
            "folder with --models or NN_MLPERF_DIR"
        )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for name in MODELS:
        inputs, outputs, layers = run(name, args.models, args.samples, rng)
        lines = [" ".join(["input"] + [repr(float(v)) for v in x]) for x in inputs]
        lines += [" ".join(["output"] + [repr(float(v)) for v in y]) for y in outputs]
        (args.out_dir / f"{name}.txt").write_text("\n".join(lines) + "\n")
        lines = [
            f"{sample} {operator} {op_name} {numbers(values)}"
            for sample, tensors in enumerate(layers)
            for operator, op_name, values in tensors
        ]
        (args.out_dir / f"{name}.layers.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {2 * len(MODELS)} files to {args.out_dir}")


if __name__ == "__main__":
    main()
