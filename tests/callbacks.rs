//! Callbacks in `fit`: early stopping, schedules, best-only weights files, the CSV log, and a
//! resume with callbacks that equals the uninterrupted run bit for bit.

use std::path::PathBuf;

use nn::callbacks::{
    Callback, Control, CsvLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, Monitor,
    ReduceLrOnPlateau, Schedule,
};
use nn::{Adam, Dataset, EpochStats, FitConfig, History, Model, Network, Rng, TrainError};

nn::network! {
    pub struct Mlp { input: [6], dense(12), relu, dropout(0.2), dense(3), softmax }
}

/// 60 samples of 3 classes as class indices: the argmax of a linear map of 6 inputs.
fn data() -> Dataset {
    let mut rng = Rng::new(8);
    let (mut inputs, mut labels) = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let x: Vec<f32> = (0..6).map(|_| rng.uniform(1.0)).collect();
        let score = |c: usize| -> f32 {
            x.iter()
                .enumerate()
                .map(|(i, v)| v * ((i + 2 * c) % 4) as f32)
                .sum()
        };
        labels.push((0..3).fold(0, |best, c| if score(c) > score(best) { c } else { best }));
        inputs.extend(x);
    }
    Dataset::with_class_indices(inputs, 6, &labels).unwrap()
}

fn config(epochs: usize) -> FitConfig {
    FitConfig::new(epochs, 8)
        .seed(3)
        .quiet()
        .validation_split(0.2)
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-callbacks-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Records the parameters after every epoch and the learning rate each epoch ran with.
#[derive(Default)]
struct Recorder {
    params: Vec<Vec<f32>>,
    rates: Vec<f32>,
}

impl Callback for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn on_epoch_begin(&mut self, _epoch: usize, control: &mut Control<'_>) -> Result<(), String> {
        self.rates.push(control.learning_rate().unwrap());
        Ok(())
    }
    fn on_epoch_end(
        &mut self,
        _stats: &EpochStats,
        control: &mut Control<'_>,
    ) -> Result<(), String> {
        self.params.push(control.params().to_vec());
        Ok(())
    }
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

fn first_minimum(history: &History) -> usize {
    let losses: Vec<f32> = history
        .epochs
        .iter()
        .map(|e| e.validation.unwrap().loss)
        .collect();
    let best = (0..losses.len()).fold(0, |b, i| if losses[i] < losses[b] { i } else { b });
    best + 1
}

#[test]
fn early_stopping_stops_after_patience_and_restores_the_best_weights_bit_for_bit() {
    let mut model = Mlp::new_boxed(1);
    let (mut shove, mut recorder) = (Shove, Recorder::default());
    let mut stopping = EarlyStopping::new(Monitor::ValLoss)
        .patience(2)
        .restore_best_weights(true);
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut shove, &mut recorder, &mut stopping];
    let history = model
        .fit_with(&data(), None, &mut Adam::new(0.01), &config(20), callbacks)
        .unwrap();
    let best = first_minimum(&history);
    assert!(
        best < history.epochs.len(),
        "the best epoch is the last; nothing to restore"
    );
    assert_eq!(stopping.best_epoch(), Some(best));
    assert_eq!(stopping.stopped_epoch(), Some(best + 2));
    assert_eq!(history.epochs.len(), best + 2);
    assert_eq!(bits(model.params()), bits(&recorder.params[best - 1]));
    assert_ne!(bits(model.params()), bits(recorder.params.last().unwrap()));
}

#[test]
fn early_stopping_waits_for_an_improvement_larger_than_min_delta() {
    let mut model = Mlp::new_boxed(1);
    // A loss never falls by 10 in one epoch: only the first epoch counts as an improvement.
    let mut stopping = EarlyStopping::new(Monitor::Loss)
        .patience(3)
        .min_delta(10.0);
    let history = model
        .fit_with(
            &data(),
            None,
            &mut Adam::new(0.01),
            &config(20),
            &mut [&mut stopping],
        )
        .unwrap();
    assert_eq!(history.epochs.len(), 4);
    assert_eq!(stopping.best_epoch(), Some(1));
}

#[test]
fn each_schedule_sets_its_rate_before_every_epoch() {
    let initial = 0.01f32;
    let cases: Vec<(Schedule, Vec<f32>)> = vec![
        (
            Schedule::Step {
                every: 2,
                factor: 0.5,
            },
            vec![0.01, 0.01, 0.005, 0.005, 0.0025],
        ),
        (
            Schedule::Exponential { rate: 0.5 },
            vec![0.01, 0.005, 0.0025, 0.00125, 0.000625],
        ),
        (
            Schedule::Cosine {
                epochs: 4,
                min_lr: 0.001,
            },
            // 0.001 + 0.009 · (1 + cos(π·k/4)) / 2 for k = 0..4, then the floor.
            vec![0.01, 0.008_681_98, 0.0055, 0.002_318_019, 0.001],
        ),
        (
            Schedule::Custom(Box::new(|epoch, rate| rate + epoch as f32)),
            vec![1.01, 3.01, 6.01, 10.01, 15.01],
        ),
    ];
    for (schedule, expected) in cases {
        let label = format!("{schedule:?}");
        let mut scheduler = LearningRateScheduler::new(schedule);
        let mut recorder = Recorder::default();
        let mut model = Mlp::new_boxed(1);
        let callbacks: &mut [&mut dyn Callback] = &mut [&mut scheduler, &mut recorder];
        let config = FitConfig::new(5, 8).quiet();
        model
            .fit_with(&data(), None, &mut Adam::new(initial), &config, callbacks)
            .ok();
        assert_eq!(recorder.rates.len(), 5, "{label}");
        for (epoch, (&got, &want)) in recorder.rates.iter().zip(&expected).enumerate() {
            assert!(
                (got - want).abs() <= want * 1e-6,
                "{label}, epoch {}: {got} vs {want}",
                epoch + 1
            );
        }
    }
}

#[test]
fn reduce_on_plateau_lowers_the_rate_after_patience() {
    // min_delta 10: no epoch improves after the first, so every `patience` epochs it lowers.
    let mut reduce = ReduceLrOnPlateau::new(Monitor::Loss)
        .patience(2)
        .min_delta(10.0)
        .factor(0.5);
    let mut recorder = Recorder::default();
    let mut model = Mlp::new_boxed(1);
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut reduce, &mut recorder];
    model
        .fit_with(
            &data(),
            None,
            &mut Adam::new(0.01),
            &FitConfig::new(6, 8).quiet(),
            callbacks,
        )
        .unwrap();
    assert_eq!(recorder.rates, vec![0.01, 0.01, 0.01, 0.005, 0.005, 0.0025]);
}

#[test]
fn save_best_only_keeps_the_weights_of_the_best_epoch() {
    let dir = scratch("best");
    let path = dir.join("best.safetensors");
    let mut best_only = ModelCheckpoint::new(&path)
        .monitor(Monitor::ValLoss)
        .save_best_only(true);
    let (mut shove, mut recorder) = (Shove, Recorder::default());
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut shove, &mut recorder, &mut best_only];
    let mut model = Mlp::new_boxed(1);
    let history = model
        .fit_with(&data(), None, &mut Adam::new(0.01), &config(6), callbacks)
        .unwrap();
    let best = first_minimum(&history);
    let mut saved = Mlp::new_boxed(0);
    nn::io::load_weights(&mut *saved, &path).unwrap();
    assert_eq!(bits(saved.params()), bits(&recorder.params[best - 1]));
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 1, "temporary files left beside the weights");
}

#[test]
fn a_monitor_that_was_not_measured_is_an_error_naming_it() {
    let mut stopping = EarlyStopping::new(Monitor::ValAccuracy);
    let mut model = Mlp::new_boxed(1);
    let error = model
        .fit_with(
            &data(),
            None,
            &mut Adam::new(0.01),
            &FitConfig::new(2, 8).quiet(),
            &mut [&mut stopping],
        )
        .unwrap_err();
    assert!(matches!(error, TrainError::Callback { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("`val_accuracy` was not measured"),
        "{error}"
    );
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
