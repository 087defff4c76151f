//! The benchmark suite of BENCHMARKS.md: workloads W1–W5 for the MLP and the CNN on the MNIST
//! subset in `data/mnist`, printed as one table of medians with their spread (min–max).
//!
//! Run with `cargo run --release --example bench` (about 15 s), or with `-- --quick`
//! (or `NN_BENCH_QUICK=1`) for fewer repeats, and `-- --only mlp` or `-- --only cnn` for one
//! model. Data loading is outside every timed region.
//!
//! | id | what | reported as |
//! |---|---|---|
//! | W1 | inference, batch 1, over the 1,000 test digits | ns per sample |
//! | W2 | inference, batch 256, over the 8,000 training digits | samples per second |
//! | W3 | one training epoch, batch 32, shuffled, SGD lr 0.05 | seconds per epoch |
//! | W4 | test accuracy after 5 epochs of Adam (lr 1e-3), batch 32 | % |
//! | W5 | W3 on every core (data-parallel) | seconds per epoch, speed-up over W3 |
//!
//! W3 and W5 epochs alternate, so that both see the same machine load and the speed-up is a
//! ratio within one run.

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Mode, Model, Network, Rng, Sgd};
use std::hint::black_box;
use std::time::Instant;

include!("../models/mlp.rs");
include!("../models/cnn.rs");

/// The comparison line: the best other system's figure and the target, per workload.
const TARGETS: &str = "\
targets (best other system measured on this machine → target for nn):
  W1 MLP  tract/candle 11,600–16,700 ns      → ≤ 6,000 ns     W1 CNN  ONNX Runtime 26,600–34,400 ns → ≤ 10,000 ns
  W2 MLP  ONNX Runtime 336,000–385,000 /s    → ≥ 385,000 /s   W2 CNN  ONNX Runtime 94,000–119,000 /s → ≥ 120,000 /s
  W3 MLP  burn 0.151 s                       → ≤ 0.10 s       W3 CNN  PyTorch 1.13–1.47 s            → ≤ 0.40 s
  W5 speed-up on 2 cores: PyTorch 0.83–0.85× MLP, 1.27–1.34× CNN → ≥ 1.7× both";

/// How many times each workload is measured.
struct Repeats {
    /// W1 and W2 passes over their data.
    inference: usize,
    /// W3/W5 epochs (each).
    epochs: usize,
}

/// Median and extremes of some measurements.
#[derive(Clone, Copy)]
struct Summary {
    median: f64,
    min: f64,
    max: f64,
}

impl Summary {
    fn of(mut values: Vec<f64>) -> Summary {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Summary {
            median,
            min: values[0],
            max: values[n - 1],
        }
    }

    /// `median (min–max)` with `decimals` digits after the point, thousands separated.
    fn show(&self, decimals: usize) -> String {
        format!(
            "{} ({}–{})",
            group(self.median, decimals),
            group(self.min, decimals),
            group(self.max, decimals)
        )
    }
}

/// `x` with `decimals` digits and a comma between thousands.
fn group(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// How one table cell shows a model's results.
type Cell = fn(&Results) -> String;

/// The figures of one model.
struct Results {
    w1_ns: Summary,
    w2_per_second: Summary,
    w3_seconds: Summary,
    w4_accuracy: f64,
    w4_seconds: f64,
    w5_seconds: Summary,
    w5_speedup: Summary,
}

/// W1: one sample at a time through the heap-free forward pass.
fn w1<N: Network>(model: &N, test: &Dataset, repeats: usize) -> Summary {
    let mut output = vec![0.0f32; N::OUTPUT_LEN];
    let mut pass = || {
        let started = Instant::now();
        for input in test.inputs.chunks_exact(N::INPUT_LEN) {
            model.forward_sample(black_box(input), &mut output);
            black_box(&output);
        }
        started.elapsed().as_secs_f64() * 1e9 / test.len() as f64
    };
    pass(); // warm-up
    Summary::of((0..repeats).map(|_| pass()).collect())
}

/// W2: batches of 256 through the batched inference pass, into a reused node arena.
fn w2<N: Network>(model: &N, data: &Dataset, repeats: usize) -> Summary {
    const BATCH: usize = 256;
    let mut nodes = vec![0.0f32; N::arena_len(BATCH)];
    let mut rng = Rng::new(0);
    let mut pass = || {
        let started = Instant::now();
        for inputs in data.inputs.chunks(BATCH * N::INPUT_LEN) {
            let batch = inputs.len() / N::INPUT_LEN;
            let nodes = &mut nodes[..N::arena_len(batch)];
            nodes[..inputs.len()].copy_from_slice(inputs);
            model.forward_batch(nodes, batch, Mode::Infer, &mut rng);
            black_box(&nodes);
        }
        data.len() as f64 / started.elapsed().as_secs_f64()
    };
    pass(); // warm-up
    Summary::of((0..repeats).map(|_| pass()).collect())
}

/// Seconds of one epoch of SGD (lr 0.05, batch 32) with `threads` threads.
fn epoch<N: Model>(model: &mut N, train: &Dataset, seed: u64, threads: usize) -> f64 {
    let config = FitConfig::new(1, 32).seed(seed).threads(threads).quiet();
    let started = Instant::now();
    model
        .fit(train, None, &mut Sgd::new(0.05), &config)
        .expect("training");
    started.elapsed().as_secs_f64()
}

/// W3 and W5: alternating one-thread and all-core epochs from the same starting model.
fn w3_w5<N: Model + Clone>(
    fresh: &N,
    train: &Dataset,
    repeats: usize,
    cores: usize,
) -> (Summary, Summary, Summary) {
    let (mut one, mut all) = (fresh.clone(), fresh.clone());
    epoch(&mut one, train, 0, 1); // warm-up
    epoch(&mut all, train, 0, cores);
    let (mut single, mut parallel, mut speedup) = (Vec::new(), Vec::new(), Vec::new());
    for repeat in 1..=repeats as u64 {
        let s = epoch(&mut one, train, repeat, 1);
        let p = epoch(&mut all, train, repeat, cores);
        single.push(s);
        parallel.push(p);
        speedup.push(s / p);
    }
    (
        Summary::of(single),
        Summary::of(parallel),
        Summary::of(speedup),
    )
}

/// W4: 5 epochs of Adam from a fresh model, then the test accuracy (and the time it took).
fn w4<N: Model>(mut model: N, train: &Dataset, test: &Dataset) -> (f64, f64) {
    let config = FitConfig::new(5, 32).seed(42).quiet();
    let started = Instant::now();
    model
        .fit(train, None, &mut Adam::new(1e-3), &config)
        .expect("training");
    let seconds = started.elapsed().as_secs_f64();
    let accuracy = model.evaluate(test, 256).expect("evaluation").accuracy;
    (100.0 * f64::from(accuracy.unwrap_or(0.0)), seconds / 5.0)
}

fn run<N: Model + Clone>(
    name: &str,
    fresh: &N,
    train: &Dataset,
    test: &Dataset,
    repeats: &Repeats,
    cores: usize,
) -> Results {
    eprintln!("{name}: W1 …");
    let w1_ns = w1(fresh, test, repeats.inference);
    eprintln!("{name}: W2 …");
    let w2_per_second = w2(fresh, train, repeats.inference);
    eprintln!("{name}: W3 and W5 …");
    let (w3_seconds, w5_seconds, w5_speedup) = w3_w5(fresh, train, repeats.epochs, cores);
    eprintln!("{name}: W4 …");
    let (w4_accuracy, w4_seconds) = w4(fresh.clone(), train, test);
    Results {
        w1_ns,
        w2_per_second,
        w3_seconds,
        w4_accuracy,
        w4_seconds,
        w5_seconds,
        w5_speedup,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("NN_BENCH_QUICK").is_some_and(|v| v != "0");
    let repeats = if quick {
        Repeats {
            inference: 5,
            epochs: 3,
        }
    } else {
        Repeats {
            inference: 15,
            epochs: 7,
        }
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let train = Dataset::mnist(dir, MnistSplit::Train)?;
    let test = Dataset::mnist(dir, MnistSplit::Test)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .map(|m| m.to_lowercase());
    let wanted = |model: &str| only.as_deref().is_none_or(|o| o == model);
    let mlp =
        wanted("mlp").then(|| run("MLP", &*Mlp::new_boxed(42), &train, &test, &repeats, cores));
    let cnn =
        wanted("cnn").then(|| run("CNN", &*Cnn::new_boxed(42), &train, &test, &repeats, cores));

    println!(
        "nn benchmark (BENCHMARKS.md v1): {} training / {} test digits, {cores} cores, {}",
        train.len(),
        test.len(),
        nn::ops::simd::describe()
    );
    println!(
        "median (min–max) of {} inference passes and {} training epochs per workload{}\n",
        repeats.inference,
        repeats.epochs,
        if quick { " [--quick]" } else { "" }
    );
    let rows: [(&str, Cell); 6] = [
        ("W1 inference batch 1, ns/sample", |r| r.w1_ns.show(0)),
        ("W2 inference batch 256, samples/s", |r| {
            r.w2_per_second.show(0)
        }),
        ("W3 train epoch SGD b32, s/epoch", |r| r.w3_seconds.show(3)),
        ("W4 accuracy after 5 Adam epochs, %", |r| {
            format!("{:.1} ({:.3} s/epoch)", r.w4_accuracy, r.w4_seconds)
        }),
        ("W5 train epoch on all cores, s/epoch", |r| {
            r.w5_seconds.show(3)
        }),
        ("W5 speed-up over W3 (per epoch pair)", |r| {
            format!(
                "{:.2}× ({:.2}–{:.2})",
                r.w5_speedup.median, r.w5_speedup.min, r.w5_speedup.max
            )
        }),
    ];
    println!("| {:<38} | {:<30} | {:<30} |", "workload", "MLP", "CNN");
    println!("|{:-<40}|{:-<32}|{:-<32}|", "", "", "");
    for (label, cell) in &rows {
        let show = |r: &Option<Results>| r.as_ref().map_or("(not run)".to_string(), cell);
        println!("| {label:<38} | {:<30} | {:<30} |", show(&mlp), show(&cnn));
    }
    println!("\n{TARGETS}");
    Ok(())
}
