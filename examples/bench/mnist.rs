//! W1–W5 for the MLP and the CNN, and the inference passes W6 shares with them.

use nn::{Adam, Dataset, FitConfig, Mode, Model, Network, Rng, Sgd};
use std::hint::black_box;
use std::time::Instant;

use crate::stats::{result_line, Summary};
use crate::Repeats;

/// The figures of one model.
pub struct Results {
    pub w1_ns: Summary,
    pub w2_per_second: Summary,
    pub w3_seconds: Summary,
    pub w4_accuracy: f64,
    pub w4_seconds: f64,
    pub w5_seconds: Summary,
    pub w5_speedup: Summary,
}

/// W1: one sample at a time through the heap-free forward pass, in ns per sample.
pub fn w1<N: Network>(model: &N, test: &Dataset, repeats: usize) -> Summary {
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

/// W2: batches of 256 through the batched inference pass, into a reused node arena, in
/// samples per second.
pub fn w2<N: Network>(model: &N, data: &Dataset, repeats: usize) -> Summary {
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

/// W1–W5 for one model.
pub fn run<N: Model + Clone>(
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

/// How one table cell shows a model's results.
type Cell = fn(&Results) -> String;

/// The W1–W5 table, one column per model (`None`: not run).
pub fn print_table(mlp: Option<&Results>, cnn: Option<&Results>) {
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
        let show = |r: Option<&Results>| r.map_or("(not run)".to_string(), cell);
        println!("| {label:<38} | {:<30} | {:<30} |", show(mlp), show(cnn));
    }
}

/// W1–W3 and W5 of one model as `result` lines (`model`: `mlp` or `cnn`), for
/// `scripts/bench_side_by_side.py`.
pub fn print_results(model: &str, results: &Results) {
    println!("{}", result_line("W1", model, "b1_ns", &results.w1_ns));
    println!(
        "{}",
        result_line("W2", model, "b256_per_s", &results.w2_per_second)
    );
    println!(
        "{}",
        result_line("W3", model, "train_s", &results.w3_seconds)
    );
    println!(
        "{}",
        result_line("W5", model, "train_s", &results.w5_seconds)
    );
}
