//! The benchmark suite of BENCHMARKS.md: W1–W5 for the MLP and the CNN on the MNIST subset in
//! `data/mnist`, W6 for the seed essay's CNN, and W7 for the four MLPerf Tiny float models,
//! printed as tables of medians with their spread (min–max).
//!
//! ```text
//! cargo run --release --example bench                        # everything (~2 min)
//! cargo run --release --example bench -- --quick            # fewer repeats (or NN_BENCH_QUICK=1)
//! cargo run --release --example bench -- --only cnn,seed     # some of mlp, cnn, seed, mlperf
//! cargo run --release --example bench -- --results           # also tab-separated `result` lines
//! cargo run --release --example bench -- --export-onnx DIR   # the MLP, the CNN and the MLPerf models as ONNX
//! ```
//!
//! | id | what | reported as |
//! |---|---|---|
//! | W1 | inference, batch 1, over the 1,000 test digits | ns per sample |
//! | W2 | inference, batch 256, over the 8,000 training digits | samples per second |
//! | W3 | one training epoch, batch 32, shuffled, SGD lr 0.05 | seconds per epoch |
//! | W4 | test accuracy after 5 epochs of Adam (lr 1e-3), batch 32 | % |
//! | W5 | W3 on every core (data-parallel) | seconds per epoch, speed-up over W3 |
//! | W6 | seed CNN: one epoch of Adam 1e-3, batch 32, one thread; inference at batch 1 (the 1,000 test digits) and 256 (2,048 training digits) | s per epoch, ns per sample, samples per second |
//! | W7 | MLPerf Tiny KWS, VWW, IC, AD (f32, imported from `.tflite`), one thread, seeded inputs uniform in ±1: batch 1 (100 inputs) and batch 256 | µs per inference, samples per second |
//!
//! W3 and W5 epochs alternate, so that both see the same machine load and the speed-up is a
//! ratio within one run. Data loading and model import are outside every timed region. W7
//! reads the reference models from `../shared/mlperf-tiny` or `NN_MLPERF_DIR`, and says so
//! when they are missing. `scripts/bench_side_by_side.py` runs W1–W3, W6 and W7
//! interleaved with PyTorch, TFLite and ONNX Runtime (`scripts/bench_peers.py`).

mod mlperf;
mod mnist;
mod seed_cnn;
mod stats;

use nn::data::MnistSplit;
use nn::Dataset;
use std::path::Path;

include!("../../models/mlp.rs");
include!("../../models/cnn.rs");

/// How many times each workload is measured.
pub struct Repeats {
    /// W1 and W2 passes over their data.
    pub inference: usize,
    /// W3/W5 epochs (each).
    pub epochs: usize,
    /// W6 training epochs.
    pub seed_epochs: usize,
    /// W6 inference passes (each batch size).
    pub seed_inference: usize,
    /// W7 passes per model and batch size.
    pub mlperf: usize,
}

impl Repeats {
    fn new(quick: bool) -> Repeats {
        if quick {
            Repeats {
                inference: 5,
                epochs: 3,
                seed_epochs: 1,
                seed_inference: 3,
                mlperf: 5,
            }
        } else {
            Repeats {
                inference: 15,
                epochs: 7,
                seed_epochs: 3,
                seed_inference: 5,
                mlperf: 15,
            }
        }
    }
}

/// Writes the benchmark's models as ONNX files into `out`, for ONNX Runtime
/// (`scripts/bench_peers.py`): `mlp.onnx` and `cnn.onnx` with the weights W1 and W2 run,
/// and the imported MLPerf Tiny models when their files are there.
fn export_onnx(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    nn::io::save_onnx(&*Mlp::new_boxed(42), out.join("mlp.onnx"))?;
    nn::io::save_onnx(&*Cnn::new_boxed(42), out.join("cnn.onnx"))?;
    println!("wrote mlp and cnn.onnx into {}", out.display());
    match mlperf::export_onnx(out) {
        Err(error) if !mlperf::models_dir().is_dir() => {
            println!("MLPerf models not written: {error}");
            Ok(())
        }
        other => other,
    }
}

/// The value after `flag` on the command line.
fn flag_value(flag: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != flag).nth(1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(out) = flag_value("--export-onnx") {
        return export_onnx(Path::new(&out));
    }
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("NN_BENCH_QUICK").is_some_and(|v| v != "0");
    let results = std::env::args().any(|a| a == "--results");
    let repeats = Repeats::new(quick);
    let only = flag_value("--only").map(|m| m.to_lowercase());
    let wanted = |model: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|m| m == model))
    };

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let train = Dataset::mnist(dir, MnistSplit::Train)?;
    let test = Dataset::mnist(dir, MnistSplit::Test)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mlp = wanted("mlp")
        .then(|| mnist::run("MLP", &*Mlp::new_boxed(42), &train, &test, &repeats, cores));
    let cnn = wanted("cnn")
        .then(|| mnist::run("CNN", &*Cnn::new_boxed(42), &train, &test, &repeats, cores));
    let seed = wanted("seed").then(|| seed_cnn::run(&train, &test, &repeats));
    let mlperf = wanted("mlperf").then(|| mlperf::run(repeats.mlperf));

    println!(
        "nn benchmark (BENCHMARKS.md v1): {} training / {} test digits, {cores} cores, {}",
        train.len(),
        test.len(),
        nn::ops::simd::describe()
    );
    println!(
        "median (min–max) of {} inference passes and {} training epochs per workload; W6: {} \
         epochs, {} inference passes; W7: {} passes{}\n",
        repeats.inference,
        repeats.epochs,
        repeats.seed_epochs,
        repeats.seed_inference,
        repeats.mlperf,
        if quick { " [--quick]" } else { "" }
    );
    if mlp.is_some() || cnn.is_some() {
        mnist::print_table(mlp.as_ref(), cnn.as_ref());
        println!();
    }
    if let Some(seed) = &seed {
        seed_cnn::print_table(seed);
        println!();
    }
    match &mlperf {
        Some(Ok(models)) => mlperf::print_table(models),
        Some(Err(error)) => println!("W7 not run: {error}"),
        None => {}
    }
    if results {
        println!();
        if let Some(mlp) = &mlp {
            mnist::print_results("mlp", mlp);
        }
        if let Some(cnn) = &cnn {
            mnist::print_results("cnn", cnn);
        }
        if let Some(seed) = &seed {
            seed_cnn::print_results(seed);
        }
        if let Some(Ok(models)) = &mlperf {
            mlperf::print_results(models);
        }
    }
    Ok(())
}
