"""Runs the benchmark's W1–W3, W6 and W7 for `nn` and for the other systems of
`scripts/bench_peers.py` (PyTorch; TFLite and ONNX Runtime) back to back, in interleaved
rounds, and prints one Markdown table: per figure, the median over the rounds of each
system's per-round median (with the rounds' min–max), and how many times faster `nn` is,
as the median of the per-round ratios (each ratio between two processes that ran one after
the other). The 1-minute load average is read before every round and printed.

Each round runs `examples/bench --only mlp,cnn,seed,mlperf --quick --results`, then
`bench_peers.py mnist-onnxruntime`, `mnist-pytorch`, `w7` and `w6` (every other round in
the opposite order). The MLP, the CNN and the imported MLPerf Tiny models are exported to
ONNX into a temporary folder, deleted at the end: nothing is written into the repository
but cargo's `target/`. The MLPerf files come
from ../shared/mlperf-tiny or NN_MLPERF_DIR.

Run from the repository root with any Python 3 (standard library only); the peers run in
their own virtual environments:

    python3 scripts/bench_side_by_side.py [--rounds 3] [--parts mnist,w6,w7] \\
        [--litert-python ../venv-layers/bin/python] [--torch-python ../venv-torch/bin/python]

(environment variables NN_PEERS_LITERT_PYTHON and NN_PEERS_TORCH_PYTHON also name them).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    ("W1", "b1_ns"): "inference batch 1, ns/sample",
    ("W2", "b256_per_s"): "inference batch 256, samples/s",
    ("W3", "train_s"): "train epoch SGD b32, s",
    ("W5", "train_s"): "train epoch SGD b32 on all cores, s",
    ("W6", "train_s"): "train epoch Adam b32, s",
    ("W6", "b1_ns"): "inference batch 1, ns/sample",
    ("W6", "b256_per_s"): "inference batch 256, samples/s",
    ("W7", "b1_us"): "batch 1, µs/inference",
    ("W7", "b256_per_s"): "batch 256, samples/s",
}
PEERS = ["pytorch", "tflite", "tflite_f32", "onnxruntime"]


def run(command):
    """The `result` lines of a command's output, as (system, workload, model, metric) →
    median."""
    print("$ " + " ".join(str(c) for c in command), file=sys.stderr, flush=True)
    output = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    found = {}
    for line in output.splitlines():
        if line.startswith("result\t"):
            _, system, workload, model, metric, median, _, _ = line.split("\t")
            found[(system, workload, model, metric)] = float(median)
    return found


def faster(metric, nn, peer):
    """How many times faster nn is than the peer (above 1: nn is faster)."""
    return nn / peer if metric.endswith("per_s") else peer / nn


def spread(values, decimals):
    return (f"{statistics.median(values):,.{decimals}f} "
            f"({min(values):,.{decimals}f}–{max(values):,.{decimals}f})")


def decimals_for(value):
    return 0 if value >= 1000 else 1 if value >= 10 else 2 if value >= 1 else 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", default="mnist,w6,w7")
    parser.add_argument("--litert-python", default=os.environ.get(
        "NN_PEERS_LITERT_PYTHON", str(ROOT.parent / "venv-layers" / "bin" / "python")))
    parser.add_argument("--torch-python", default=os.environ.get(
        "NN_PEERS_TORCH_PYTHON", str(ROOT.parent / "venv-torch" / "bin" / "python")))
    args = parser.parse_args()
    parts = args.parts.split(",")

    subprocess.run(["cargo", "build", "--release", "--example", "bench"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    bench = target / "release" / "examples" / "bench"
    only = ",".join({"mnist": "mlp,cnn", "w6": "seed", "w7": "mlperf"}[p] for p in parts)
    onnx_dir = Path(tempfile.mkdtemp(prefix="nn-bench-onnx-"))
    try:
        if "w7" in parts or "mnist" in parts:
            subprocess.run([bench, "--export-onnx", onnx_dir], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        commands = [[bench, "--only", only, "--quick", "--results"]]
        if "mnist" in parts:
            commands.append([args.litert_python, "scripts/bench_peers.py", "mnist-onnxruntime",
                             "--onnx", onnx_dir])
            commands.append([args.torch_python, "scripts/bench_peers.py", "mnist-pytorch"])
        if "w7" in parts:
            commands.append([args.litert_python, "scripts/bench_peers.py", "w7", "--onnx", onnx_dir])
        if "w6" in parts:
            commands.append([args.torch_python, "scripts/bench_peers.py", "w6"])
        medians, ratios, loads = defaultdict(list), defaultdict(list), []
        for round_ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            print(f"round {round_ + 1} of {args.rounds}, load {loads[-1]:.2f}", file=sys.stderr)
            found = {}
            for command in commands if round_ % 2 == 0 else commands[::-1]:
                found.update(run(command))
            for (system, workload, model, metric), value in found.items():
                medians[(system, workload, model, metric)].append(value)
                nn = found.get(("nn", workload, model, metric))
                if system != "nn" and nn is not None:
                    ratios[(system, workload, model, metric)].append(faster(metric, nn, value))
    finally:
        shutil.rmtree(onnx_dir, ignore_errors=True)

    print(f"{args.rounds} interleaved rounds; 1-minute load average at their starts: "
          + ", ".join(f"{load:.2f}" for load in loads))
    print("each cell: median over the rounds of the per-round medians (min–max); "
          "×: how many times faster nn is, the median of per-round ratios (min–max)\n")
    figures = sorted({key[1:] for key in medians if key[0] == "nn"},
                     key=lambda k: (k[0], ["mlp", "cnn", "seed_cnn", "kws", "vww", "ic", "ad"].index(k[1]), k[2]))
    present = [p for p in PEERS if any(key[0] == p for key in medians)]
    print("| workload | model | figure | nn | " + " | ".join(present) + " |")
    print("|---|---|---|---:|" + "---:|" * len(present))
    for workload, model, metric in figures:
        nn = medians[("nn", workload, model, metric)]
        places = decimals_for(statistics.median(nn))
        cells = []
        for peer in present:
            values = medians.get((peer, workload, model, metric))
            if not values:
                cells.append("—")
                continue
            r = ratios[(peer, workload, model, metric)]
            cells.append(f"{spread(values, places)}; nn {statistics.median(r):.2f}× "
                         f"({min(r):.2f}–{max(r):.2f})")
        print(f"| {workload} | {model} | {LABELS[(workload, metric)]} | {spread(nn, places)} | "
              + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
