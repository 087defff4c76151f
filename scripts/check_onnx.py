"""Checks nn's ONNX export in ONNX Runtime: each model passes `onnx.checker` (with shape
inference), and ONNX Runtime's outputs on the recorded inputs match nn's to 1e-5.

Run from the repository root, in a virtual environment with numpy, onnx and onnxruntime:

    cargo run --release --example export-onnx      # writes target/onnx/*.onnx and *.expected.txt
    python scripts/check_onnx.py [DIR]             # default DIR: target/onnx
"""

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime

TOLERANCE = 1e-5


def rows(path):
    inputs, outputs = [], []
    for line in path.read_text().splitlines():
        kind, *values = line.split(" ")
        (inputs if kind == "input" else outputs).append([float(v) for v in values])
    return np.array(inputs, dtype=np.float32), np.array(outputs, dtype=np.float32)


def check(model_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    graph_input = session.get_inputs()[0]
    inputs, expected = rows(model_path.with_suffix(".expected.txt"))
    shape = [len(inputs)] + list(graph_input.shape[1:])
    # Several outputs are compared side by side, in order, as `nn` lays them out.
    outputs = session.run(None, {graph_input.name: inputs.reshape(shape)})
    got = np.concatenate([output.reshape(len(inputs), -1) for output in outputs], axis=1)
    difference = float(np.abs(got - expected).max())
    ops = [node.op_type for node in model.graph.node]
    print(f"{model_path.name}: {len(inputs)} samples, max |ONNX Runtime - nn| = {difference:.2e} ({' '.join(ops)})")
    return difference


def main():
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "target/onnx")
    models = sorted(directory.glob("*.onnx"))
    if not models:
        sys.exit(f"no .onnx files in {directory}; run `cargo run --release --example export-onnx`")
    print(f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}")
    worst = max(check(path) for path in models)
    if worst > TOLERANCE:
        sys.exit(f"FAILED: max difference {worst:.2e} > {TOLERANCE}")
    print(f"OK: all {len(models)} models within {TOLERANCE}")


if __name__ == "__main__":
    main()
