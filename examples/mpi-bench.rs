//! Training on MPI ranks against training on threads, on the W3 workload of BENCHMARKS.md
//! (one epoch over the 8,000 digits, batch 32, shuffled, SGD lr 0.05) for the MLP and the
//! CNN; then a cost model of the gradient exchange on N machines.
//!
//! Run with `cargo run --release --features mpi --example mpi-bench [-- ROUNDS]` (default 5
//! rounds, about a minute). It measures 1 rank × 1 thread and 1 rank × 2 threads in this
//! process and starts `mpirun -np 2` on itself for 2 ranks × 1 thread, one epoch of each in
//! turn, so that all three see the same machine load; every rank holds the whole data set.
//! It prints the median epoch times and ratios, then the cost-model table. `NN_MPIRUN_FLAGS`
//! adds flags to `mpirun`, e.g. `--mca mpi_yield_when_idle 1` on a busy machine.

use std::process::Command;
use std::time::Instant;

use nn::data::MnistSplit;
use nn::mpi::{Cluster, RankData};
use nn::{Dataset, FitConfig, Model, Network, Sgd};

include!("../models/mlp.rs");
include!("../models/cnn.rs");

const BATCH: usize = 32;

fn digits() -> Dataset {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    Dataset::mnist(dir, MnistSplit::Train).expect("the MNIST digits in data/mnist")
}

fn config(seed: u64, threads: usize) -> FitConfig {
    FitConfig::new(1, BATCH).seed(seed).threads(threads).quiet()
}

/// Seconds of one epoch with `threads` threads, in this process alone.
fn epoch<N: Model>(model: &mut N, train: &Dataset, seed: u64, threads: usize) -> f64 {
    let started = Instant::now();
    model
        .fit(train, None, &mut Sgd::new(0.05), &config(seed, threads))
        .expect("training");
    started.elapsed().as_secs_f64()
}

/// Under mpirun: a warm-up epoch, then one measured epoch, whose time rank 0 prints.
fn worker(model_name: &str, seed: u64) {
    let cluster = Cluster::init().expect("MPI");
    let train = digits();
    let seconds = match model_name {
        "mlp" => rank_epochs(&cluster, &mut *Mlp::new_boxed(7), &train, seed),
        _ => rank_epochs(&cluster, &mut *Cnn::new_boxed(7), &train, seed),
    };
    if cluster.rank() == 0 {
        println!("epoch seconds: {seconds}");
    }
}

fn rank_epochs<N: Model>(cluster: &Cluster, model: &mut N, train: &Dataset, seed: u64) -> f64 {
    let mut run = |seed| {
        let started = Instant::now();
        let data = RankData::Whole(train);
        cluster
            .fit(model, data, None, &mut Sgd::new(0.05), &config(seed, 1))
            .expect("training");
        started.elapsed().as_secs_f64()
    };
    run(0);
    run(seed)
}

/// One measured 2-rank epoch, by `mpirun` on this very program.
fn two_ranks(model_name: &str, seed: u64) -> f64 {
    let exe = std::env::current_exe().expect("this program's path");
    let extra = std::env::var("NN_MPIRUN_FLAGS").unwrap_or_default();
    let output = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "-np", "2"])
        .args(extra.split_whitespace())
        .arg(exe)
        .args(["--worker", model_name, &seed.to_string()])
        .output()
        .expect("mpirun (install OpenMPI)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mpirun failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("epoch seconds: "))
        .and_then(|value| value.trim().parse().ok())
        .expect("rank 0's epoch time")
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (values[(n - 1) / 2] + values[n / 2]) / 2.0
}

/// Median epoch seconds of 1×1, 1×2 and 2×1, and the medians of the per-round ratios.
struct Measured {
    one: f64,
    two_threads: f64,
    two_ranks: f64,
    threads_speedup: f64,
    ranks_speedup: f64,
}

fn measure<N: Model + Clone>(name: &str, fresh: &N, train: &Dataset, rounds: usize) -> Measured {
    let (mut single, mut threaded) = (fresh.clone(), fresh.clone());
    epoch(&mut single, train, 0, 1);
    epoch(&mut threaded, train, 0, 2);
    let (mut ones, mut twos, mut ranks) = (Vec::new(), Vec::new(), Vec::new());
    let (mut threads_speedup, mut ranks_speedup) = (Vec::new(), Vec::new());
    for round in 1..=rounds as u64 {
        let one = epoch(&mut single, train, round, 1);
        let two = epoch(&mut threaded, train, round, 2);
        let rank = two_ranks(name, round);
        eprintln!("{name} round {round}: 1×1 {one:.3} s, 1×2 {two:.3} s, 2×1 {rank:.3} s");
        threads_speedup.push(one / two);
        ranks_speedup.push(one / rank);
        ones.push(one);
        twos.push(two);
        ranks.push(rank);
    }
    Measured {
        one: median(ones),
        two_threads: median(twos),
        two_ranks: median(ranks),
        threads_speedup: median(threads_speedup),
        ranks_speedup: median(ranks_speedup),
    }
}

/// A model of the cost model: parameters and training seconds per step of batch 32 on one
/// thread.
struct Costed {
    name: &'static str,
    params: usize,
    step: f64,
}

/// Seconds of one gradient exchange of `params` floats among `n` ranks at `bandwidth` bytes
/// per second and `latency` seconds per message: each rank sends and receives
/// 2·(N−1)/N of the gradient (all-to-all of slices, then all-gather of the sums) in
/// 2·(N−1) messages, plus ⌈log₂ N⌉ messages for the batch statistics.
fn exchange_seconds(params: usize, n: usize, bandwidth: f64, latency: f64) -> f64 {
    if n == 1 {
        return 0.0;
    }
    let bytes = 4.0 * params as f64;
    let rounds = 2.0 * (n - 1) as f64 + (n as f64).log2().ceil();
    2.0 * (n - 1) as f64 / n as f64 * bytes / bandwidth + rounds * latency
}

fn cost_model(models: &[Costed]) {
    // (name, bytes per second, seconds per message)
    let links = [
        ("1 Gbit/s, TCP (α 50 µs)", 1e9 / 8.0, 50e-6),
        ("10 Gbit/s, TCP (α 20 µs)", 10e9 / 8.0, 20e-6),
        ("100 Gbit/s, RDMA (α 2 µs)", 100e9 / 8.0, 2e-6),
    ];
    let ns = [2, 4, 8, 16, 32, 64];
    println!("\ncost model: exchange time t_x(N) per step, and what it does to a step of batch 32 per rank");
    println!("(weak scaling: every rank trains 32 samples, efficiency = t_step / (t_step + t_x));");
    println!("and for one global batch of 32 cut among N ranks (strong scaling), the best N and its speed-up\n");
    println!(
        "| model | params | t_step (b32) | link | t_x N=2 / 8 / 64 | efficiency N=2 / 4 / 8 / 16 / 32 / 64 | ≥ 50 % up to | b32 over N: best N (speed-up) |"
    );
    println!("|---|---:|---:|---|---|---|---:|---|");
    for model in models {
        for (link, bandwidth, latency) in links {
            let exchange = |n| exchange_seconds(model.params, n, bandwidth, latency);
            let efficiency = |n| model.step / (model.step + exchange(n));
            let efficiencies: Vec<String> = ns
                .iter()
                .map(|&n| format!("{:.0}", 100.0 * efficiency(n)))
                .collect();
            let paying = ns
                .iter()
                .copied()
                .filter(|&n| efficiency(n) >= 0.5)
                .max()
                .map_or("never".to_string(), |n| format!("N = {n}"));
            let strong = |n: usize| model.step / (model.step / n as f64 + exchange(n));
            let best = (1..=BATCH)
                .max_by(|&a, &b| strong(a).total_cmp(&strong(b)))
                .unwrap_or(1);
            println!(
                "| {} | {} | {:.2} ms | {link} | {:.0} / {:.0} / {:.0} µs | {} % | {paying} | N = {best} ({:.1}×) |",
                model.name,
                model.params,
                1e3 * model.step,
                1e6 * exchange(2),
                1e6 * exchange(8),
                1e6 * exchange(64),
                efficiencies.join(" / "),
                strong(best),
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, model, seed] = args.as_slice() {
        if flag == "--worker" {
            worker(model, seed.parse().expect("a seed"));
            return;
        }
    }
    let rounds: usize = args.first().map_or(5, |a| a.parse().expect("rounds"));
    let train = digits();
    let steps = train.len().div_ceil(BATCH);
    let mlp = measure("mlp", &*Mlp::new_boxed(7), &train, rounds);
    let cnn = measure("cnn", &*Cnn::new_boxed(7), &train, rounds);

    println!(
        "W3 epochs (8,000 digits, batch 32, SGD), medians of {rounds} rounds on this machine:\n"
    );
    println!("| model | 1 rank × 1 thread | 1 rank × 2 threads | 2 ranks × 1 thread | 2 threads vs 1 | 2 ranks vs 1 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, m) in [("MLP", &mlp), ("CNN", &cnn)] {
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.3} s | {:.2}× | {:.2}× |",
            m.one, m.two_threads, m.two_ranks, m.threads_speedup, m.ranks_speedup
        );
    }

    // The MLPerf Tiny models are not built here: their step time is the CNN's measured rate
    // (training FLOPs ≈ 3 × the forward pass) times their forward FLOPs.
    let flops_per_second = 3.0 * cnn_forward_flops() * (steps * BATCH) as f64 / cnn.one;
    let estimated = |forward_flops: f64| 3.0 * forward_flops * BATCH as f64 / flops_per_second;
    let models = [
        Costed {
            name: "MLP (measured)",
            params: Mlp::PARAM_COUNT,
            step: mlp.one / steps as f64,
        },
        Costed {
            name: "CNN (measured)",
            params: Cnn::PARAM_COUNT,
            step: cnn.one / steps as f64,
        },
        Costed {
            name: "ResNet-8 (est.)",
            params: 78_000,
            step: estimated(25.0e6),
        },
        Costed {
            name: "DS-CNN KWS (est.)",
            params: 24_000,
            step: estimated(5.4e6),
        },
        Costed {
            name: "MobileNet VWW (est.)",
            params: 221_000,
            step: estimated(15.0e6),
        },
        Costed {
            name: "AD autoencoder (est.)",
            params: 270_000,
            step: estimated(0.53e6),
        },
    ];
    println!(
        "\nthe CNN trains at {:.2} GFLOP/s on one thread; the estimates scale that by each model's forward FLOPs",
        flops_per_second / 1e9
    );
    cost_model(&models);
}

/// Forward FLOPs of one CNN sample, from its layer table.
fn cnn_forward_flops() -> f64 {
    Cnn::LAYERS.iter().map(|layer| layer.flops as f64).sum()
}
