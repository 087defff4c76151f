//! Callbacks across processes: a run resumed from a checkpoint equals the uninterrupted one
//! bit for bit, a run early stopping ended resumes to nothing, and best-only weights files
//! survive a killed run.

use std::path::PathBuf;

use nn::callbacks::{
    Callback, Control, CsvLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, Monitor,
    ReduceLrOnPlateau, Schedule,
};
use nn::{Adam, FitConfig, History, Model, Network};

mod callbacks_support;

use callbacks_support::{bits, config, data, Mlp};

fn scratch(name: &str) -> PathBuf {
    callbacks_support::scratch("callbacks-resume", name)
}

/// Makes training worse from epoch 3 on: shifts every parameter before the epoch trains.
struct Shove;

impl Callback for Shove {
    fn name(&self) -> &str {
        "shove"
    }
    fn on_epoch_begin(&mut self, epoch: usize, control: &mut Control<'_>) -> Result<(), String> {
        if epoch >= 3 {
            control.params_mut().iter_mut().for_each(|p| *p += 0.4);
        }
        Ok(())
    }
}

/// The callbacks of the resume tests, fresh: early stopping, a CSV log, and a schedule or a
/// plateau reduction (not both: the schedule would overwrite the reduction every epoch).
fn resumable(dir: &std::path::Path, plateau: bool) -> Vec<Box<dyn Callback>> {
    let rate: Box<dyn Callback> = if plateau {
        Box::new(
            ReduceLrOnPlateau::new(Monitor::Loss)
                .patience(1)
                .min_delta(10.0)
                .factor(0.5),
        )
    } else {
        Box::new(LearningRateScheduler::new(Schedule::Cosine {
            epochs: 6,
            min_lr: 1e-4,
        }))
    };
    vec![
        rate,
        Box::new(
            EarlyStopping::new(Monitor::ValLoss)
                .patience(10)
                .restore_best_weights(true),
        ),
        Box::new(CsvLogger::new(dir.join("log.csv"))),
    ]
}

fn run(
    epochs: usize,
    dir: &std::path::Path,
    resume: bool,
    plateau: bool,
) -> (Box<Mlp>, History, String) {
    let mut owned = resumable(dir, plateau);
    let mut callbacks: Vec<&mut dyn Callback> = owned
        .iter_mut()
        .map(|c| &mut **c as &mut dyn Callback)
        .collect();
    let mut config = config(epochs).checkpoint(dir.join("run.ckpt"));
    if resume {
        config = config.resume_from(dir.join("run.ckpt"));
    }
    let mut model = Mlp::new_boxed(1);
    let history = model
        .fit_with(&data(), None, &mut Adam::new(0.01), &config, &mut callbacks)
        .unwrap();
    let csv = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    (model, history, csv)
}

/// Everything but the seconds column.
fn without_seconds(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|line| line.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

#[test]
fn a_resumed_run_with_callbacks_and_a_schedule_equals_the_uninterrupted_one() {
    for plateau in [false, true] {
        let straight_dir = scratch(&format!("straight-{plateau}"));
        let (straight, straight_history, straight_csv) = run(6, &straight_dir, false, plateau);
        let resumed_dir = scratch(&format!("resumed-{plateau}"));
        run(3, &resumed_dir, false, plateau);
        let (resumed, resumed_history, resumed_csv) = run(6, &resumed_dir, true, plateau);
        assert_eq!(
            bits(straight.params()),
            bits(resumed.params()),
            "plateau: {plateau}"
        );
        let stats = |h: &History| {
            h.epochs
                .iter()
                .map(|e| (e.epoch, e.train, e.validation))
                .collect::<Vec<_>>()
        };
        assert_eq!(stats(&straight_history)[3..], stats(&resumed_history)[..]);
        assert_eq!(
            without_seconds(&straight_csv),
            without_seconds(&resumed_csv)
        );
        assert_eq!(straight_csv.lines().count(), 7);
    }
}

#[test]
fn resuming_a_run_early_stopping_ended_trains_nothing_and_keeps_the_best_weights() {
    let dir = scratch("stopped");
    let mut stopping = EarlyStopping::new(Monitor::ValLoss)
        .patience(1)
        .restore_best_weights(true);
    let mut shove = Shove;
    let config = config(20).checkpoint(dir.join("run.ckpt"));
    let mut model = Mlp::new_boxed(1);
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut shove, &mut stopping];
    model
        .fit_with(&data(), None, &mut Adam::new(0.01), &config, callbacks)
        .unwrap();
    assert!(stopping.stopped_epoch().is_some());

    let mut again = EarlyStopping::new(Monitor::ValLoss)
        .patience(1)
        .restore_best_weights(true);
    let mut resumed = Mlp::new_boxed(1);
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut Shove, &mut again];
    let config = config.resume_from(dir.join("run.ckpt"));
    let history = resumed
        .fit_with(&data(), None, &mut Adam::new(0.01), &config, callbacks)
        .unwrap();
    assert!(history.epochs.is_empty());
    assert_eq!(bits(resumed.params()), bits(model.params()));
}

#[test]
fn a_checkpoint_refuses_other_callbacks() {
    let dir = scratch("other");
    let config = config(2).checkpoint(dir.join("run.ckpt"));
    let mut stopping = EarlyStopping::new(Monitor::ValLoss);
    Mlp::new_boxed(1)
        .fit_with(
            &data(),
            None,
            &mut Adam::new(0.01),
            &config,
            &mut [&mut stopping],
        )
        .unwrap();
    let config = config.resume_from(dir.join("run.ckpt"));
    let error = Mlp::new_boxed(1)
        .fit_with(
            &data(),
            None,
            &mut Adam::new(0.01),
            &config.clone(),
            &mut [],
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("this fit has no such callback"),
        "{error}"
    );
}

const CHILD: &str = "NN_CALLBACKS_CHILD";

/// A process killed (SIGKILL) while it trains and saves its best weights after most epochs
/// leaves a weights file that loads: each write replaces the file only once it is complete.
#[test]
fn best_only_weights_survive_a_killed_run() {
    const TEST: &str = "best_only_weights_survive_a_killed_run";
    if let Ok(dir) = std::env::var(CHILD) {
        let path = std::path::Path::new(&dir).join("best.safetensors");
        let mut best = ModelCheckpoint::new(&path)
            .monitor(Monitor::Loss)
            .save_best_only(true);
        let config = FitConfig::new(1_000_000, 8).quiet();
        Mlp::new_boxed(1)
            .fit_with(
                &data(),
                None,
                &mut Adam::new(0.001),
                &config,
                &mut [&mut best],
            )
            .unwrap();
        return;
    }
    let dir = scratch("killed");
    let path = dir.join("best.safetensors");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, &dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !path.exists() {
        assert!(started.elapsed().as_secs() < 60, "no weights file appeared");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(150));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut saved = Mlp::new_boxed(0);
    nn::io::load_weights(&mut *saved, &path).unwrap();
    assert_ne!(bits(saved.params()), bits(Mlp::new_boxed(0).params()));
}
