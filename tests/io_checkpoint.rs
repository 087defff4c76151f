//! Checkpoints during `fit`: a crash while one is being written leaves the previous one
//! loadable, and resuming from a checkpoint continues the run bit for bit.
//!
//! Some tests run part of their work in a child process (this test binary, re-run on the same
//! test with `NN_CHECKPOINT_CHILD` set), so that the crash is a real one and the resumed run
//! starts from a fresh process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nn::{Adam, Checkpoint, Dataset, FitConfig, Model, Network, Optimizer, Rng, Sgd, TrainError};

nn::network! {
    /// Small, but with every kind of state a resume must restore: dropout draws masks from the
    /// epoch's generator, batch norm keeps running statistics among the parameters.
    pub struct Small {
        input: [16],
        dense(32), batch_norm, relu,
        dropout(0.25),
        dense(4), softmax,
    }
}

const CHILD: &str = "NN_CHECKPOINT_CHILD";

/// 256 samples of 4 classes, each the argmax of a fixed linear map of 16 uniform inputs.
fn data() -> Dataset {
    let mut rng = Rng::new(11);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..256 {
        let x: Vec<f32> = (0..16).map(|_| rng.uniform(1.0)).collect();
        let scores: Vec<f32> = (0..4)
            .map(|c| {
                x.iter()
                    .enumerate()
                    .map(|(i, v)| v * ((i * 7 + c * 3) % 5) as f32 - 2.0)
                    .sum()
            })
            .collect();
        let class = (0..4).fold(0, |best, c| if scores[c] > scores[best] { c } else { best });
        inputs.extend(x);
        targets.extend((0..4).map(|c| f32::from(c == class)));
    }
    Dataset::new(inputs, targets, 16, 4).unwrap()
}

fn config(epochs: usize) -> FitConfig {
    FitConfig::new(epochs, 16).seed(9).quiet()
}

fn bits(params: &[f32]) -> Vec<u32> {
    params.iter().map(|p| p.to_bits()).collect()
}

/// Parameters after `epochs` uninterrupted epochs from `Small::new(1)`.
fn straight_run(epochs: usize, optimizer: &mut dyn Optimizer) -> Vec<f32> {
    let mut model = Small::new_boxed(1);
    model
        .fit(&data(), None, optimizer, &config(epochs))
        .unwrap();
    model.params().to_vec()
}

/// One epoch of Adam (lr 1e-2) from `model`, checkpointed to `path`; returns the model.
fn first_epoch_checkpointed<N: Model>(mut model: Box<N>, path: &Path) -> Box<N> {
    model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(1).checkpoint(path),
        )
        .unwrap();
    model
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs this same test in a child process, with `CHILD` pointing at `dir`.
fn spawn_child(test: &str, dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, dir)
        .stdout(std::process::Stdio::null()) // its own test summary would confuse the parent's
        .spawn()
        .unwrap()
}

/// The temporary files of `path` in its directory: `.<name>.<pid>-<counter>-<random>.tmp`.
fn temporaries_of(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let prefix = format!(".{name}.");
    let mut found: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| {
            let file = p.file_name().unwrap().to_str().unwrap();
            file.starts_with(&prefix) && file.ends_with(".tmp")
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_crash_while_writing_a_checkpoint_keeps_the_last_one() {
    const TEST: &str = "a_crash_while_writing_a_checkpoint_keeps_the_last_one";
    if let Ok(dir) = std::env::var(CHILD) {
        // The child: two epochs with a checkpoint after each, then the process dies halfway
        // through writing the checkpoint of epoch 3, through the very writer `fit` uses.
        let path = Path::new(&dir).join("run.ckpt");
        let mut model = Small::new_boxed(1);
        let mut adam = Adam::new(1e-2);
        model
            .fit(&data(), None, &mut adam, &config(2).checkpoint(&path))
            .unwrap();
        let next = Checkpoint::new(&*model, adam.state().unwrap(), 3, 9, 16, true, 1)
            .to_bytes::<Small>()
            .unwrap();
        let _ = nn::io::write_atomically(&path, |file| {
            file.write_all(&next[..next.len() / 2])?;
            file.flush()?;
            std::process::abort()
        });
        unreachable!("the child aborts while writing");
    }

    let dir = scratch_dir("crash");
    let path = dir.join("run.ckpt");
    let status = spawn_child(TEST, &dir).wait().unwrap();
    assert!(!status.success(), "the child should have died: {status}");
    // It died mid-write: half a checkpoint sits in its temporary file.
    let stray = temporaries_of(&path);
    assert_eq!(stray.len(), 1, "{stray:?}");
    let partial = std::fs::read(&stray[0]).unwrap();
    let complete = std::fs::read(&path).unwrap();
    assert!(!partial.is_empty() && partial.len() < complete.len());
    assert!(Checkpoint::load::<Small>(&stray[0]).is_err());

    // The checkpoint of epoch 2 is intact: exactly the parameters of two epochs.
    let checkpoint = Checkpoint::load::<Small>(&path).unwrap();
    assert_eq!(checkpoint.epoch, 2);
    assert_eq!(
        bits(&checkpoint.params),
        bits(&straight_run(2, &mut Adam::new(1e-2)))
    );
    // And training resumes from it.
    let mut model = Small::new_boxed(5);
    let history = model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(3).resume_from(&path).checkpoint(&path),
        )
        .unwrap();
    assert_eq!(history.epochs.len(), 1);
    assert_eq!(history.epochs[0].epoch, 3);
    assert_eq!(Checkpoint::load::<Small>(&path).unwrap().epoch, 3);
    // The stray is left while it might belong to a live writer on another machine sharing
    // the directory (untouched for less than a minute). Once untouched for a day it is stale
    // whoever wrote it (a writer gone from this machine is enough after a minute, but its
    // pid may have been reused by now), and the next save removes it.
    assert_eq!(temporaries_of(&path), stray);
    let a_day_ago = std::time::SystemTime::now() - Duration::from_secs(25 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&stray[0])
        .unwrap()
        .set_modified(a_day_ago)
        .unwrap();
    model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(4).resume_from(&path).checkpoint(&path),
        )
        .unwrap();
    assert_eq!(temporaries_of(&path), Vec::<PathBuf>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_training_run_leaves_a_checkpoint_that_resumes_exactly() {
    const TEST: &str = "a_killed_training_run_leaves_a_checkpoint_that_resumes_exactly";
    if let Ok(dir) = std::env::var(CHILD) {
        // The child trains with a checkpoint per epoch until it is killed.
        let path = Path::new(&dir).join("run.ckpt");
        let mut model = Small::new_boxed(1);
        let config = config(100_000).checkpoint(&path);
        model
            .fit(
                &data(),
                None,
                &mut Sgd::new(0.05).with_momentum(0.9),
                &config,
            )
            .unwrap();
        return;
    }

    let dir = scratch_dir("kill");
    let path = dir.join("run.ckpt");
    let mut child = spawn_child(TEST, &dir);
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap(); // SIGKILL: no clean-up runs
    child.wait().unwrap();

    let checkpoint = Checkpoint::load::<Small>(&path).unwrap();
    let epoch = checkpoint.epoch;
    assert!(epoch >= 1);
    assert_eq!(checkpoint.optimizer.method, "sgd");
    // Whatever epoch it holds, it is that epoch's exact state: one more epoch from it equals
    // an uninterrupted run of `epoch + 1`.
    let mut resumed = Small::new_boxed(5);
    let mut sgd = Sgd::new(0.05).with_momentum(0.9);
    resumed
        .fit(
            &data(),
            None,
            &mut sgd,
            &config(epoch + 1).resume_from(&path),
        )
        .unwrap();
    let want = straight_run(epoch + 1, &mut Sgd::new(0.05).with_momentum(0.9));
    assert_eq!(
        bits(resumed.params()),
        bits(&want),
        "resumed after epoch {epoch}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Trains 2 epochs with a checkpoint in a child process, resumes to 4 in another child
/// process, and compares with 4 uninterrupted epochs here.
fn resumes_bit_for_bit(test: &str, optimizer: fn() -> Box<dyn Optimizer>) {
    let path = |dir: &str| Path::new(dir).join("run.ckpt");
    if let Ok(dir) = std::env::var(CHILD) {
        let dir = dir.as_str();
        let final_params = Path::new(dir).join("final.bin");
        let mut optimizer = optimizer();
        if path(dir).exists() {
            // Second process: a different initialization, a fresh optimizer; all state
            // comes from the checkpoint.
            let mut model = Small::new_boxed(77);
            let history = model
                .fit(
                    &data(),
                    None,
                    &mut *optimizer,
                    &config(4).resume_from(path(dir)),
                )
                .unwrap();
            let epochs: Vec<usize> = history.epochs.iter().map(|e| e.epoch).collect();
            assert_eq!(epochs, [3, 4]);
            let bytes: Vec<u8> = model
                .params()
                .iter()
                .flat_map(|p| p.to_le_bytes())
                .collect();
            std::fs::write(final_params, bytes).unwrap();
        } else {
            let mut model = Small::new_boxed(1);
            model
                .fit(
                    &data(),
                    None,
                    &mut *optimizer,
                    &config(2).checkpoint(path(dir)),
                )
                .unwrap();
        }
        return;
    }

    let dir = scratch_dir(test);
    for _ in 0..2 {
        assert!(spawn_child(test, &dir).wait().unwrap().success());
    }
    let resumed: Vec<u32> = std::fs::read(dir.join("final.bin"))
        .unwrap()
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let straight = straight_run(4, &mut *optimizer());
    assert_eq!(resumed, bits(&straight));
    // Not trivially equal: training moved the parameters.
    assert_ne!(bits(&straight), bits(Small::new_boxed(1).params()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn adam_resumes_bit_for_bit_in_a_new_process() {
    resumes_bit_for_bit("adam_resumes_bit_for_bit_in_a_new_process", || {
        Box::new(Adam::new(1e-2))
    });
}

#[test]
fn sgd_with_momentum_resumes_bit_for_bit_in_a_new_process() {
    resumes_bit_for_bit(
        "sgd_with_momentum_resumes_bit_for_bit_in_a_new_process",
        || Box::new(Sgd::new(0.05).with_momentum(0.9)),
    );
}

#[test]
fn resuming_with_other_settings_is_refused_and_changes_nothing() {
    let dir = scratch_dir("settings");
    let path = dir.join("run.ckpt");
    let model = first_epoch_checkpointed(Small::new_boxed(1), &path);

    let mut fresh = Small::new_boxed(3);
    let before = bits(fresh.params());
    let mut adam = Adam::new(1e-2);
    let other_seed = config(2).seed(10).resume_from(&path);
    let error = fresh
        .fit(&data(), None, &mut adam, &other_seed)
        .unwrap_err();
    assert!(matches!(
        &error,
        TrainError::Checkpoint {
            error: nn::WeightsError::SettingMismatch {
                setting: "seed",
                ..
            },
            ..
        }
    ));
    assert!(error.to_string().contains("seed = 9"), "{error}");
    // An SGD cannot continue Adam's run.
    let error = fresh
        .fit(
            &data(),
            None,
            &mut Sgd::new(0.1),
            &config(2).resume_from(&path),
        )
        .unwrap_err();
    assert!(error.to_string().contains("saved by `adam`"), "{error}");
    assert_eq!(bits(fresh.params()), before);
    assert_eq!(adam.state().unwrap().step, 0);

    // A weights file is not a checkpoint, and a checkpoint loads as weights.
    nn::save_weights(&*model, dir.join("weights.safetensors")).unwrap();
    let error = fresh
        .fit(
            &data(),
            None,
            &mut adam,
            &config(2).resume_from(dir.join("weights.safetensors")),
        )
        .unwrap_err();
    assert!(error.to_string().contains("not a checkpoint"), "{error}");
    nn::load_weights(&mut *fresh, &path).unwrap();
    assert_eq!(bits(fresh.params()), bits(model.params()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_optimizer_without_state_export_cannot_checkpoint() {
    struct Stateless;
    impl Optimizer for Stateless {
        fn step(&mut self, params: &mut [f32], grads: &[f32]) {
            for (p, g) in params.iter_mut().zip(grads) {
                *p -= 0.1 * g;
            }
        }
    }
    let mut model = Small::new_boxed(1);
    let before = bits(model.params());
    let path = scratch_dir("stateless").join("run.ckpt");
    let error = model
        .fit(&data(), None, &mut Stateless, &config(1).checkpoint(&path))
        .unwrap_err();
    assert!(
        error.to_string().contains("cannot export or restore"),
        "{error}"
    );
    assert_eq!(bits(model.params()), before, "refused before training");
}

nn::network! {
    /// Convolution does most of the work: more threads train it data-parallel.
    struct Convolutional {
        input: [1, 4, 4],
        conv2d(3, kernel = 2), relu,
        flatten,
        dense(4), softmax,
    }
}

#[test]
fn a_run_resumes_on_another_thread_count_only_when_the_arithmetic_is_the_same() {
    let dir = scratch_dir("threads");
    // `Small` is all dense layers: extra threads share its products, which sums every
    // gradient as one thread does, so its checkpoint resumes on two threads, exactly.
    let path = dir.join("dense.ckpt");
    first_epoch_checkpointed(Small::new_boxed(1), &path);
    let mut resumed = Small::new_boxed(5);
    resumed
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(2).threads(2).resume_from(&path),
        )
        .unwrap();
    assert_eq!(
        bits(resumed.params()),
        bits(&straight_run(2, &mut Adam::new(1e-2)))
    );

    // Data-parallel shards sum gradients differently: a one-thread checkpoint does not
    // continue on two threads.
    let path = dir.join("conv.ckpt");
    first_epoch_checkpointed(Convolutional::new_boxed(1), &path);
    let mut fresh = Convolutional::new_boxed(2);
    let before = bits(fresh.params());
    let error = fresh
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(2).threads(2).resume_from(&path),
        )
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TrainError::Checkpoint {
                error: nn::WeightsError::SettingMismatch { checkpoint, config, .. },
                ..
            } if checkpoint == "1" && config == "2"
        ),
        "{error}"
    );
    assert!(error.to_string().contains("shards"), "{error}");
    assert_eq!(bits(fresh.params()), before);
    std::fs::remove_dir_all(&dir).ok();
}
