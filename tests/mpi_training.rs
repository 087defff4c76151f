//! Training across the ranks of an MPI job (feature `mpi`). This test binary is its own
//! worker: run plainly, it starts `mpirun -np 2` on itself with `--worker …` arguments,
//! under `timeout`, and checks what the ranks wrote and how the job ended.
//!
//! - 2 ranks × 1 thread give the bits of 1 process × 2 threads (Adam and SGD with momentum,
//!   a network with batch norm and dropout), from the whole data on every rank and from
//!   each rank's own part;
//! - resuming from a 2-rank checkpoint gives the bits of the uninterrupted run;
//! - a rank that is killed, panics or fails ends the job within seconds, with an error that
//!   names it, and the last checkpoint still loads.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nn::callbacks::{Callback, Control};
use nn::mpi::{Cluster, RankData};
use nn::{Adam, Checkpoint, Dataset, FitConfig, Model, Network, Optimizer, Rng, Sgd};

nn::network! {
    /// Batch norm (statistics per shard, running statistics updated shard after shard) and
    /// dropout (masks per shard): what makes sharding visible in the bits.
    struct Small {
        input: [1, 8, 8],
        conv2d(4, kernel = 3, padding = same), batch_norm, relu,
        max_pool2d(2),
        dropout(0.25),
        flatten,
        dense(3), softmax,
    }
}

const SAMPLES: usize = 192;
const BATCH: usize = 16;

/// Noisy 8×8 images whose class is the brightest third of the picture.
fn data() -> Dataset {
    let mut rng = Rng::new(5);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for sample in 0..SAMPLES {
        let class = sample % 3;
        for pixel in 0..64 {
            let bright = (pixel % 8) * 3 / 8 == class;
            inputs.push(rng.next_f32() * 0.5 + if bright { 0.5 } else { 0.0 });
        }
        targets.extend((0..3).map(|c| if c == class { 1.0 } else { 0.0 }));
    }
    Dataset::new(inputs, targets, 64, 3).unwrap()
}

/// Rank `rank`'s half of every batch of the data in its order: what one process with two
/// threads gives each shard when it does not shuffle.
fn half_of_every_batch(data: &Dataset, rank: usize) -> Dataset {
    let rows: Vec<usize> = (0..SAMPLES)
        .filter(|row| (row % BATCH) / (BATCH / 2) == rank)
        .collect();
    data.subset(&rows)
}

fn optimizer(name: &str) -> Box<dyn Optimizer> {
    match name {
        "adam" => Box::new(Adam::new(1e-2)),
        "sgd" => Box::new(Sgd::new(0.05).with_momentum(0.9)),
        other => panic!("unknown optimizer {other}"),
    }
}

fn config(epochs: usize, threads: usize) -> FitConfig {
    FitConfig::new(epochs, BATCH)
        .seed(3)
        .threads(threads)
        .quiet()
}

fn bytes(params: &[f32]) -> Vec<u8> {
    params.iter().flat_map(|p| p.to_le_bytes()).collect()
}

// ---------------------------------------------------------------------------------------
// The workers, run by mpirun.

/// Fails on rank 1 at the start of epoch 3, by returning an error, panicking, or being
/// killed mid-epoch.
struct FailOnRank1 {
    rank: usize,
    how: String,
    checkpoint: PathBuf,
}

impl Callback for FailOnRank1 {
    fn name(&self) -> &str {
        "fail-on-rank-1"
    }

    fn on_epoch_begin(&mut self, epoch: usize, _: &mut Control<'_>) -> Result<(), String> {
        if self.rank != 1 || epoch != 3 {
            return Ok(());
        }
        assert!(self.checkpoint.exists(), "epoch 2's checkpoint is missing");
        match self.how.as_str() {
            "error" => {
                // Said here, before the other ranks learn of the failure: once rank 0 has
                // exited, mpirun may end this process before it prints what `fit` returns.
                eprintln!("rank 1 cannot go on");
                return Err("rank 1 cannot go on".to_string());
            }
            "panic" => panic!("rank 1 panics"),
            _ => {
                // Killed (SIGKILL, no clean-up at all) a little into the epoch.
                let pid = std::process::id().to_string();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = Command::new("kill").args(["-9", &pid]).status();
                });
            }
        }
        Ok(())
    }
}

fn worker(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = Cluster::init()?;
    let data = data();
    let rank = cluster.rank();
    match args {
        [mode, data_kind, optimizer_name, epochs, out, rest @ ..] if mode == "fit" => {
            let mut model = Small::new_boxed(7);
            let mut config = config(epochs.parse()?, 1);
            let part;
            let train = if data_kind == "whole" {
                RankData::Whole(&data)
            } else {
                config = config.shuffle(false);
                part = half_of_every_batch(&data, rank);
                RankData::Part(&part)
            };
            if let [checkpoint, resume @ ..] = rest {
                config = config.checkpoint(checkpoint);
                if let [resume] = resume {
                    config = config.resume_from(resume);
                }
            }
            let mut optimizer = optimizer(optimizer_name);
            cluster.fit(&mut *model, train, None, &mut *optimizer, &config)?;
            if rank == 0 {
                std::fs::write(out, bytes(model.params()))?;
            }
        }
        [mode, how, checkpoint] if mode == "fail" => {
            let mut model = Small::new_boxed(7);
            let config = config(1000, 1).checkpoint(checkpoint);
            let mut fail = FailOnRank1 {
                rank,
                how: how.clone(),
                checkpoint: checkpoint.into(),
            };
            let mut optimizer = Adam::new(1e-2);
            let train = RankData::Whole(&data);
            cluster.fit_with(
                &mut *model,
                train,
                None,
                &mut optimizer,
                &config,
                &mut [&mut fail],
            )?;
        }
        other => return Err(format!("unknown worker arguments {other:?}").into()),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The checks, run plainly.

/// Where this run keeps its files: removed first, so that nothing of an earlier run counts.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-mpi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs this binary on 2 ranks with `args`, killed after `limit`; returns how it ended
/// and how long it took.
fn mpirun(args: &[&str], limit: Duration) -> (Output, Duration) {
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let output = Command::new("timeout")
        .args(["-k", "5", &limit.as_secs().to_string()])
        .args([
            "mpirun",
            "--allow-run-as-root",
            "--oversubscribe",
            "-np",
            "2",
        ])
        .arg(exe)
        .arg("--worker")
        .args(args)
        .output()
        .expect("cannot run timeout/mpirun: install openmpi-bin");
    (output, started.elapsed())
}

fn succeeds(args: &[&str]) {
    let (output, _) = mpirun(args, Duration::from_secs(120));
    assert!(
        output.status.success(),
        "mpirun {args:?}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn reference(data: &Dataset, optimizer_name: &str, epochs: usize, threads: usize) -> Vec<u8> {
    let mut model = Small::new_boxed(7);
    let mut optimizer = optimizer(optimizer_name);
    let config = config(epochs, threads);
    model.fit(data, None, &mut *optimizer, &config).unwrap();
    bytes(model.params())
}

fn two_ranks_give_the_bits_of_two_threads() {
    let data = data();
    for optimizer in ["adam", "sgd"] {
        let dir = scratch(optimizer);
        let out = dir.join("params");
        succeeds(&["fit", "whole", optimizer, "3", out.to_str().unwrap()]);
        let two_threads = reference(&data, optimizer, 3, 2);
        assert!(
            std::fs::read(&out).unwrap() == two_threads,
            "{optimizer}: 2 ranks differ from 2 threads"
        );
        // One thread rounds (and drops out) differently: the equality above is not luck.
        assert!(reference(&data, optimizer, 3, 1) != two_threads);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

fn ranks_with_their_own_parts_give_the_bits_of_two_threads() {
    let dir = scratch("parts");
    let out = dir.join("params");
    succeeds(&["fit", "part", "adam", "3", out.to_str().unwrap()]);
    let mut model = Small::new_boxed(7);
    let config = config(3, 2).shuffle(false);
    model
        .fit(&data(), None, &mut Adam::new(1e-2), &config)
        .unwrap();
    assert!(std::fs::read(&out).unwrap() == bytes(model.params()));
    std::fs::remove_dir_all(dir).unwrap();
}

fn resuming_on_two_ranks_gives_the_uninterrupted_bits() {
    let dir = scratch("resume");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (checkpoint, first, resumed) = (path("run.ckpt"), path("first"), path("resumed"));
    succeeds(&["fit", "whole", "adam", "2", &first, &checkpoint]);
    assert_eq!(Checkpoint::load::<Small>(&checkpoint).unwrap().epoch, 2);
    succeeds(&[
        "fit",
        "whole",
        "adam",
        "4",
        &resumed,
        &path("again.ckpt"),
        &checkpoint,
    ]);
    let whole = reference(&data(), "adam", 4, 2);
    assert!(std::fs::read(&resumed).unwrap() == whole);
    assert!(std::fs::read(&first).unwrap() != whole);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Rank 1 fails at epoch 3 as `how` says: the job must end within `within`, not
/// successfully, and epoch 2's checkpoint must load.
fn a_failing_rank_ends_the_job(how: &str, within: Duration) -> String {
    let dir = scratch(how);
    let checkpoint = dir.join("run.ckpt");
    let (output, took) = mpirun(
        &["fail", how, checkpoint.to_str().unwrap()],
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{how}: the job succeeded\n{stderr}"
    );
    assert_ne!(
        output.status.code(),
        Some(124),
        "{how}: timed out\n{stderr}"
    );
    assert!(took < within, "{how}: took {took:?}\n{stderr}");
    let saved = Checkpoint::load::<Small>(&checkpoint).unwrap();
    assert!(
        saved.epoch >= 2,
        "{how}: checkpoint of epoch {}",
        saved.epoch
    );
    std::fs::remove_dir_all(dir).unwrap();
    stderr
}

fn a_rank_that_fails_stops_every_rank() {
    // Both ranks return an error; rank 0's names rank 1.
    let stderr = a_failing_rank_ends_the_job("error", Duration::from_secs(30));
    assert!(stderr.contains("rank 1 cannot go on"), "{stderr}");
    assert!(stderr.contains("rank 1 of the MPI job failed"), "{stderr}");
    // The panic hook aborts the job instead of leaving rank 0 waiting for ever.
    let stderr = a_failing_rank_ends_the_job("panic", Duration::from_secs(30));
    assert!(stderr.contains("rank 1 panics"), "{stderr}");
    // A killed rank is noticed by mpirun, which ends the job.
    a_failing_rank_ends_the_job("kill", Duration::from_secs(30));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(("--worker", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) {
        if let Err(error) = worker(rest) {
            // One write, so that the two ranks' lines cannot interleave.
            let line = format!("rank failed: {error}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            std::process::exit(2);
        }
        return;
    }
    let tests: [(&str, fn()); 4] = [
        (
            "two_ranks_give_the_bits_of_two_threads",
            two_ranks_give_the_bits_of_two_threads,
        ),
        (
            "ranks_with_their_own_parts_give_the_bits_of_two_threads",
            ranks_with_their_own_parts_give_the_bits_of_two_threads,
        ),
        (
            "resuming_on_two_ranks_gives_the_uninterrupted_bits",
            resuming_on_two_ranks_gives_the_uninterrupted_bits,
        ),
        (
            "a_rank_that_fails_stops_every_rank",
            a_rank_that_fails_stops_every_rank,
        ),
    ];
    // A filter, as libtest takes one (`cargo test --test mpi_training -- resuming`).
    let filter = args.iter().find(|a| !a.starts_with('-'));
    for (name, test) in tests {
        if filter.is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let started = Instant::now();
        test();
        println!(
            "test {name} ... ok ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
}
