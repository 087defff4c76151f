//! Misuse of training, checkpoints and weight files, and file-system faults: each is an
//! error that says what arrived and what was expected, found before any training where it
//! can be, and never a panic, an abort or a silent wrong answer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use nn::optim::ClipGlobalNorm;
use nn::{
    load_weights_from_bytes, weights_to_bytes, Adam, Checkpoint, Dataset, FitConfig, Model,
    Network, Optimizer, Rng, TrainError, WeightsError,
};

nn::network! {
    pub struct Tiny {
        input: [4],
        dense(8), relu,
        dense(3), softmax,
    }
}

/// 64 samples of 3 classes: the class is the largest of the first three inputs.
fn data() -> Dataset {
    let mut rng = Rng::new(5);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..64 {
        let x: Vec<f32> = (0..4).map(|_| rng.uniform(1.0)).collect();
        let class = (0..3).fold(0, |best, c| if x[c] > x[best] { c } else { best });
        inputs.extend(&x);
        targets.extend((0..3).map(|c| f32::from(c == class)));
    }
    Dataset::new(inputs, targets, 4, 3).unwrap()
}

fn config(epochs: usize) -> FitConfig {
    FitConfig::new(epochs, 16).seed(3).quiet()
}

fn bits(params: &[f32]) -> Vec<u32> {
    params.iter().map(|p| p.to_bits()).collect()
}

/// A fresh directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("nn-misuse-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One epoch of Adam (lr 1e-2) from `Tiny::new(1)`, checkpointed to `path`.
fn first_epoch_checkpointed(path: &Path) -> Box<Tiny> {
    let mut model = Tiny::new_boxed(1);
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

#[test]
fn predict_class_with_a_wrong_length_names_both_lengths() {
    let error = Tiny::new_boxed(1).predict_class(&[0.0; 3]).unwrap_err();
    assert!(
        matches!(
            error,
            TrainError::ShapeMismatch {
                expected: 4,
                found: 3,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("3 floats") && message.contains("expects 4"),
        "{message}"
    );
}

#[test]
fn too_many_threads_is_an_error_before_any_thread_starts() {
    let mut model = Tiny::new_boxed(1);
    let before = bits(model.params());
    let error = model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(1).threads(30_000),
        )
        .unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            TrainError::TooManyThreads {
                threads: 30_000,
                max: FitConfig::MAX_THREADS
            }
        )
    );
    assert_eq!(
        error.to_string(),
        "30000 training threads were asked for; expected at most 1024 (0 takes one per core)"
    );
    assert_eq!(bits(model.params()), before);
    let error = model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(1).threads(FitConfig::MAX_THREADS + 1),
        )
        .unwrap_err();
    assert!(
        matches!(error, TrainError::TooManyThreads { threads: 1025, .. }),
        "{error}"
    );
}

#[test]
fn a_checkpoint_of_u64_max_epochs_is_refused_not_overflowed() {
    let dir = Scratch::new("max-epoch");
    let path = dir.join("run.ckpt");
    let trained = first_epoch_checkpointed(&path);
    let mut checkpoint = Checkpoint::load::<Tiny>(&path).unwrap();
    checkpoint.epoch = usize::try_from(u64::MAX).unwrap();
    checkpoint.save::<Tiny>(&path).unwrap();

    let mut model = Tiny::new_boxed(2);
    let before = bits(model.params());
    let error = model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(3).resume_from(&path),
        )
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TrainError::Checkpoint {
                error: WeightsError::ResumePastEnd {
                    completed: usize::MAX,
                    epochs: 3
                },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(
            "it has completed 18446744073709551615 epochs, more than the 3 this run asks for"
        ),
        "{error}"
    );
    assert_eq!(bits(model.params()), before);
    // Asked for all of them: the run is complete, nothing is trained, nothing overflows.
    let history = model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(usize::MAX).resume_from(&path),
        )
        .unwrap();
    assert!(history.epochs.is_empty());
    assert_eq!(bits(model.params()), bits(trained.params()));
}

#[test]
fn resuming_past_the_epochs_is_an_error_and_a_finished_run_trains_nothing() {
    let dir = Scratch::new("past-end");
    let path = dir.join("run.ckpt");
    let mut model = Tiny::new_boxed(1);
    model
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(2).checkpoint(&path),
        )
        .unwrap();

    let mut fresh = Tiny::new_boxed(2);
    let before = bits(fresh.params());
    let error = fresh
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(1).resume_from(&path),
        )
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TrainError::Checkpoint {
                error: WeightsError::ResumePastEnd {
                    completed: 2,
                    epochs: 1
                },
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().ends_with(
            "it has completed 2 epochs, more than the 1 this run asks for; ask for at least 2 \
             epochs to resume it"
        ),
        "{error}"
    );
    assert_eq!(bits(fresh.params()), before);

    // Exactly the epochs asked for: a finished run, loaded, with nothing left to train.
    let history = fresh
        .fit(
            &data(),
            None,
            &mut Adam::new(1e-2),
            &config(2).resume_from(&path),
        )
        .unwrap();
    assert!(history.epochs.is_empty());
    assert_eq!(bits(fresh.params()), bits(model.params()));
}

#[test]
fn resuming_with_another_optimizer_setting_or_other_data_is_refused() {
    let dir = Scratch::new("fingerprint");
    let path = dir.join("run.ckpt");
    first_epoch_checkpointed(&path);
    let mut fresh = Tiny::new_boxed(2);
    let before = bits(fresh.params());
    let resume = config(2).resume_from(&path);

    let error = fresh
        .fit(&data(), None, &mut Adam::new(2e-2), &resume)
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TrainError::Checkpoint {
                error: WeightsError::HyperparameterMismatch { name, checkpoint: Some(_), optimizer: Some(_) },
                ..
            } if name == "learning_rate"
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(
            "written with the optimizer's learning_rate = 0.01, but training resumes with \
             learning_rate = 0.02; resume with the same optimizer settings"
        ),
        "{message}"
    );

    let mut clipped = ClipGlobalNorm::new(Adam::new(1e-2), 1.0);
    let error = fresh.fit(&data(), None, &mut clipped, &resume).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("max_norm = (none), but training resumes with max_norm = 1"),
        "{error}"
    );

    let mut other = data();
    other.inputs[17] += 0.5;
    let error = fresh
        .fit(&other, None, &mut Adam::new(1e-2), &resume)
        .unwrap_err();
    assert!(
        matches!(
            &error,
            TrainError::Checkpoint { error: WeightsError::DataMismatch { checkpoint, given }, .. }
                if checkpoint.samples == 64 && given.samples == 64 && checkpoint.hash != given.hash
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the same shape, but other values or another order"),
        "{error}"
    );
    let error = fresh
        .fit(&data().take(48), None, &mut Adam::new(1e-2), &resume)
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("written training on 64 samples of 4 inputs and 3 targets")
            && message.contains("the training data now is 48 samples of 4 inputs and 3 targets"),
        "{message}"
    );
    assert_eq!(
        bits(fresh.params()),
        before,
        "every refusal changed nothing"
    );

    // The same optimizer and data resume.
    let history = fresh
        .fit(&data(), None, &mut Adam::new(1e-2), &resume)
        .unwrap();
    assert_eq!(history.epochs.len(), 1);
}

/// A directory nobody may create files in: a read-only one, or where the owner of the
/// process ignores permissions (root), one of the kernel's.
fn read_only_dir(dir: &Scratch) -> PathBuf {
    let read_only = dir.join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(read_only.join("probe"), b"").is_err() {
            return read_only;
        }
        std::fs::remove_file(read_only.join("probe")).unwrap();
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    PathBuf::from("/sys")
}

#[test]
fn a_checkpoint_path_that_cannot_be_written_fails_before_training() {
    let dir = Scratch::new("unwritable");
    let missing = dir.join("no-such-dir").join("run.ckpt");
    let read_only = read_only_dir(&dir).join("run.ckpt");
    let a_directory = dir.join("");
    for (path, says) in [
        (&missing, "does not exist; create it first"),
        (&read_only, "cannot create files in the directory"),
        (&a_directory, "it is a directory; expected a file name"),
    ] {
        let mut model = Tiny::new_boxed(1);
        let before = bits(model.params());
        let error = model
            .fit(
                &data(),
                None,
                &mut Adam::new(1e-2),
                &config(1).checkpoint(path),
            )
            .unwrap_err();
        assert!(
            matches!(&error, TrainError::Checkpoint { path: p, .. } if p == path),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(says), "{message}");
        let shown = path.display().to_string();
        assert_eq!(message.matches(&shown).count(), 1, "{message}");
        assert_eq!(bits(model.params()), before, "refused before any training");
    }
}

/// Two threads save different checkpoints to one path as fast as they can while a third
/// reads it: every save succeeds, every read is a whole checkpoint of one of them.
#[test]
fn concurrent_saves_of_one_path_all_succeed_and_readers_see_whole_files() {
    let dir = Scratch::new("concurrent");
    let path = dir.join("run.ckpt");
    let model = Tiny::new_boxed(1);
    let state = Adam::new(1e-2).state().unwrap();
    let checkpoint = |epoch| Checkpoint::new(&*model, state.clone(), epoch, 3, 16, true, 1);
    const SAVES: usize = 150;
    let done = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        let read = Checkpoint::from_bytes::<Tiny>(&bytes);
                        let epoch = read.map(|c| c.epoch);
                        assert!(
                            matches!(epoch, Ok(1 | 2)),
                            "a reader saw {} bytes: {epoch:?}",
                            bytes.len()
                        );
                        reads.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
                }
            }
        });
        let writers: Vec<_> = [1, 2]
            .map(|epoch| {
                let checkpoint = checkpoint(epoch);
                let path = &path;
                scope.spawn(move || {
                    (0..SAVES)
                        .filter(|_| checkpoint.save::<Tiny>(path).is_err())
                        .count()
                })
            })
            .into();
        let failed: Vec<usize> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        done.store(true, Ordering::SeqCst);
        reader.join().unwrap();
        assert_eq!(failed, [0, 0], "saves that failed, per writer");
    });
    assert!(reads.load(Ordering::SeqCst) > 0);
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["run.ckpt"], "temporary files left behind");
}

const CHILD: &str = "NN_MISUSE_CHILD";

/// Two processes save different checkpoints to one path while this one reads it: every
/// save succeeds (each child exits 0 only then), every read is a whole checkpoint.
#[test]
fn two_processes_saving_one_path_all_succeed_and_readers_see_whole_files() {
    const TEST: &str = "two_processes_saving_one_path_all_succeed_and_readers_see_whole_files";
    if let Ok(child) = std::env::var(CHILD) {
        let (path, epoch) = child.split_once('|').unwrap();
        let epoch: usize = epoch.parse().unwrap();
        let model = Tiny::new_boxed(1);
        let state = Adam::new(1e-2).state().unwrap();
        let checkpoint = Checkpoint::new(&*model, state, epoch, 3, 16, true, 1);
        for _ in 0..100 {
            checkpoint.save::<Tiny>(path).unwrap(); // a failure exits non-zero
        }
        return;
    }
    let dir = Scratch::new("processes");
    let path = dir.join("run.ckpt");
    let spawn = |epoch: usize| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--test-threads=1"])
            .env(CHILD, format!("{}|{epoch}", path.display()))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut children = [spawn(1), spawn(2)];
    let mut reads = 0;
    let mut running = true;
    while running {
        running = children
            .iter_mut()
            .any(|child| child.try_wait().unwrap().is_none());
        match std::fs::read(&path) {
            Ok(bytes) => {
                let epoch = Checkpoint::from_bytes::<Tiny>(&bytes).map(|c| c.epoch);
                assert!(
                    matches!(epoch, Ok(1 | 2)),
                    "a reader saw {} bytes: {epoch:?}",
                    bytes.len()
                );
                reads += 1;
            }
            Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::NotFound),
        }
    }
    for child in &mut children {
        assert!(child.wait().unwrap().success(), "a save failed in a child");
    }
    assert!(reads > 0);
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["run.ckpt"], "temporary files left behind");
}

#[test]
fn only_provably_stale_temporary_files_of_the_target_are_removed() {
    let dir = Scratch::new("strays");
    let path = dir.join("run.ckpt");
    let random = "0123456789abcdef";
    let dead = u32::MAX; // above any pid the kernel hands out
    let stray = |name: &str, age_secs: u64| {
        let file = dir.join(name);
        std::fs::write(&file, b"half a checkpoint").unwrap();
        let modified = SystemTime::now() - Duration::from_secs(age_secs);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        name.to_string()
    };
    let hour = 3600;
    let removed = [
        stray(&format!(".run.ckpt.{dead}-0-{random}.tmp"), hour), // its writer is gone
        stray(&format!(".run.ckpt.1-7-{random}.tmp"), 25 * hour), // untouched for a day
    ];
    let mut kept = vec![
        stray(&format!(".run.ckpt.{dead}-1-{random}.tmp"), 5), // maybe another machine's writer
        stray(&format!(".run.ckpt.1-8-{random}.tmp"), hour),   // pid 1 is running
        stray(
            &format!(".run.ckpt.{}-9-{random}.tmp", std::process::id()),
            hour,
        ), // ours
        stray(&format!(".other.ckpt.{dead}-0-{random}.tmp"), 25 * hour), // another target
        stray(".run.ckpt.tmp", 25 * hour),                     // not our pattern
        stray(&format!(".run.ckpt.{dead}-0-{random}.tmp.bak"), 25 * hour),
    ];
    first_epoch_checkpointed(&path);
    kept.push("run.ckpt".to_string());
    kept.sort();
    let mut left: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, kept, "removed: {removed:?}");
}

#[test]
fn a_weights_file_naming_a_tensor_twice_is_refused() {
    let model = Tiny::new_boxed(1);
    let good = weights_to_bytes(&*model);
    let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&good[8..8 + header_len]).unwrap();
    // A first `dense_0.bias` before the real one: a JSON parser keeps the last silently.
    assert!(header.starts_with('{'), "{header}");
    let forged = format!(
        "{{\"dense_0.bias\":{{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[0,32]}},{}",
        &header[1..]
    );
    let mut bytes = (forged.len() as u64).to_le_bytes().to_vec();
    bytes.extend(forged.as_bytes());
    bytes.extend(&good[8 + header_len..]);

    let mut target = Tiny::new_boxed(2);
    let before = bits(target.params());
    let error = load_weights_from_bytes(&mut *target, &bytes).unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            WeightsError::DuplicateTensor {
                name: "dense_0.bias".to_string()
            }
        )
    );
    assert!(
        error
            .to_string()
            .starts_with("the file names tensor `dense_0.bias` twice"),
        "{error}"
    );
    assert_eq!(bits(target.params()), before);
    // The file without the repeat loads.
    load_weights_from_bytes(&mut *target, &good).unwrap();
}
