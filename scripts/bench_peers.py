"""Other systems on the benchmark's W1–W3, W6 and W7 (BENCHMARKS.md), measured as
`examples/bench` measures `nn`, printing the same tab-separated `result` lines:

    result  SYSTEM  WORKLOAD  MODEL  METRIC  MEDIAN  MIN  MAX

W1–W3 of the MLP and the CNN (`mnist-onnxruntime`, `mnist-pytorch`), one thread, on the
digits of `data/mnist`:
  - `onnxruntime`: ONNX Runtime's CPU provider as for W7, on `nn`'s ONNX export of the two
    models (`--export-onnx DIR` writes `mlp.onnx` and `cnn.onnx`): W1 ns per sample, one
    `run()` per test digit; W2 samples per second over the 8,000 training digits at batch 256.
  - `pytorch`: the same two networks in `torch.nn`, W1 and W2 as above under
    `torch.inference_mode()`, W3 one epoch of SGD (lr 0.05, batch 32, shuffled,
    cross-entropy on the logits) in seconds.

W7 (`w7`): the four MLPerf Tiny float models (kws, vww, ic, ad), one thread, inputs drawn
uniformly from ±1 with a fixed seed:
  - `tflite`: TFLite's interpreter (PyPI `ai-edge-litert`) on the `.tflite` files, its default
    delegate XNNPACK, `num_threads=1`. Batch 1: µs per `invoke()` over 100 inputs (setting
    the input is outside the timed call); batch 256: the input resized to 256, if the
    interpreter accepts it and gives 256 outputs, else no line.
  - `tflite_f32`: the same for a file with int8 weights in a float graph (KWS's is hybrid:
    TFLite's hybrid kernels quantize the activations at run time, while `nn` dequantizes
    the weights on import and computes in float): a float32 copy of it, as
    `scripts/mlperf_reference.py` makes one, held in memory.
  - `onnxruntime`: ONNX Runtime's CPU provider, intra- and inter-op threads 1, all graph
    optimizations, on the ONNX files that `nn` exports from the imported models
    (`cargo run --release --example bench -- --export-onnx DIR`); µs per `run()` at batch 1,
    samples per second at batch 256.
INT8 (`int8`): the four MLPerf Tiny int8 models (kws_ref_model, vww_96_int8,
pretrainedResnet_quant, ad01_int8) at batch 1, one thread, int8 inputs drawn uniformly with a
fixed seed: `tflite` is the interpreter with its default delegate (XNNPACK, which runs the
int8 operators it supports), `num_threads=1`, µs per `invoke()` over 100 inputs; what
`cargo run --release --example int8-bench` measures for `nn`.
W6 (`w6`): PyTorch, one thread (`torch.set_num_threads(1)`), the seed CNN on the MNIST digits
of `data/mnist`: one epoch of Adam 1e-3 at batch 32, shuffled, cross-entropy on the logits;
inference at batch 1 over the 1,000 test digits (ns per sample) and at batch 256 over
2,048 training digits (samples per second), under `torch.inference_mode()`.

Each figure is the median (with min and max) of REPEATS passes after a warm-up pass, the
same counts as `bench --quick` (W6: 1 epoch after a 1,024-digit warm-up, 3 inference
passes; W7: 5 passes). The script writes nothing: the MLPerf files are read from
../shared/mlperf-tiny beside the repository (or NN_MLPERF_DIR), the ONNX files from the
folder given.

Run from the repository root, each part in the virtual environment that has its packages:

    cargo run --release --example bench -- --export-onnx /tmp/nn-onnx
    ../venv-layers/bin/python scripts/bench_peers.py w7 --onnx /tmp/nn-onnx   # ai-edge-litert, onnxruntime, numpy
    ../venv-torch/bin/python scripts/bench_peers.py w6                        # torch, numpy
    ../venv-layers/bin/python scripts/bench_peers.py mnist-onnxruntime --onnx /tmp/nn-onnx
    ../venv-torch/bin/python scripts/bench_peers.py mnist-pytorch
    ../venv-layers/bin/python scripts/bench_peers.py int8                     # ai-edge-litert, numpy

`scripts/bench_side_by_side.py` runs these interleaved with `nn` and prints the ratios.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# name: the float reference file, as examples/bench/mlperf.rs imports it
MLPERF_FILES = {
    "kws": "kws_ref_model_float32.tflite",
    "vww": "vww_96_float.tflite",
    "ic": "pretrainedResnet.tflite",
    "ad": "ad01_fp32.tflite",
}
# name: the int8 reference file, as examples/int8-bench.rs loads it
MLPERF_INT8_FILES = {
    "kws": "kws_ref_model.tflite",
    "vww": "vww_96_int8.tflite",
    "ic": "pretrainedResnet_quant.tflite",
    "ad": "ad01_int8.tflite",
}
BATCH_1_SAMPLES = 100
BATCH_256 = 256


def mlperf_dir():
    return Path(os.environ.get("NN_MLPERF_DIR", ROOT.parent / "shared" / "mlperf-tiny"))


def result(system, workload, model, metric, values):
    print(
        f"result\t{system}\t{workload}\t{model}\t{metric}\t"
        f"{statistics.median(values)}\t{min(values)}\t{max(values)}",
        flush=True,
    )


def repeated(pass_, repeats):
    """A warm-up call of `pass_`, then `repeats` more; their values."""
    pass_()
    return [pass_() for _ in range(repeats)]


def tflite_w7(system, name, path, repeats, content=None):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(
        model_path=None if content else str(path), model_content=content, num_threads=1
    )
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    shape = list(detail["shape"])
    rng = np.random.default_rng(7)
    inputs = rng.uniform(-1, 1, size=[BATCH_1_SAMPLES] + shape).astype(np.float32)

    def batch_1():
        total = 0
        for x in inputs:
            interpreter.set_tensor(detail["index"], x)
            started = time.perf_counter_ns()
            interpreter.invoke()
            total += time.perf_counter_ns() - started
        return total / 1e3 / len(inputs)

    result(system, "W7", name, "b1_us", repeated(batch_1, repeats))

    try:
        interpreter.resize_tensor_input(detail["index"], [BATCH_256] + shape[1:])
        interpreter.allocate_tensors()
        batch = rng.uniform(-1, 1, size=[BATCH_256] + shape[1:]).astype(np.float32)
        interpreter.set_tensor(detail["index"], batch)
        interpreter.invoke()
        output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        if output.shape[0] != BATCH_256:
            raise ValueError(f"output shape {output.shape}")
    except Exception as error:  # the interpreter's errors have no common type
        print(f"{system} {name}: no batch 256 ({error})", file=sys.stderr)
        return

    def batch_256():
        interpreter.set_tensor(detail["index"], batch)
        started = time.perf_counter_ns()
        interpreter.invoke()
        return BATCH_256 / ((time.perf_counter_ns() - started) / 1e9)

    result(system, "W7", name, "b256_per_s", repeated(batch_256, repeats))


def torch_epoch(model, optimizer, x, y, generator):
    """Seconds of one shuffled epoch at batch 32, cross-entropy on the logits."""
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    started = time.perf_counter()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), 32):
        index = order[start : start + 32]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x[index]), y[index]).backward()
        optimizer.step()
    return time.perf_counter() - started


def onnxruntime_session(path):
    """ONNX Runtime's CPU provider on one thread, all graph optimizations."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnxruntime_w7(name, path, repeats):
    session = onnxruntime_session(path)
    input_ = session.get_inputs()[0]
    shape = [d for d in input_.shape[1:]]
    rng = np.random.default_rng(7)
    inputs = rng.uniform(-1, 1, size=[BATCH_1_SAMPLES, 1] + shape).astype(np.float32)
    batch = rng.uniform(-1, 1, size=[BATCH_256] + shape).astype(np.float32)

    def batch_1():
        started = time.perf_counter_ns()
        for x in inputs:
            session.run(None, {input_.name: x})
        return (time.perf_counter_ns() - started) / 1e3 / len(inputs)

    def batch_256():
        started = time.perf_counter_ns()
        session.run(None, {input_.name: batch})
        return BATCH_256 / ((time.perf_counter_ns() - started) / 1e9)

    result("onnxruntime", "W7", name, "b1_us", repeated(batch_1, repeats))
    result("onnxruntime", "W7", name, "b256_per_s", repeated(batch_256, repeats))


def w7(args):
    sys.path.insert(0, str(ROOT / "scripts"))
    from mlperf_reference import dequantized_copy

    for name, file in MLPERF_FILES.items():
        path = mlperf_dir() / file
        if not path.is_file():
            sys.exit(f"{path} is missing: copy the MLPerf Tiny reference models into "
                     "../shared/mlperf-tiny or set NN_MLPERF_DIR")
        print(f"{name}: TFLite …", file=sys.stderr)
        tflite_w7("tflite", name, path, args.repeats)
        float_copy = dequantized_copy(path)
        if float_copy is not None:
            print(f"{name}: TFLite, weights dequantized …", file=sys.stderr)
            tflite_w7("tflite_f32", name, path, args.repeats, content=float_copy)
        if args.onnx:
            print(f"{name}: ONNX Runtime …", file=sys.stderr)
            onnxruntime_w7(name, Path(args.onnx) / f"{name}.onnx", args.repeats)


def int8(args):
    from ai_edge_litert.interpreter import Interpreter

    for name, file in MLPERF_INT8_FILES.items():
        path = mlperf_dir() / file
        if not path.is_file():
            sys.exit(f"{path} is missing: copy the MLPerf Tiny reference models into "
                     "../shared/mlperf-tiny or set NN_MLPERF_DIR")
        print(f"{name}: TFLite int8 …", file=sys.stderr)
        interpreter = Interpreter(model_path=str(path), num_threads=1)
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        rng = np.random.default_rng(11)
        shape = [BATCH_1_SAMPLES] + list(detail["shape"])
        inputs = rng.integers(-128, 128, size=shape).astype(detail["dtype"])

        def batch_1():
            total = 0
            for x in inputs:
                interpreter.set_tensor(detail["index"], x)
                started = time.perf_counter_ns()
                interpreter.invoke()
                total += time.perf_counter_ns() - started
            return total / 1e3 / len(inputs)

        result("tflite", "INT8", name, "b1_us", repeated(batch_1, args.repeats))


def w6(args):
    import torch
    from torch import nn

    sys.path.insert(0, str(ROOT / "scripts"))
    from mnist_idx import load_mnist

    torch.set_num_threads(1)
    torch.manual_seed(42)
    train_x, train_y = load_mnist(ROOT / "data" / "mnist", "train")
    test_x, _ = load_mnist(ROOT / "data" / "mnist", "test")
    train_x = torch.from_numpy(train_x).unsqueeze(1)
    train_y = torch.from_numpy(train_y)
    test_x = torch.from_numpy(test_x).unsqueeze(1)

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    generator = torch.Generator().manual_seed(0)

    print("seed CNN: PyTorch training …", file=sys.stderr)
    torch_epoch(model, optimizer, train_x[:1024], train_y[:1024], generator)  # warm-up
    result("pytorch", "W6", "seed_cnn", "train_s",
           [torch_epoch(model, optimizer, train_x, train_y, generator)
            for _ in range(args.epochs)])

    print("seed CNN: PyTorch inference …", file=sys.stderr)
    model.eval()
    batched = train_x[:2048]

    def batch_1():
        started = time.perf_counter_ns()
        with torch.inference_mode():
            for i in range(len(test_x)):
                model(test_x[i : i + 1])
        return (time.perf_counter_ns() - started) / len(test_x)

    def batch_256():
        started = time.perf_counter_ns()
        with torch.inference_mode():
            for start in range(0, len(batched), BATCH_256):
                model(batched[start : start + BATCH_256])
        return len(batched) / ((time.perf_counter_ns() - started) / 1e9)

    result("pytorch", "W6", "seed_cnn", "b1_ns", repeated(batch_1, args.inference))
    result("pytorch", "W6", "seed_cnn", "b256_per_s", repeated(batch_256, args.inference))


def mnist_digits():
    """The training and test digits as float32 arrays of [N, 1, 28, 28], and the training
    labels."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from mnist_idx import load_mnist

    train_x, train_y = load_mnist(ROOT / "data" / "mnist", "train")
    test_x, _ = load_mnist(ROOT / "data" / "mnist", "test")
    return train_x[:, None], train_y, test_x[:, None]


def w1_w2(system, model, infer, inputs_of, train_x, test_x, repeats):
    """W1 (one test digit per call) and W2 (the training digits at batch 256) of one model,
    `infer` taking a batch made by `inputs_of`."""
    singles = [inputs_of(test_x[i : i + 1]) for i in range(len(test_x))]
    batches = [inputs_of(train_x[s : s + BATCH_256]) for s in range(0, len(train_x), BATCH_256)]

    def batch_1():
        started = time.perf_counter_ns()
        for x in singles:
            infer(x)
        return (time.perf_counter_ns() - started) / len(singles)

    def batch_256():
        started = time.perf_counter_ns()
        for x in batches:
            infer(x)
        return len(train_x) / ((time.perf_counter_ns() - started) / 1e9)

    result(system, "W1", model, "b1_ns", repeated(batch_1, repeats))
    result(system, "W2", model, "b256_per_s", repeated(batch_256, repeats))


def mnist_onnxruntime(args):
    train_x, _, test_x = mnist_digits()
    for model in ["mlp", "cnn"]:
        session = onnxruntime_session(Path(args.onnx) / f"{model}.onnx")
        input_ = session.get_inputs()[0]
        shape = [d for d in input_.shape[1:]]
        print(f"{model}: ONNX Runtime …", file=sys.stderr)
        w1_w2("onnxruntime", model,
              lambda x: session.run(None, {input_.name: x}),
              lambda x: np.ascontiguousarray(x.reshape([len(x)] + shape)),
              train_x, test_x, args.repeats)


def mnist_pytorch(args):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(42)
    train_x, train_y, test_x = mnist_digits()
    models = {
        "mlp": nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),
        ),
        "cnn": nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 10),
        ),
    }
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y)
    generator = torch.Generator().manual_seed(0)
    for name, model in models.items():
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        print(f"{name}: PyTorch …", file=sys.stderr)
        model.eval()

        def infer(batch):
            with torch.inference_mode():
                return model(batch)

        w1_w2("pytorch", name, infer, torch.from_numpy, train_x, test_x, args.repeats)
        result("pytorch", "W3", name, "train_s",
               repeated(lambda: torch_epoch(model, optimizer, x, y, generator), args.epochs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = parser.add_subparsers(dest="part", required=True)
    part_w7 = parts.add_parser("w7", help="TFLite and ONNX Runtime on the MLPerf Tiny models")
    part_w7.add_argument("--onnx", help="folder of nn's exported kws/vww/ic/ad.onnx")
    part_w7.add_argument("--repeats", type=int, default=5)
    part_int8 = parts.add_parser("int8", help="TFLite on the MLPerf Tiny int8 models")
    part_int8.add_argument("--repeats", type=int, default=5)
    part_w6 = parts.add_parser("w6", help="PyTorch on the seed CNN")
    part_w6.add_argument("--epochs", type=int, default=1)
    part_w6.add_argument("--inference", type=int, default=3)
    part_ort = parts.add_parser("mnist-onnxruntime", help="ONNX Runtime on the MLP and CNN")
    part_ort.add_argument("--onnx", required=True, help="folder of nn's exported mlp/cnn.onnx")
    part_ort.add_argument("--repeats", type=int, default=5)
    part_torch = parts.add_parser("mnist-pytorch", help="PyTorch on the MLP and CNN")
    part_torch.add_argument("--repeats", type=int, default=5)
    part_torch.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    {"w7": w7, "w6": w6, "int8": int8, "mnist-onnxruntime": mnist_onnxruntime,
     "mnist-pytorch": mnist_pytorch}[args.part](args)


if __name__ == "__main__":
    main()
