//! Callbacks in `fit`: early stopping, schedules, plateau reductions, best-only weights files
//! and misuse (resuming is in `callbacks_resume.rs`).

use std::path::PathBuf;

use nn::callbacks::{
    Callback, Control, EarlyStopping, LearningRateScheduler, ModelCheckpoint, Monitor,
    ReduceLrOnPlateau, Schedule,
};
use nn::{Adam, EpochStats, FitConfig, History, Model, Network, TrainError};

mod callbacks_support;

use callbacks_support::{bits, config, data, Mlp};

fn scratch(name: &str) -> PathBuf {
    callbacks_support::scratch("callbacks", name)
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
