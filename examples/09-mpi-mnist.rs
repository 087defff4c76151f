//! Trains the CNN of BENCHMARKS.md data-parallel across the ranks of an MPI job: each rank
//! keeps its own part of the 8,000 MNIST training digits, the ranks combine their gradients
//! at every step, and rank 0 prints the accuracy on the 1,000 test digits (each rank
//! evaluates its part of them).
//!
//! Build with `cargo build --release --features mpi --example 09-mpi-mnist`, then run with
//! `mpirun -np 2 target/release/examples/09-mpi-mnist [DATA_DIR] [THREADS_PER_RANK]`
//! (defaults: `data/mnist`, 1; as root, add `--allow-run-as-root`).

use nn::data::MnistSplit;
use nn::mpi::{Cluster, RankData};
use nn::{Adam, Dataset, FitConfig};

include!("../models/cnn.rs");

fn main() {
    // MPI first: a panic after this aborts the whole job instead of hanging it.
    let cluster = match Cluster::init() {
        Ok(cluster) => cluster,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = run(&cluster) {
        // One write, so that the lines of two failing ranks cannot interleave.
        let line = format!("rank {}: error: {error}\n", cluster.rank());
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        // Returning (and finalizing MPI) lets the other ranks stop too: `fit` and
        // `evaluate` fail on every rank when one fails.
        std::process::exit(1);
    }
}

fn run(cluster: &Cluster) -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    let threads: usize = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("threads per rank must be a number, not {text:?}"))?,
        None => 1,
    };
    // Each rank keeps only its rows; a loader for larger data would read only these.
    let my_part = |data: Dataset| {
        let rows: Vec<usize> = cluster.part(data.len()).collect();
        data.subset(&rows)
    };
    let train = my_part(Dataset::mnist(&dir, MnistSplit::Train)?);
    let test = my_part(Dataset::mnist(&dir, MnistSplit::Test)?);

    let mut model = Cnn::new_boxed(42);
    let config = FitConfig::new(5, 32).seed(42).threads(threads);
    let history = cluster.fit(
        &mut *model,
        RankData::Part(&train),
        None,
        &mut Adam::new(1e-3),
        &config,
    )?;
    let result = cluster.evaluate(&*model, RankData::Part(&test), 256)?;

    if cluster.rank() == 0 {
        let mut epoch_seconds: Vec<f64> = history.epochs.iter().map(|e| e.seconds).collect();
        epoch_seconds.sort_by(f64::total_cmp);
        println!(
            "test accuracy: {:.2}% (loss {:.4}; {} ranks × {threads} thread(s), {:.3} s per epoch)",
            100.0 * result.accuracy.unwrap_or(0.0),
            result.loss,
            cluster.size(),
            epoch_seconds[epoch_seconds.len() / 2],
        );
    }
    Ok(())
}
